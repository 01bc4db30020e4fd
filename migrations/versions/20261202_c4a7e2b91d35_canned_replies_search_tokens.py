"""Canned replies.

Revision ID: c4a7e2b91d35
Revises: 5e3c9a1f7b24
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "c4a7e2b91d35"
down_revision = "5e3c9a1f7b24"
branch_labels = None
depends_on = None


def upgrade():
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


def downgrade():
    op.drop_index(op.f("ix_canned_reply_language"), table_name="canned_reply")
    op.drop_table("canned_reply")
