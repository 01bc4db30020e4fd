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


def _insert(connection, table: str, **given: object) -> None:
    """A row with filler in every other required column (the given ones are what is tested)."""
    import uuid
    from datetime import UTC, datetime

    from sqlalchemy import text

    values: dict[str, object] = {}
    for column in inspect(connection).get_columns(table):
        if column["nullable"]:
            continue
        kind = type(column["type"]).__name__.upper()
        name = column["name"]
        if "UUID" in kind:
            values[name] = uuid.uuid4()
        elif name == "id":
            values[name] = uuid.uuid4().hex if "CHAR" in kind else 1
        elif "INT" in kind:
            values[name] = 0
        elif "BOOL" in kind:
            values[name] = False
        elif "FLOAT" in kind or "REAL" in kind:
            values[name] = 0.0
        elif "DATE" in kind or "TIME" in kind:
            values[name] = datetime(2026, 12, 1, tzinfo=UTC)
        elif "BLOB" in kind or "BINARY" in kind:
            values[name] = b"x"
        elif "JSON" in kind:
            values[name] = "[]"
        else:
            values[name] = uuid.uuid4().hex[:8]
    values.update(given)
    names = ", ".join(values)
    params = ", ".join(f":{n}" for n in values)
    connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({params})"), values)  # noqa: S608


def _insert_tip(connection, urgency: str, rank: int) -> None:
    _insert(connection, "tip", urgency=urgency, urgency_rank=rank, category_code="c", queue_id=1)


def test_possible_emergency_migration_reranks_rows_both_ways(empty_app) -> None:
    from sqlalchemy import text

    with empty_app.app_context():
        upgrade(revision="9d0ce8deab0f")
        with db.engine.begin() as connection:
            _insert(connection, "category", code="c")
            _insert(connection, "queue", id=1)
            for urgency, old_rank in (("emergency", 0), ("high", 1), ("normal", 2)):
                _insert_tip(connection, urgency, old_rank)
        upgrade(revision="5e3c9a1f7b24")
        with db.engine.begin() as connection:
            ranks = dict(connection.execute(text("SELECT urgency, urgency_rank FROM tip")).all())
            assert ranks == {"emergency": 0, "high": 2, "normal": 3}
            _insert_tip(connection, "possible_emergency", 1)
        downgrade(revision="9d0ce8deab0f")
        with db.engine.begin() as connection:
            rows = connection.execute(text("SELECT urgency, urgency_rank FROM tip")).all()
        assert sorted(rows) == [("emergency", 0), ("emergency", 0), ("high", 1), ("normal", 2)]
