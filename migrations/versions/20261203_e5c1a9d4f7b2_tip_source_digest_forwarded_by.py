"""Forwarded posts: a keyed digest of the post's normalised link or text (``source_digest``,
indexed) flags a post forwarded twice; ``forwarded_by_user_id`` lets the social-media team see the
status of what it forwarded.

Who forwarded each existing tip is in its ``tip.forwarded`` audit event and is copied here. The
digests need the keyring: ``flask intake forwards digest`` computes them for existing forwards.

Revision ID: e5c1a9d4f7b2
Revises: e5b9c3d7a2f1
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "e5c1a9d4f7b2"
down_revision = "e5b9c3d7a2f1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tip") as batch:
        batch.add_column(sa.Column("source_digest", sa.LargeBinary(length=32), nullable=True))
        batch.add_column(sa.Column("forwarded_by_user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_tip_forwarded_by_user_id_user", "user", ["forwarded_by_user_id"], ["id"]
        )
        batch.create_index("ix_tip_source_digest", ["source_digest"])
        batch.create_index(
            "ix_tip_forwarded_by", ["forwarded_by_user_id", "created_at", "id"], unique=False
        )
    op.execute(
        "UPDATE tip SET forwarded_by_user_id = ("
        " SELECT MIN(audit_event.actor_user_id) FROM audit_event"
        " WHERE audit_event.action = 'tip.forwarded' AND audit_event.tip_id = tip.id)"
        " WHERE tip.channel = 'forward'"
    )


def downgrade():
    with op.batch_alter_table("tip") as batch:
        batch.drop_index("ix_tip_forwarded_by")
        batch.drop_index("ix_tip_source_digest")
        batch.drop_constraint("fk_tip_forwarded_by_user_id_user", type_="foreignkey")
        batch.drop_column("forwarded_by_user_id")
        batch.drop_column("source_digest")
