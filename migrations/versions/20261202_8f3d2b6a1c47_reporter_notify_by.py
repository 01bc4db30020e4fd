"""reporter notify_by: web tipsters may ask to hear when a detective writes

Revision ID: 8f3d2b6a1c47
Revises: b7d41e2c9a63
Create Date: 2026-12-02 07:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8f3d2b6a1c47'
down_revision = 'b7d41e2c9a63'
branch_labels = None
depends_on = None


def upgrade():
    # Nobody has asked yet: every existing reporter keeps NULL (no notice).
    with op.batch_alter_table('reporter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_by', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('reporter', schema=None) as batch_op:
        batch_op.drop_column('notify_by')
