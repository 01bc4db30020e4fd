"""Migrations are code: the migrated schema equals the models, and every revision goes both ways."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from intake.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def test_migrated_schema_equals_the_models(app) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_there_is_one_head_and_revisions_sort_by_date() -> None:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1
    for path in (MIGRATIONS / "versions").glob("*.py"):
        assert path.name[:8].isdigit(), f"{path.name} does not start with its date"


@pytest.fixture
def empty_app(make_app, tmp_path):
    """An app on a new, empty SQLite database (its own file, so the shared one is untouched)."""
    return make_app(database_url=f"sqlite:///{tmp_path / 'fresh.db'}")


def test_every_revision_upgrades_and_downgrades(empty_app) -> None:
    with empty_app.app_context():
        upgrade()
        assert "tip" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"] == []
        upgrade()
        assert "tip" in inspect(db.engine).get_table_names()


def test_web_and_api_contacts_lose_their_blind_index_and_channel_ones_keep_it(empty_app) -> None:
    from sqlalchemy import text

    with empty_app.app_context():
        upgrade(revision="9d0ce8deab0f")
        with db.engine.begin() as connection:
            for n, channel in enumerate(("web", "api", "sms")):
                connection.execute(
                    text(
                        "INSERT INTO reporter (id, channel, address_index, is_opted_out,"
                        " created_at, last_seen_at) VALUES (:id, :channel, :digest, false,"
                        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": f"{n:032x}", "channel": channel, "digest": f"{n}" * 64},
                )
        upgrade(revision="537964cd14e3")
        with db.engine.connect() as connection:
            result = connection.execute(text("SELECT channel, address_index FROM reporter"))
            rows = {row.channel: row.address_index for row in result}
        assert rows == {"web": None, "api": None, "sms": "2" * 64}
        assert "request_digest" in {
            c["name"] for c in inspect(db.engine).get_columns("inbound_event")
        }
        downgrade(revision="9d0ce8deab0f")
        assert "request_digest" not in {
            c["name"] for c in inspect(db.engine).get_columns("inbound_event")
        }
