"""Migrations are code: the migrated schema equals the models, and every revision goes both ways."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, make_url

from intake import crypto
from intake.audit.rules import GENESIS_HASH, canonical_event, legacy_event_hash
from intake.audit.service import rechain, verify_chain
from intake.extensions import db, get_keyring
from intake.models import Tip
from intake.models.base import UTCDateTime
from tests.privacy_scan import find_in_database

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


def _old_tip_table() -> sa.TableClause:
    """The tip table as revision 9d0ce8deab0f left it (plaintext point, reason and evidence)."""
    return sa.table(
        "tip",
        *(
            sa.column(name, kind)
            for name, kind in [
                ("id", sa.Uuid()),
                ("tip_number", sa.String()),
                ("receipt_digest", sa.LargeBinary()),
                ("channel", sa.String()),
                ("language", sa.String()),
                ("narrative_ct", sa.LargeBinary()),
                ("lat", sa.Float()),
                ("lon", sa.Float()),
                ("category_code", sa.String()),
                ("category_confidence", sa.Float()),
                ("category_evidence", sa.JSON()),
                ("category_runners_up", sa.JSON()),
                ("is_classifier_unsure", sa.Boolean()),
                ("urgency", sa.String()),
                ("urgency_rank", sa.Integer()),
                ("urgency_evidence", sa.JSON()),
                ("queue_id", sa.Integer()),
                ("routing_reason", sa.String()),
                ("status", sa.String()),
                ("created_at", UTCDateTime()),
                ("updated_at", UTCDateTime()),
                ("last_tipster_activity_at", UTCDateTime()),
                ("wrapped_key", sa.LargeBinary()),
                ("kek_id", sa.String()),
            ]
        ),
    )


def _old_audit_table() -> sa.TableClause:
    """The audit_event table as revision 9d0ce8deab0f left it (no key id)."""
    return sa.table(
        "audit_event",
        sa.column("seq", sa.Integer()),
        sa.column("created_at", UTCDateTime()),
        sa.column("actor_kind", sa.String()),
        sa.column("actor_user_id", sa.Integer()),
        sa.column("action", sa.String()),
        sa.column("tip_id", sa.Uuid()),
        sa.column("details", sa.JSON()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )


def _old_tip(tip_id: uuid.UUID, number: str, keyring: Any, *, shredded: bool) -> dict[str, Any]:
    now = datetime.now(UTC)
    row: dict[str, Any] = {
        "id": tip_id,
        "tip_number": number,
        "receipt_digest": b"\0" * 32,
        "channel": "api",
        "language": "en",
        "narrative_ct": b"sealed",
        "lat": 44.03127,
        "lon": -70.16485,
        "category_code": "threat",
        "category_confidence": 0.9,
        "category_evidence": ["kill her"],
        "category_runners_up": [],
        "is_classifier_unsure": False,
        "urgency": "emergency",
        "urgency_rank": 0,
        "urgency_evidence": ["tonight"],
        "queue_id": 1,
        "routing_reason": "Place 'Harbor Market' is in district H2.",
        "status": "new",
        "created_at": now,
        "updated_at": now,
        "last_tipster_activity_at": now,
        "wrapped_key": None,
        "kek_id": None,
    }
    if not shredded:
        aad = crypto.aad_for("tip", "wrapped_key", tip_id)
        row["kek_id"], row["wrapped_key"] = crypto.wrap_data_key(
            keyring, "content", crypto.new_data_key(), aad
        )
    return row


@pytest.fixture
def fresh_app(make_app, tmp_path, database_url) -> Iterator[Flask]:
    """An app on a new, empty database of the kind the tests run on (PostgreSQL or SQLite)."""
    if not database_url.startswith("postgresql"):
        yield make_app(database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
        return
    url = make_url(database_url)
    name = f"{url.database}_fresh"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        app = make_app(database_url=url.set(database=name).render_as_string(hide_password=False))
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_upgrade_seals_existing_points_reasons_and_evidence_and_downgrade_opens_them(
    fresh_app,
) -> None:
    kept, shredded = uuid.uuid4(), uuid.uuid4()
    with fresh_app.app_context():
        keyring = get_keyring()
        upgrade(revision="9d0ce8deab0f")
        category = sa.table(
            "category",
            *(sa.column(n) for n in ("code", "label_en", "label_es", "description")),
            sa.column("keywords", sa.JSON()),
            sa.column("sort_order", sa.Integer()),
            sa.column("is_active", sa.Boolean()),
        )
        db.session.execute(
            sa.insert(category).values(
                code="threat",
                label_en="Threat",
                label_es="Amenaza",
                description="",
                keywords=[],
                sort_order=1,
                is_active=True,
            )
        )
        queue = sa.table(
            "queue",
            sa.column("id", sa.Integer()),
            *(sa.column(n) for n in ("code", "name", "kind")),
            sa.column("is_active", sa.Boolean()),
            sa.column("created_at", UTCDateTime()),
        )
        db.session.execute(
            sa.insert(queue).values(
                id=1,
                code="H2",
                name="H2",
                kind="district",
                is_active=True,
                created_at=datetime.now(UTC),
            )
        )
        db.session.execute(
            sa.insert(_old_tip_table()),
            [
                _old_tip(kept, "AAAA-1111", keyring, shredded=False),
                _old_tip(shredded, "BBBB-2222", keyring, shredded=True),
            ],
        )
        # A chain written before links were keyed.
        prev_hash = GENESIS_HASH
        for seq in (1, 2):
            event = {
                "seq": seq,
                "created_at": datetime(2026, 12, 1, 12, seq, tzinfo=UTC),
                "actor_kind": "system",
                "actor_user_id": None,
                "action": "tip.submitted",
                "tip_id": kept,
                "details": {},
            }
            canonical = canonical_event(**event)
            link = legacy_event_hash(prev_hash=prev_hash, canonical=canonical)
            db.session.execute(
                sa.insert(_old_audit_table()).values(**event, prev_hash=prev_hash, hash=link)
            )
            prev_hash = link
        db.session.commit()

        upgrade()
        tip = db.session.get(Tip, kept)
        assert tip.point(keyring) == (44.03127, -70.16485)
        assert tip.cell == "44.03,-70.17"
        assert tip.routing_reason(keyring) == "Place 'Harbor Market' is in district H2."
        assert tip.evidence(keyring) == {"category": ["kill her"], "urgency": ["tonight"]}
        gone = db.session.get(Tip, shredded)
        assert (gone.point_ct, gone.routing_reason_ct, gone.cell) == (None, None, "44.03,-70.17")
        assert find_in_database(db.session(), ["44.03127", "Harbor Market", "kill her"]) == []
        # The legacy chain is intact but unkeyed: verification asks for a rechain.
        broken = verify_chain(db.session())
        assert broken is not None and "rechain" in broken.reason
        assert rechain(db.session()) == 2
        db.session.commit()
        assert verify_chain(db.session()) is None

        db.session.remove()
        downgrade(revision="9d0ce8deab0f")
        rows = {
            r.id: r
            for r in db.session.execute(
                sa.select(_old_tip_table()).where(sa.column("id").in_([kept, shredded]))
            )
        }
        assert (rows[kept].lat, rows[kept].lon) == (44.03127, -70.16485)
        assert rows[kept].routing_reason == "Place 'Harbor Market' is in district H2."
        assert rows[kept].category_evidence == ["kill her"]
        assert rows[kept].urgency_evidence == ["tonight"]
        assert (rows[shredded].lat, rows[shredded].routing_reason) == (None, "")
        db.session.remove()
