"""seal tip points, routing reasons and evidence; audit events name their key

Revision ID: 5e4a1c9b7d20
Revises: abab0f953009
Create Date: 2026-12-02 06:40:00

Tips: ``lat``/``lon`` become ``point_ct`` (sealed JSON [lat, lon]) and ``cell`` (the 0.01 degree
square, in clear, for statistics); ``routing_reason`` becomes ``routing_reason_ct``;
``category_evidence`` and ``urgency_evidence`` become ``evidence_ct``. Existing rows are sealed
here, under each tip's own data key, with the keyring of the application running the upgrade
(`flask db upgrade` runs with the service's environment). A tip whose data key was shredded keeps
only its cell: what it protected is gone on purpose. Downgrade opens them again.

Audit events gain ``key_id``; existing events keep their SHA-256 links (no key id) until
``flask intake audit rechain``: this migration neither holds the judgement nor rewrites the chain.

The sealing below repeats intake.crypto's format (version byte, nonce, AES-256-GCM with the
table/column/row as associated data) so that this file keeps working when the application changes.
"""

import json
import math
import os

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# revision identifiers, used by Alembic.
revision = "5e4a1c9b7d20"
down_revision = 'abab0f953009'
branch_labels = None
depends_on = None

_VERSION = b"\x01"
_NONCE = 12

_tip = sa.table(
    "tip",
    sa.column("id", sa.Uuid),
    sa.column("wrapped_key", sa.LargeBinary),
    sa.column("kek_id", sa.String),
    sa.column("lat", sa.Float),
    sa.column("lon", sa.Float),
    sa.column("routing_reason", sa.String),
    sa.column("category_evidence", sa.JSON),
    sa.column("urgency_evidence", sa.JSON),
    sa.column("point_ct", sa.LargeBinary),
    sa.column("cell", sa.String),
    sa.column("routing_reason_ct", sa.LargeBinary),
    sa.column("evidence_ct", sa.LargeBinary),
)


def _aad(column, row_id):
    return f"intake|tip|{column}|{row_id}".encode()


def _seal(aead, plaintext, aad):
    nonce = os.urandom(_NONCE)
    return _VERSION + nonce + aead.encrypt(nonce, plaintext.encode(), aad)


def _open(aead, blob, aad):
    if blob is None:
        return None
    blob = bytes(blob)
    return aead.decrypt(blob[1 : 1 + _NONCE], blob[1 + _NONCE :], aad).decode()


def _cell(lat, lon):
    south, west = (math.floor(round(v / 0.01, 6)) for v in (lat, lon))
    return f"{south / 100:.2f},{west / 100:.2f}"


def _batches(connection, *columns, size=1000):
    """The tips, ``size`` at a time in id order, each with its data key (None when shredded).

    Keys are unwrapped with the keyring of the application running the upgrade; a keyring that
    lacks a key-encryption key some tip needs stops the migration with an error (on PostgreSQL
    the whole upgrade rolls back).
    """
    keyring = None
    last = None
    while True:
        query = sa.select(_tip.c.id, _tip.c.wrapped_key, _tip.c.kek_id, *columns)
        if last is not None:
            query = query.where(_tip.c.id > last)
        rows = connection.execute(query.order_by(_tip.c.id).limit(size)).all()
        if not rows:
            return
        batch = []
        for row in rows:
            aead = None
            if row.wrapped_key is not None and row.kek_id is not None:
                if keyring is None:
                    from flask import current_app

                    keyring = current_app.extensions["intake"].keyring
                wrapped = bytes(row.wrapped_key)
                aead = AESGCM(
                    keyring.kek(row.kek_id).decrypt(
                        wrapped[1 : 1 + _NONCE], wrapped[1 + _NONCE :], _aad("wrapped_key", row.id)
                    )
                )
            batch.append((row, aead))
        yield batch
        last = rows[-1].id


def _seal_row(connection, row, aead):
    values = {}
    has_point = row.lat is not None and row.lon is not None
    if has_point:
        values["cell"] = _cell(row.lat, row.lon)
    if aead is not None:
        if has_point:
            values["point_ct"] = _seal(aead, json.dumps([row.lat, row.lon]), _aad("point", row.id))
        values["routing_reason_ct"] = _seal(
            aead, row.routing_reason or "", _aad("routing_reason", row.id)
        )
        evidence = {
            "category": list(row.category_evidence or []),
            "urgency": list(row.urgency_evidence or []),
        }
        values["evidence_ct"] = _seal(aead, json.dumps(evidence), _aad("evidence", row.id))
    if values:
        connection.execute(sa.update(_tip).where(_tip.c.id == row.id).values(**values))


def _open_row(connection, row, aead):
    point = reason = evidence = None
    if aead is not None:
        point = _open(aead, row.point_ct, _aad("point", row.id))
        reason = _open(aead, row.routing_reason_ct, _aad("routing_reason", row.id))
        evidence = _open(aead, row.evidence_ct, _aad("evidence", row.id))
    lat, lon = json.loads(point) if point else (None, None)
    found = json.loads(evidence) if evidence else {}
    connection.execute(
        sa.update(_tip)
        .where(_tip.c.id == row.id)
        .values(
            lat=lat,
            lon=lon,
            routing_reason=reason or "",
            category_evidence=found.get("category", []),
            urgency_evidence=found.get("urgency", []),
        )
    )


def upgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.add_column(sa.Column("point_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("cell", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("evidence_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("routing_reason_ct", sa.LargeBinary(), nullable=True))

    connection = op.get_bind()
    old_columns = (
        _tip.c.lat,
        _tip.c.lon,
        _tip.c.routing_reason,
        _tip.c.category_evidence,
        _tip.c.urgency_evidence,
    )
    for batch in _batches(connection, *old_columns):
        for row, aead in batch:
            _seal_row(connection, row, aead)

    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.drop_column("lat")
        batch_op.drop_column("lon")
        batch_op.drop_column("routing_reason")
        batch_op.drop_column("category_evidence")
        batch_op.drop_column("urgency_evidence")


def downgrade():
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lon", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("routing_reason", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("category_evidence", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("urgency_evidence", sa.JSON(), nullable=True))

    connection = op.get_bind()
    sealed = (_tip.c.point_ct, _tip.c.routing_reason_ct, _tip.c.evidence_ct)
    for batch in _batches(connection, *sealed):
        for row, aead in batch:
            _open_row(connection, row, aead)

    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.alter_column("routing_reason", existing_type=sa.String(length=300), nullable=False)
        batch_op.alter_column("category_evidence", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("urgency_evidence", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("routing_reason_ct")
        batch_op.drop_column("evidence_ct")
        batch_op.drop_column("cell")
        batch_op.drop_column("point_ct")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("key_id")
