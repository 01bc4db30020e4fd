"""`flask intake retention|backup|export` and `flask intake keys epochs|retire`.

They print counts and ids, never an identity or a narrative (except the exports, which are the
point: written to a file or standard output, and audited).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from intake.crypto import write_keyring_file
from intake.errors import IntakeError
from intake.extensions import db, get_keyring, get_settings
from intake.lifecycle import service
from intake.lifecycle.backup import check_copy, copy_url
from intake.lifecycle.export import prosecutor_copy, records_copy
from intake.models import utcnow
from intake.unit_of_work import unit_of_work

# This feature's commands under `flask intake`: intake.cli imports this module and adds them
# (one way, so no feature CLI imports intake.cli).
intake_cli = AppGroup("intake")
keys_cli = AppGroup("keys")
retention_cli = AppGroup("retention", help="Shred what the retention policy no longer keeps.")
backup_cli = AppGroup("backup", help="Check what a database copy could open.")
intake_cli.add_command(keys_cli)  # joins the `keys` group of intake.cli
intake_cli.add_command(retention_cli)
intake_cli.add_command(backup_cli)


def _as_of(value: datetime | None) -> datetime:
    """Midnight UTC of the day given, or now."""
    return value.replace(tzinfo=UTC) if value is not None else utcnow()


AS_OF = click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Decide as of this day (midnight UTC) instead of now.",
)


@retention_cli.command("run")
@AS_OF
@click.option("--dry-run", is_flag=True, help="Print what would be shredded; change nothing.")
@click.option("--batch-size", default=200, show_default=True)
def retention_run(as_of: datetime | None, dry_run: bool, batch_size: int) -> None:
    """Shred contact identities and content the policy no longer keeps (resumable, idempotent)."""
    now = _as_of(as_of)
    policy = service.policy_of(get_settings())
    session = db.session()
    due = service.count_due(session, policy, now)
    if dry_run:
        session.rollback()
        click.echo(
            f"Would shred: content of {due.tip_content} tips, the contact link of "
            f"{due.tip_identity} tips, {due.reporters} reporters (as of {now.date()})."
        )
        return
    total = service.RetentionCounts()
    with click.progressbar(
        length=due.tip_content + due.tip_identity + due.reporters, label="retention"
    ) as bar:
        batches = service.retention_batches(session, policy, now, batch_size=batch_size)
        while True:
            with unit_of_work(session):  # one batch a transaction: resumable
                counts = next(batches, None)
            if counts is None:
                break
            total.add(counts)
            bar.update(counts.tip_content + counts.tip_identity + counts.reporters)
    service.purge_old_page_copies(session)
    click.echo(
        f"Shredded: content of {total.tip_content} tips, the contact link of "
        f"{total.tip_identity} tips, {total.reporters} reporters."
    )


@keys_cli.command("epochs")
def keys_epochs() -> None:
    """List identity and content keys: data keys they wrap, when drained, when retirable."""
    with unit_of_work() as session:
        epochs = service.key_epochs(session, get_keyring(), get_settings().backup_retention_days)
    for epoch in epochs:
        state = "active" if epoch.is_active else ("drained" if epoch.is_drained else "in use")
        retirable = epoch.retirable_at.date().isoformat() if epoch.retirable_at else "-"
        click.echo(
            f"{epoch.key_id:<36} {epoch.purpose:<8} {state:<8} data keys={epoch.live_keys} "
            f"sealed={epoch.sealed_values} retirable from {retirable}"
        )


@keys_cli.command("retire")
@click.argument("key_id")
@click.option(
    "--file",
    "keyring_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The keyring file to remove the key from (default: INTAKE_KEYRING_FILE).",
)
@AS_OF
def keys_retire(key_id: str, keyring_file: Path | None, as_of: datetime | None) -> None:
    """Destroy a drained key-encryption key once no backup can still need it."""
    now = _as_of(as_of)
    configured = get_settings().keyring_file
    path = keyring_file or (Path(configured) if configured else None)
    if path is None:
        raise click.ClickException(
            "The keyring is not in a file: give --file, or remove the key from INTAKE_KEYRING."
        )
    with unit_of_work() as session:
        epochs = service.key_epochs(session, get_keyring(), get_settings().backup_retention_days)
    epoch = next((e for e in epochs if e.key_id == key_id), None)
    try:
        service.check_retirable(epoch, now)
    except service.RetireRefusedError as error:
        click.echo(f"Not retired: {error}.", err=True)
        sys.exit(1)
    document = json.loads(path.read_text())
    write_keyring_file(path, service.retire_key_document(document, key_id))
    click.echo(
        f"Removed {key_id} from {path}. Restart the service; also destroy every other copy of the"
        " keyring that holds it (see docs/operations.md)."
    )


@backup_cli.command("check")
@click.argument("copy")
def backup_check(copy: str) -> None:
    """Try a database copy (SQLite file or database URL) with the current keyring.

    Exit 1 when restoring it would bring back something shredded since it was taken.
    """
    try:
        url = copy_url(copy)
    except FileNotFoundError:
        raise click.ClickException("No such file.") from None
    report = check_copy(url, get_keyring(), db.session())
    db.session.rollback()
    for name, counts in (("reporters", report.reporters), ("tips", report.tips)):
        click.echo(
            f"{name}: {counts.total} data keys, {counts.openable} open with this keyring, "
            f"{counts.resurrectable} of them shredded since"
        )
    if report.unknown_key_ids:
        click.echo(f"wrapped under retired keys: {', '.join(sorted(report.unknown_key_ids))}")
    if report.resurrects:
        click.echo(
            "Restoring this copy would bring back shredded data: run retention after a restore,"
            " and retire the old keys (docs/operations.md).",
            err=True,
        )
        sys.exit(1)
    click.echo("This copy brings back nothing that was shredded.")


@intake_cli.command("export")
@click.option("--tip", "tip_number", required=True, help="The tip number.")
@click.option("--prosecutor", is_flag=True, help="The prosecutor's copy (needs --reason).")
@click.option("--reason", default="", help="Why (required for --prosecutor; audited).")
@click.option(
    "--include-identity", is_flag=True, help="Prosecutor's copy only: the tipster's contact."
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file.")
def export(
    tip_number: str, prosecutor: bool, reason: str, include_identity: bool, out: Path | None
) -> None:
    """A records-request copy of a tip (redacted), or a reason-bound prosecutor's copy."""
    import os

    if include_identity and not prosecutor:
        raise click.ClickException("--include-identity goes with --prosecutor only.")
    try:
        with unit_of_work() as session:  # audited once the copy exists
            if prosecutor:
                copy = prosecutor_copy(
                    session, get_keyring(), tip_number, reason, include_identity=include_identity
                )
            else:
                copy = records_copy(session, get_keyring(), tip_number)
            text = json.dumps(copy, indent=2, ensure_ascii=False)
            if out is not None:
                # Owner-only: a prosecutor's copy is as sensitive as the database.
                fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as handle:
                    handle.write(text)
    except IntakeError as error:
        detail = "; ".join(m for ms in (error.fields or {}).values() for m in ms)
        raise click.ClickException(detail or error.message) from None
    if out is None:
        click.echo(text)
    else:
        click.echo(f"Wrote the {copy['export']} copy of tip {copy['tip_number']} to {out}.")
