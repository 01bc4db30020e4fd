"""Migrations are code: the migrated schema equals the models, every revision goes up and down one
step at a time leaving the schema as it found it, data written before an upgrade is readable after
it, and `flask db upgrade` alone on an empty database leaves a working service.

Run on the suite's database engine: SQLite by default, a fresh PostgreSQL database when
DATABASE_URL names one (the same code paths operators run)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url

from intake import crypto
from intake.audit.rules import GENESIS_HASH, canonical_event, legacy_event_hash
from intake.audit.service import rechain, verify_chain
from intake.extensions import db, get_keyring
from intake.models import Tip
from intake.models.base import UTCDateTime
from tests.conftest import _postgres_url
from tests.privacy_scan import find_in_database

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def _revisions() -> list[str]:
    """Every revision, oldest first."""
    return [r.revision for r in reversed(list(_script().walk_revisions()))]


def test_migrated_schema_equals_the_models(app) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_there_is_one_head_and_revisions_sort_by_date() -> None:
    script = _script()
    assert len(script.get_heads()) == 1
    for path in (MIGRATIONS / "versions").glob("*.py"):
        assert path.name[:8].isdigit(), f"{path.name} does not start with its date"


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    """A new, empty database of the suite's kind (its own, so the shared one is untouched)."""
    server_url = _postgres_url()
    if server_url is None:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    url = make_url(server_url.replace("postgres://", "postgresql://", 1)).set(
        drivername="postgresql+psycopg"
    )
    name = f"intake_migrate_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def empty_app(make_app, empty_database_url):
    """An app on a new, empty database."""
    return make_app(database_url=empty_database_url)


def _schema(connection: Connection) -> dict[str, Any]:
    """Tables with their columns, indexes, unique constraints and foreign keys, comparable."""
    inspector = inspect(connection)
    schema: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        if table == "alembic_version":
            continue
        schema[table] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in inspector.get_foreign_keys(table)
            ),
        }
    return schema


def test_each_revision_upgrades_and_downgrades_one_step_leaving_the_schema_as_it_was(
    empty_app,
) -> None:
    revisions = _revisions()
    assert revisions, "no migrations found"
    with empty_app.app_context():
        for revision in revisions:
            with db.engine.connect() as connection:
                before = _schema(connection)
            upgrade(revision=revision)
            with db.engine.connect() as connection:
                after = _schema(connection)
            downgrade(revision="-1")
            with db.engine.connect() as connection:
                assert _schema(connection) == before, f"downgrade of {revision} changed the schema"
            upgrade(revision=revision)
            with db.engine.connect() as connection:
                assert _schema(connection) == after, f"re-upgrade of {revision} differs"
        assert "tip" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"] == []


# Data written just before a revision and what must hold just after it. Every revision that adds to,
# moves or reshapes data existing rows hold has an entry here.
Loader = Callable[[Connection], Any]
Checker = Callable[[Connection, Any], None]


def _load_users(connection: Connection) -> list[str]:
    names = [f"user-{i}" for i in range(3)]
    for name in names:
        connection.execute(
            text(
                'INSERT INTO "user" (username, display_name, role, password_hash, is_active,'
                " is_on_duty, failed_login_count, created_at)"
                " VALUES (:u, '', 'detective', 'x', :t, :t, 0, :c)"
            ),
            {"u": name, "t": True, "c": datetime(2026, 11, 29, 10, 0)},
        )
    return names


def _check_users(connection: Connection, names: list[str]) -> None:
    rows = connection.execute(text('SELECT username, last_totp_step FROM "user"')).all()
    assert sorted(r[0] for r in rows) == names
    assert all(r[1] is None for r in rows)


def _load_nothing(connection: Connection) -> None:
    return None


def _check_builtin_rows(connection: Connection, _: None) -> None:
    queues = set(connection.scalars(text("SELECT code FROM queue")))
    assert {"triage", "oversight", "homicide"} <= queues
    categories = dict(connection.execute(text("SELECT code, queue_code FROM category")).all())
    assert categories["officer_conduct"] == "oversight"
    assert categories["homicide"] == "homicide"
    assert "other" in categories


DATA_CHECKS: dict[str, tuple[Loader, Checker]] = {
    "9d0ce8deab0f": (_load_users, _check_users),
    "3f6a2c9e41d7": (_load_nothing, _check_builtin_rows),
}


def test_data_written_before_each_checked_revision_is_readable_after_it(empty_app) -> None:
    revisions = _revisions()
    assert set(DATA_CHECKS) <= set(revisions), "a data check names an unknown revision"
    with empty_app.app_context():
        for revision in revisions:
            check = DATA_CHECKS.get(revision)
            if check is None:
                upgrade(revision=revision)
                continue
            load, verify = check
            with db.engine.begin() as connection:
                loaded = load(connection)
            upgrade(revision=revision)
            with db.engine.begin() as connection:
                verify(connection, loaded)


def test_db_upgrade_alone_leaves_a_service_that_takes_a_tip(empty_app) -> None:
    with empty_app.app_context():
        upgrade()
    response = empty_app.test_client().post(
        "/api/v1/tips", json={"narrative": "Someone is selling pills behind the laundromat"}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["tip_number"]


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
        "queue_id": 1000,
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
                id=1000,  # high: later revisions add built-in queues through the sequence
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
        assert tip.point.read(keyring) == (44.03127, -70.16485)
        assert tip.cell == "44.03,-70.17"
        assert tip.routing_reason.read(keyring) == "Place 'Harbor Market' is in district H2."
        assert tip.evidence.read(keyring) == {"category": ["kill her"], "urgency": ["tonight"]}
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


def test_raw_twilio_sids_become_digests_and_are_queued_for_deletion(empty_app, monkeypatch) -> None:
    from sqlalchemy import select

    import intake.submissions.service
    from intake import crypto
    from intake.bootstrap.service import load_demo_city
    from intake.channels.conversation import provider_key
    from intake.models import InboundEvent, Message, OutboxMessage, Tip
    from tests.factories import make_tip

    inbound, followup, outbound = "SM" + "1" * 32, "SM" + "2" * 32, "SM" + "3" * 32
    # Rows are written with today's models at head, then the schema goes back to just before
    # this revision (the rows stay, their SIDs raw) and forward again.
    before = _script().get_revision("6b2f0c9e4a71").down_revision
    with empty_app.app_context():
        keyring = empty_app.extensions["intake"].keyring
        upgrade()
        load_demo_city(db.session)
        # The search index is newer than this revision: the old schema has no table for it.
        with monkeypatch.context() as patch:
            patch.setattr(intake.submissions.service, "index_text", lambda *args: None)
            created = make_tip(db.session, keyring, channel="sms")
        tip = db.session.get(Tip, created.tip_id)
        db.session.add(InboundEvent(provider="twilio", event_key=inbound, tip_id=tip.id))
        for sid, direction in ((followup, "inbound"), (outbound, "outbound")):
            message = Message(tip=tip, direction=direction, channel="sms")
            message.body.seal(keyring, "text")
            message.provider, message.provider_message_id = "twilio", sid
            db.session.add(message)
        db.session.add(OutboxMessage(kind="reply", channel="sms", provider_message_id=outbound))
        db.session.commit()
        db.session.remove()
        downgrade(revision=before)

        upgrade()

        digest = {
            sid: provider_key(keyring, "twilio", sid) for sid in (inbound, followup, outbound)
        }
        assert db.session.scalar(select(InboundEvent.event_key)) == digest[inbound]
        assert set(db.session.scalars(select(Message.provider_message_id))) == {
            digest[followup],
            digest[outbound],
        }
        reply = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "reply"))
        assert reply is not None and reply.provider_message_id == digest[outbound]
        deletions = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == "twilio-delete")
        ).all()
        opened = {
            crypto.open_value(
                keyring, row.payload["sid"], crypto.aad_for("outbox_message", "payload.sid", row.id)
            )
            for row in deletions
        }
        assert opened == {inbound, followup, outbound} and len(deletions) == 3
        db.session.commit()
        # Down and up again: nothing is converted twice, no deletion is queued twice.
        downgrade(revision=before)
        upgrade()
        assert db.session.scalar(select(InboundEvent.event_key)) == digest[inbound]
        assert len(db.session.scalars(select(OutboxMessage.id)).all()) == 4


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
        elif "FLOAT" in kind or "REAL" in kind or "DOUBLE" in kind or "NUMERIC" in kind:
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
    # Quoted: "user" is a reserved word on PostgreSQL.
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({params})'  # noqa: S608 - test's own names
    connection.execute(text(sql), values)


def _insert_tip(connection, urgency: str, rank: int) -> None:
    _insert(connection, "tip", urgency=urgency, urgency_rank=rank, category_code="c", queue_id=1000)


def test_possible_emergency_migration_reranks_rows_both_ways(empty_app) -> None:
    from sqlalchemy import text

    with empty_app.app_context():
        upgrade(revision="9d0ce8deab0f")
        with db.engine.begin() as connection:
            _insert(connection, "category", code="c")
            # A high id: later revisions add built-in queues through the sequence.
            _insert(connection, "queue", id=1000)
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


def test_forwarded_tips_learn_who_forwarded_them_from_the_audit_log(empty_app) -> None:
    from sqlalchemy import text

    with empty_app.app_context():
        upgrade(revision="e5b9c3d7a2f1")
        with db.engine.begin() as connection:
            _insert(connection, "category", code="c")
            _insert(connection, "queue", id=1000)
            for user_id in (7, 8):
                _insert(connection, "user", id=user_id, username=f"u{user_id}")
            for number, channel in (("F1", "forward"), ("F2", "forward"), ("W1", "web")):
                _insert(
                    connection,
                    "tip",
                    tip_number=number,
                    channel=channel,
                    category_code="c",
                    queue_id=1000,
                )
            ids = dict(connection.execute(text("SELECT tip_number, id FROM tip")).all())
            for seq, (number, actor, action) in enumerate(
                (("F1", 7, "tip.forwarded"), ("F2", 8, "tip.forwarded"), ("W1", 7, "tip.viewed")),
                start=1,
            ):
                _insert(
                    connection,
                    "audit_event",
                    seq=seq,
                    action=action,
                    actor_user_id=actor,
                    tip_id=ids[number],
                )
        upgrade(revision="e5c1a9d4f7b2")
        with db.engine.begin() as connection:
            rows = connection.execute(
                text("SELECT tip_number, forwarded_by_user_id, source_digest FROM tip")
            ).all()
        assert sorted(rows) == [("F1", 7, None), ("F2", 8, None), ("W1", None, None)]
        downgrade(revision="e5b9c3d7a2f1")
        with db.engine.begin() as connection:
            assert connection.scalar(text("SELECT COUNT(*) FROM tip")) == 3
