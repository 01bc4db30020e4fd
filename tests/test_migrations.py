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


def test_raw_twilio_sids_become_digests_and_are_queued_for_deletion(empty_app) -> None:
    from sqlalchemy import select

    from intake import crypto
    from intake.bootstrap.service import load_demo_city
    from intake.channels.conversation import provider_key
    from intake.models import InboundEvent, Message, OutboxMessage, Tip
    from tests.factories import make_tip

    inbound, followup, outbound = "SM" + "1" * 32, "SM" + "2" * 32, "SM" + "3" * 32
    with empty_app.app_context():
        keyring = empty_app.extensions["intake.keyring"]
        upgrade(revision="9d0ce8deab0f")
        load_demo_city(db.session)
        created = make_tip(db.session, keyring, channel="sms")
        tip = db.session.get(Tip, created.tip_id)
        db.session.add(InboundEvent(provider="twilio", event_key=inbound, tip_id=tip.id))
        for sid, direction in ((followup, "inbound"), (outbound, "outbound")):
            message = Message(tip=tip, direction=direction, channel="sms")
            message.seal_body(keyring, "text")
            message.provider, message.provider_message_id = "twilio", sid
            db.session.add(message)
        db.session.add(OutboxMessage(kind="reply", channel="sms", provider_message_id=outbound))
        db.session.commit()

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
        downgrade(revision="9d0ce8deab0f")
        upgrade()
        assert db.session.scalar(select(InboundEvent.event_key)) == digest[inbound]
        assert len(db.session.scalars(select(OutboxMessage.id)).all()) == 4
