"""Twilio message SIDs stored as keyed digests; each message already seen is queued for deletion

Twilio SIDs used to be stored in clear (inbound_event.event_key, message.provider_message_id,
outbox_message.provider_message_id). A SID finds the message, with the tipster's number and
words, in the Twilio account. This revision replaces each by the digest the application now
stores (HMAC-SHA256 under the keyring's blind-index key, as ``crypto.keyed_digest`` computes
it, so redeliveries and status callbacks still match), and queues a ``twilio-delete`` outbox
row per SID, the SID sealed under the identity key as ``crypto.seal_value`` seals it.

It needs the application's keyring only when there are Twilio rows to convert: run it with
``flask db upgrade`` where INTAKE_KEYRING / INTAKE_KEYRING_FILE is configured.

Downgrade leaves the digests in place: an HMAC cannot be reversed (the old code then no longer
recognises redeliveries of messages received before the upgrade).

Revision ID: 6b2f0c9e4a71
Revises: 5e7a1c3b9d24
Create Date: 2026-12-02 06:35:00.000000

"""

import base64
import hashlib
import hmac
import os
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6b2f0c9e4a71"
down_revision = '5e7a1c3b9d24'
branch_labels = None
depends_on = None

_DIGEST = re.compile(r"[0-9a-f]{64}")
# The formats of intake.crypto at this revision (keyed_digest, seal_value, aad_for), written out
# so the migration keeps working when the application code moves on.
_DIGEST_LABEL = "provider-message"
_SEAL_VERSION = b"\x01"

inbound_event = sa.table(
    "inbound_event",
    sa.column("id", sa.Integer),
    sa.column("provider", sa.String),
    sa.column("event_key", sa.String),
)
message = sa.table(
    "message",
    sa.column("id", sa.Uuid),
    sa.column("provider", sa.String),
    sa.column("provider_message_id", sa.String),
)
outbox_message = sa.table(
    "outbox_message",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("channel", sa.String),
    sa.column("payload", sa.JSON),
    sa.column("status", sa.String),
    sa.column("attempts", sa.Integer),
    sa.column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("provider_message_id", sa.String),
)


def _keyring():
    from flask import current_app

    state = current_app.extensions.get("intake")
    keyring = state.keyring if state is not None else None
    if keyring is None:
        raise RuntimeError(
            "Twilio message ids must be converted with the application's keyring: run "
            "`flask db upgrade` with INTAKE_KEYRING or INTAKE_KEYRING_FILE set"
        )
    return keyring


def upgrade():
    bind = op.get_bind()
    raw = {
        "inbound": bind.execute(
            sa.select(inbound_event.c.id, inbound_event.c.event_key).where(
                inbound_event.c.provider == "twilio"
            )
        ).all(),
        "message": bind.execute(
            sa.select(message.c.id, message.c.provider_message_id).where(
                message.c.provider == "twilio", message.c.provider_message_id.is_not(None)
            )
        ).all(),
        "outbox": bind.execute(
            sa.select(outbox_message.c.id, outbox_message.c.provider_message_id).where(
                outbox_message.c.channel == "sms", outbox_message.c.provider_message_id.is_not(None)
            )
        ).all(),
    }
    raw = {
        name: [(i, v) for i, v in rows if not _DIGEST.fullmatch(v)] for name, rows in raw.items()
    }
    if not any(raw.values()):
        return  # a new or already converted database needs no keyring
    keyring = _keyring()
    blind_key = keyring.active("blind_index").material

    def digest(sid):
        text = f"{_DIGEST_LABEL}:twilio:{sid}".encode()
        return hmac.new(blind_key, text, hashlib.sha256).hexdigest()

    for row_id, sid in raw["inbound"]:
        bind.execute(
            inbound_event.update().where(inbound_event.c.id == row_id).values(event_key=digest(sid))
        )
    for row_id, sid in raw["message"]:
        bind.execute(
            message.update().where(message.c.id == row_id).values(provider_message_id=digest(sid))
        )
    for row_id, sid in raw["outbox"]:
        bind.execute(
            outbox_message.update()
            .where(outbox_message.c.id == row_id)
            .values(provider_message_id=digest(sid))
        )
    sids = {sid for rows in raw.values() for _, sid in rows}
    _queue_deletions(bind, keyring, sorted(sids))


def _queue_deletions(bind, keyring, sids):
    """One twilio-delete outbox row per SID, sealed like ``twilio_sender.enqueue_deletion``."""
    kek = keyring.active("identity")
    aead = keyring.kek(kek.key_id)
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # as the UTC column stores it there
    for sid in sids:
        row_id = bind.execute(
            outbox_message.insert()
            .values(
                kind="delete",
                channel="twilio-delete",
                payload={},
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            .returning(outbox_message.c.id)
        ).scalar_one()
        nonce = os.urandom(12)
        aad = f"intake|outbox_message|payload.sid|{row_id}".encode()
        blob = _SEAL_VERSION + nonce + aead.encrypt(nonce, sid.encode(), aad)
        sealed = f"{kek.key_id}:{base64.b64encode(blob).decode('ascii')}"
        bind.execute(
            outbox_message.update()
            .where(outbox_message.c.id == row_id)
            .values(payload={"sid": sealed})
        )


def downgrade():
    # Digests cannot be turned back into SIDs; the queued deletions stay valid either way.
    pass
