"""`flask intake forwards digest`: the keyed digests of forwards made before they existed."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from intake.extensions import db, get_keyring
from intake.forwards.service import digest_forwards_batch

# This feature's commands under `flask intake`: intake.cli imports this module and adds them.
intake_cli = AppGroup("intake")

forwards_cli = AppGroup("forwards", help="Posts forwarded by the social-media team.")
intake_cli.add_command(forwards_cli)


@forwards_cli.command("digest")
@click.option("--batch-size", default=500, show_default=True, help="Tips per transaction.")
def digest(batch_size: int) -> None:
    """Digest the link (or text) of forwards made before digests existed, so a new forward of
    the same post is flagged; safe to run again."""
    session, keyring = db.session(), get_keyring()
    total, after = 0, None
    while True:
        done, after = digest_forwards_batch(session, keyring, after=after, batch_size=batch_size)
        session.commit()
        total += done
        if after is None:
            break
    click.echo(f"Digested {total} forwards.")
