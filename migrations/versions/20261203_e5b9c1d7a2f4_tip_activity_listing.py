"""Listing by last activity: ``ix_tip_queue_activity (queue_id, urgency_rank, updated_at, id)``
and ``ix_tip_activity (urgency_rank, updated_at, id)``, the twins of the listing indexes.

Revision ID: e5b9c1d7a2f4
Revises: e5c1a9d4f7b2
Create Date: 2026-12-03
"""

from alembic import op

revision = "e5b9c1d7a2f4"
down_revision = "e5c1a9d4f7b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tip") as batch:
        batch.create_index("ix_tip_activity", ["urgency_rank", "updated_at", "id"], unique=False)
        batch.create_index(
            "ix_tip_queue_activity", ["queue_id", "urgency_rank", "updated_at", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("tip") as batch:
        batch.drop_index("ix_tip_queue_activity")
        batch.drop_index("ix_tip_activity")
