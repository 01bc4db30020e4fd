"""`flask intake search reindex`: rebuild the blind token index from the sealed text."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from intake.extensions import db, get_keyring
from intake.search.service import reindex_all

# This feature's commands under `flask intake`: intake.cli imports this module and adds them
# (one way, so no feature CLI imports intake.cli).
intake_cli = AppGroup("intake")

search_cli = AppGroup("search", help="The blind search index over sealed tips.")
intake_cli.add_command(search_cli)


@search_cli.command("reindex")
@click.option("--batch-size", default=500, show_default=True, help="Tips per transaction.")
def reindex(batch_size: int) -> None:
    """Recompute every tip's search tokens (after adding a search key, or an upgrade)."""
    done = reindex_all(db.session(), get_keyring(), batch_size=batch_size)
    click.echo(f"Reindexed {done} tips.")
