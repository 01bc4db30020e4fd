"""data lifecycle: legal hold, shred stamps, scheduled runs, key epochs

Revision ID: b7d41e2c9a63
Revises: 5e3c9a1f7b24
Create Date: 2026-12-02 07:30:00

Tips gain a legal hold and the times their contact link and content were shredded; reporters
the time they were shredded and a pending request to be forgotten. Two small tables record when
the daily retention last ran and since when a key-encryption key wraps no live data key.
Existing rows start unheld and unshredded.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7d41e2c9a63"
down_revision = "5e3c9a1f7b24"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("legal_hold_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("identity_shredded_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("content_shredded_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("reporter", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("forget_requested_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("shredded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "lifecycle_run",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "key_epoch",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("drained_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id"),
    )


def downgrade():
    op.drop_table("key_epoch")
    op.drop_table("lifecycle_run")
    with op.batch_alter_table("reporter", schema=None) as batch_op:
        batch_op.drop_column("shredded_at")
        batch_op.drop_column("forget_requested_at")
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.drop_column("content_shredded_at")
        batch_op.drop_column("identity_shredded_at")
        batch_op.drop_column("legal_hold_at")
        batch_op.drop_column("legal_hold")
