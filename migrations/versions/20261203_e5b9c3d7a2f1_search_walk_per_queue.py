"""The search walk index leads with the queue: (token, queue_id, tip_created_at, tip_id).

A detective's search walks one token's rows of each visible queue, newest first, and merges
them (as the queue listing does); across every queue the primary key gives the order.

Revision ID: e5b9c3d7a2f1
Revises: d2e8f4a6b1c3
Create Date: 2026-12-03
"""

from alembic import op

revision = "e5b9c3d7a2f1"
down_revision = "d2e8f4a6b1c3"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_search_token_walk", table_name="search_token")
    op.create_index(
        "ix_search_token_walk",
        "search_token",
        ["token", "queue_id", "tip_created_at", "tip_id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_search_token_walk", table_name="search_token")
    op.create_index(
        "ix_search_token_walk",
        "search_token",
        ["token", "tip_created_at", "tip_id", "queue_id"],
        unique=False,
    )
