"""Canned replies; the blind search token index; links between tips; "awaiting you".

``tip_awaiting`` is filled for existing tips whose latest message is the tipster's (inbound
after every staff reply).

The index starts empty: tips from before are made findable with `flask intake search reindex`
(tokens are keyed HMACs, which a migration cannot compute without the keyring).

Revision ID: c4a7e2b91d35
Revises: 8f3d2b6a1c47
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "c4a7e2b91d35"
down_revision = '8f3d2b6a1c47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tip_awaiting",
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tip_id"], ["tip.id"], name=op.f("fk_tip_awaiting_tip_id_tip"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tip_id", name=op.f("pk_tip_awaiting")),
    )
    # Tips whose latest message is the tipster's await an answer from the first unanswered one.
    op.execute(
        """
        INSERT INTO tip_awaiting (tip_id, since)
        SELECT m.tip_id, MIN(m.created_at) FROM message m
        WHERE m.direction = 'inbound' AND NOT EXISTS (
            SELECT 1 FROM message o WHERE o.tip_id = m.tip_id AND o.direction = 'outbound'
            AND o.created_at >= m.created_at
        )
        GROUP BY m.tip_id
        """
    )
    op.create_table(
        "canned_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["user.id"], name=op.f("fk_canned_reply_created_by_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_reply")),
    )
    op.create_index(op.f("ix_canned_reply_language"), "canned_reply", ["language"], unique=False)
    op.create_table(
        "search_token",
        sa.Column("token", sa.LargeBinary(length=16), nullable=False),
        sa.Column("tip_created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=12), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tip_id"], ["tip.id"], name=op.f("fk_search_token_tip_id_tip"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "token", "tip_created_at", "tip_id", "field", name=op.f("pk_search_token")
        ),
    )
    op.create_index("ix_search_token_tip_id", "search_token", ["tip_id"], unique=False)
    op.create_index(
        "ix_search_token_walk",
        "search_token",
        ["token", "tip_created_at", "tip_id", "queue_id"],
        unique=False,
    )
    op.create_table(
        "tip_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_tip_id", sa.Uuid(), nullable=False),
        sa.Column("high_tip_id", sa.Uuid(), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"], ["user.id"], name=op.f("fk_tip_link_decided_by_user_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["high_tip_id"], ["tip.id"], name=op.f("fk_tip_link_high_tip_id_tip"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["low_tip_id"], ["tip.id"], name=op.f("fk_tip_link_low_tip_id_tip"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_link")),
        sa.UniqueConstraint(
            "low_tip_id", "high_tip_id", name=op.f("uq_tip_link_low_tip_id_high_tip_id")
        ),
    )
    op.create_index(op.f("ix_tip_link_high_tip_id"), "tip_link", ["high_tip_id"], unique=False)
    op.create_index(op.f("ix_tip_link_low_tip_id"), "tip_link", ["low_tip_id"], unique=False)


def downgrade():
    op.drop_table("tip_awaiting")
    op.drop_index(op.f("ix_tip_link_low_tip_id"), table_name="tip_link")
    op.drop_index(op.f("ix_tip_link_high_tip_id"), table_name="tip_link")
    op.drop_table("tip_link")
    op.drop_index("ix_search_token_walk", table_name="search_token")
    op.drop_index("ix_search_token_tip_id", table_name="search_token")
    op.drop_table("search_token")
    op.drop_index(op.f("ix_canned_reply_language"), table_name="canned_reply")
    op.drop_table("canned_reply")
