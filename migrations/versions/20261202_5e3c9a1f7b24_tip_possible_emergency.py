"""tip possible_emergency urgency

Revision ID: 5e3c9a1f7b24
Revises: 6b2f0c9e4a71
Create Date: 2026-12-02 06:40:00

A fourth urgency level, "possible_emergency" (the classifier is unsure), between "emergency"
and "high": the column widens to hold its name and the stored ranks move to make room
(emergency 0, possible_emergency 1, high 2, normal 3). Downgrade files a possible emergency as
an emergency (it alerted as one) and restores the old ranks.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e3c9a1f7b24'
down_revision = '6b2f0c9e4a71'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tip', schema=None) as batch_op:
        batch_op.alter_column(
            'urgency', existing_type=sa.String(length=12), type_=sa.String(length=20),
            existing_nullable=False,
        )
    op.execute(
        "UPDATE tip SET urgency_rank = CASE urgency WHEN 'emergency' THEN 0 "
        "WHEN 'possible_emergency' THEN 1 WHEN 'high' THEN 2 ELSE 3 END"
    )


def downgrade():
    op.execute("UPDATE tip SET urgency = 'emergency' WHERE urgency = 'possible_emergency'")
    op.execute(
        "UPDATE tip SET urgency_rank = CASE urgency WHEN 'emergency' THEN 0 "
        "WHEN 'high' THEN 1 ELSE 2 END"
    )
    with op.batch_alter_table('tip', schema=None) as batch_op:
        batch_op.alter_column(
            'urgency', existing_type=sa.String(length=20), type_=sa.String(length=12),
            existing_nullable=False,
        )
