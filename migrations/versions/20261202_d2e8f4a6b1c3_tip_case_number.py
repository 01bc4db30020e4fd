"""A tip's records-system case number (``rms_case_number``), set by staff when it becomes a case.

Revision ID: d2e8f4a6b1c3
Revises: c4a7e2b91d35
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "d2e8f4a6b1c3"
down_revision = "c4a7e2b91d35"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tip") as batch:
        batch.add_column(sa.Column("rms_case_number", sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table("tip") as batch:
        batch.drop_column("rms_case_number")
