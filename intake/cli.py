"""`flask intake ...`: the administrator's commands.

Each command is one transaction (or one per batch, where it says so) and prints ids and counts,
never identities or narratives.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from intake.audit.service import AnchorError, check_anchor, make_anchor, rechain, verify_chain
from intake.bootstrap.service import (
    ensure_defaults,
    ensure_demo_users,
    load_demo_city,
    write_demo_credentials,
)
from intake.classify.cli import intake_cli as classify_commands
from intake.crypto import (
    ROTATABLE_PURPOSES,
    add_key,
    add_missing_search_key,
    generate_keyring_document,
    write_keyring_file,
)
from intake.extensions import db, get_keyring
from intake.forwards.cli import intake_cli as forwards_commands
from intake.lifecycle.cli import intake_cli as lifecycle_commands
from intake.lifecycle.service import key_epochs
from intake.models import Reporter, Tip, User
from intake.models.sealed import KeyOwner
from intake.oncall.cli import intake_cli as oncall_commands
from intake.outbound.worker import (
    drain_once,
    lease_of,
    run_cycle_hooks,
    run_worker,
    start_background_worker,
)
from intake.routing.cli import intake_cli as routing_commands
from intake.search.cli import intake_cli as search_commands
from intake.staff.cli import intake_cli as staff_commands
from intake.unit_of_work import unit_of_work

intake_cli = AppGroup("intake", help="Administer Intake.")
keys_cli = AppGroup("keys", help="Keyring: generate keys, rotate data keys.")
demo_cli = AppGroup("demo", help="The demo city used by `make run`.")
audit_cli = AppGroup("audit", help="The hash-chained audit log.")
intake_cli.add_command(keys_cli)
intake_cli.add_command(demo_cli)
intake_cli.add_command(audit_cli)


def _merge(into: click.Group, commands: Iterable[click.Command]) -> None:
    """Add ``commands`` to ``into``; a group named like one already there adds its commands to
    it (the lifecycle's `keys retire` to `keys`, the on-call `users notify` to `users`); the
    group with a help text is the one its owner declared, and keeps it."""
    for command in commands:
        existing = into.commands.get(command.name or "")
        if isinstance(existing, click.Group) and isinstance(command, click.Group):
            if command.help and not existing.help:
                existing, command = command, existing
                into.add_command(existing)
            _merge(existing, command.commands.values())
        else:
            into.add_command(command)


# Each feature exports its commands as a group named `intake`; they are added here, imported one
# way (no feature imports this module or another feature's CLI).
for _feature in (
    classify_commands,
    forwards_commands,
    lifecycle_commands,
    oncall_commands,
    routing_commands,
    search_commands,
    staff_commands,
):
    _merge(intake_cli, _feature.commands.values())


@intake_cli.command("init")
def init_command() -> None:
    """Create the built-in queues and default categories (safe to run again)."""
    with unit_of_work() as session:
        ensure_defaults(session)
    click.echo("Default queues and categories are in place.")


@keys_cli.command("generate")
@click.option(
    "--add",
    "add_to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Add new identity, content and audit keys to this keyring file instead.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the new keyring to this file (created mode 0600) instead of printing it.",
)
def keys_generate(add_to: Path | None, out: Path | None) -> None:
    """Print a new keyring (JSON for INTAKE_KEYRING), write it to a file, or add keys to one."""
    if add_to is None and out is not None:
        if out.exists():
            raise click.ClickException(f"{out} exists: use --add to add keys to it.")
        write_keyring_file(out, generate_keyring_document())
        click.echo(f"Wrote a new keyring to {out} (readable by its owner only).")
        return
    if add_to is None:
        click.echo(json.dumps(generate_keyring_document()))
        return
    document = json.loads(add_to.read_text())
    for purpose in ROTATABLE_PURPOSES:
        document = add_key(document, purpose)
    document, added_search = add_missing_search_key(document)
    write_keyring_file(add_to, document)
    if added_search:
        click.echo("Added a search key: run `flask intake search reindex` after the restart.")
    # Older audit keys stay: every audit event names the key that linked it.
    click.echo(
        f"Added new identity, content and audit keys to {add_to}. "
        "Restart the service, then run `flask intake keys rotate`."
    )


@keys_cli.command("rotate")
@click.option("--batch-size", default=500, show_default=True)
def keys_rotate(batch_size: int) -> None:
    """Re-wrap every data key under the newest keys. Resumable: commits each batch."""
    keyring = get_keyring()
    models: tuple[type[KeyOwner], ...] = (Reporter, Tip, User)
    for model in models:
        active = keyring.active(model.__key_purpose__).key_id
        pending = select(model).where(model.wrapped_key.is_not(None), model.kek_id != active)
        total = db.session.scalar(select(db.func.count()).select_from(pending.subquery())) or 0
        with click.progressbar(length=total, label=f"{model.__tablename__:>8}") as bar:
            while True:
                with unit_of_work() as session:  # one batch: resumable
                    rows = session.scalars(pending.limit(batch_size)).all()
                    for row in rows:
                        row.rewrap_data_key(keyring)
                if not rows:
                    break
                bar.update(len(rows))

    # Starts the clock of each key drained now: `keys retire` waits BACKUP_RETENTION_DAYS more.
    settings = current_app.extensions["intake"].settings
    with unit_of_work() as session:
        key_epochs(session, keyring, settings.backup_retention_days)
    click.echo("Every data key is wrapped under the newest keys.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the made-up city Port Alder: districts, places, default categories."""
    settings = current_app.extensions["intake"].settings
    if settings.is_production:
        with unit_of_work() as session:
            districts, places = load_demo_city(session)
        click.echo(f"Demo city Port Alder: {districts} districts, {places} places (no demo users).")
        return
    with unit_of_work() as session:
        districts, places = load_demo_city(session)
        created = ensure_demo_users(session, get_keyring())
        # Written before the commit: a failure here leaves no account whose secrets are lost.
        path = write_demo_credentials(Path(settings.instance_path), created)
    click.echo(f"Demo city Port Alder: {districts} districts, {places} places.")
    click.echo(f"Demo staff logins ({path}):")
    click.echo(path.read_text())


@audit_cli.command("verify")
@click.option(
    "--anchor",
    "anchor_file",
    type=click.File("r"),
    help="An anchor from `audit anchor`: also check the chain still reaches its head.",
)
def audit_verify(anchor_file: TextIO | None) -> None:
    """Check the audit chain (keyed links); exit 1 naming the first broken link."""
    if anchor_file is None:
        broken = verify_chain(db.session())
    else:
        try:
            broken = check_anchor(db.session(), json.loads(anchor_file.read()))
        except (ValueError, AnchorError) as error:
            message = str(error) if isinstance(error, AnchorError) else "not JSON"
            click.echo(f"Anchor refused: {message}.", err=True)
            sys.exit(1)
    if broken is not None:
        click.echo(f"Audit chain broken at event {broken.seq}: {broken.reason}.", err=True)
        sys.exit(1)
    click.echo("Audit chain verified" + (" and reaches the anchor." if anchor_file else "."))


@audit_cli.command("anchor")
def audit_anchor() -> None:
    """Print a signed statement of the chain's head (JSON) to keep outside the database."""
    try:
        anchor = make_anchor(db.session())
    except AnchorError as error:
        click.echo(f"No anchor: {error}.", err=True)
        sys.exit(1)
    click.echo(json.dumps(anchor, sort_keys=True))


@audit_cli.command("rechain")
def audit_rechain() -> None:
    """Check the chain, then re-link every event under the active audit key (one transaction)."""
    try:
        with unit_of_work() as session:
            count = rechain(session)
    except AnchorError as error:
        click.echo(f"Not re-linked: {error}.", err=True)
        sys.exit(1)
    click.echo(
        f"Re-linked {count} audit events under the active audit key. "
        "Earlier anchors no longer match: take a new one with `flask intake audit anchor`."
    )


@intake_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, envvar="PORT")
@click.option("--no-outbox", is_flag=True, help="Do not drain the outbox in this process.")
def serve(host: str, port: int, no_outbox: bool) -> None:
    """Serve the embedded default: no access log, outbox drained in the same process."""
    import logging

    from werkzeug.serving import WSGIRequestHandler, run_simple

    server_log = logging.getLogger("intake.serve")

    class QuietHandler(WSGIRequestHandler):
        """Logs no request lines: werkzeug's start with the client's address."""

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            return None

        def log(self, type: str, message: str, *args: object) -> None:
            if type == "error":
                server_log.error("request failed: %s", message % args)

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not no_outbox:
        start_background_worker(app)
    click.echo(f"Intake is serving http://{host}:{port}/ (Ctrl+C to stop)")
    run_simple(host, port, app, threaded=True, request_handler=QuietHandler, use_reloader=False)


@intake_cli.command("worker")
@click.option("--once", is_flag=True, help="Drain what is due now, then exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds to wait when idle.")
def worker(once: bool, interval: float) -> None:
    """Send what the outbox holds (run several: rows are claimed with SKIP LOCKED)."""
    import signal
    import threading

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        run_cycle_hooks(db.session(), get_keyring())
        tried = drain_once(db.session(), get_keyring(), lease=lease_of(app))
        click.echo(f"Tried {tried} outbox messages.")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    click.echo("Outbox worker running (Ctrl+C to stop).")
    run_worker(app, stop, interval=interval)


def register_cli(app: Flask) -> None:
    """Attach `flask intake` and each feature's commands."""
    app.cli.add_command(intake_cli)
