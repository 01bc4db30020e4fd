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
