"""`flask intake ...`: the administrator's commands.

Each command is one transaction (or one per batch, where it says so) and prints ids and counts,
never identities or narratives.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from intake.extensions import db, get_keyring

intake_cli = AppGroup("intake", help="Administer Intake.")
keys_cli = AppGroup("keys", help="Keyring: generate keys, rotate data keys.")
demo_cli = AppGroup("demo", help="The demo city used by `make run`.")
audit_cli = AppGroup("audit", help="The hash-chained audit log.")
intake_cli.add_command(keys_cli)
intake_cli.add_command(demo_cli)
intake_cli.add_command(audit_cli)


@intake_cli.command("init")
def init_command() -> None:
    """Create the built-in queues and default categories (safe to run again)."""
    from intake.bootstrap.service import ensure_defaults

    ensure_defaults(db.session())
    db.session.commit()
    click.echo("Default queues and categories are in place.")


@keys_cli.command("generate")
@click.option(
    "--add",
    "add_to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Add new identity and content keys to this keyring file instead.",
)
def keys_generate(add_to: Path | None) -> None:
    """Print a new keyring (JSON for INTAKE_KEYRING), or add new keys to a keyring file."""
    from intake.crypto import add_key, generate_keyring_document, write_keyring_file

    if add_to is None:
        click.echo(json.dumps(generate_keyring_document()))
        return
    document = json.loads(add_to.read_text())
    for purpose in ("identity", "content"):
        document = add_key(document, purpose)
    write_keyring_file(add_to, document)
    click.echo(
        f"Added new identity and content keys to {add_to}. "
        "Restart the service, then run `flask intake keys rotate`."
    )


@keys_cli.command("rotate")
@click.option("--batch-size", default=500, show_default=True)
def keys_rotate(batch_size: int) -> None:
    """Re-wrap every data key under the newest keys. Resumable: commits each batch."""
    from intake.models import Reporter, Tip, User
    from intake.models.sealed import KeyOwner

    keyring = get_keyring()
    models: tuple[type[KeyOwner], ...] = (Reporter, Tip, User)
    for model in models:
        active = keyring.active(model.__key_purpose__).key_id
        pending = select(model).where(model.wrapped_key.is_not(None), model.kek_id != active)
        total = db.session.scalar(select(db.func.count()).select_from(pending.subquery())) or 0
        with click.progressbar(length=total, label=f"{model.__tablename__:>8}") as bar:
            while True:
                rows = db.session.scalars(pending.limit(batch_size)).all()
                if not rows:
                    break
                for row in rows:
                    row.rewrap_data_key(keyring)
                db.session.commit()
                bar.update(len(rows))
    click.echo("Every data key is wrapped under the newest keys.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the made-up city Port Alder: districts, places, default categories."""
    from intake.bootstrap.service import (
        ensure_demo_users,
        load_demo_city,
        write_demo_credentials,
    )

    settings = current_app.extensions["intake.settings"]
    districts, places = load_demo_city(db.session())
    if settings.is_production:
        db.session.commit()
        click.echo(f"Demo city Port Alder: {districts} districts, {places} places (no demo users).")
        return
    created = ensure_demo_users(db.session(), get_keyring())
    # Written before the commit: a failure here leaves no account whose secrets are lost.
    path = write_demo_credentials(Path(settings.instance_path), created)
    db.session.commit()
    click.echo(f"Demo city Port Alder: {districts} districts, {places} places.")
    click.echo(f"Demo staff logins ({path}):")
    click.echo(path.read_text())


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the audit chain; exit 1 naming the first broken link."""
    from intake.audit.service import verify_chain

    broken = verify_chain(db.session())
    if broken is not None:
        click.echo(f"Audit chain broken at event {broken.seq}: {broken.reason}.", err=True)
        sys.exit(1)
    click.echo("Audit chain verified.")


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
        from intake.outbound.worker import start_background_worker

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

    from intake.outbound.worker import drain_once, run_cycle_hooks, run_worker

    if once:
        run_cycle_hooks(db.session(), get_keyring())
        tried = drain_once(db.session(), get_keyring())
        click.echo(f"Tried {tried} outbox messages.")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    click.echo("Outbox worker running (Ctrl+C to stop).")
    run_worker(current_app._get_current_object(), stop, interval=interval)  # type: ignore[attr-defined]


def register_cli(app: Flask) -> None:
    """Attach `flask intake` and each feature's commands."""
    import intake.classify.cli  # registers classify and categories on intake_cli
    import intake.classify.retrain_cli  # registers classify retrain
    import intake.routing.cli
    import intake.staff.cli  # noqa: F401 - registers users on intake_cli
    from intake.oncall.cli import oncall_cli

    intake_cli.add_command(oncall_cli)

    app.cli.add_command(intake_cli)
