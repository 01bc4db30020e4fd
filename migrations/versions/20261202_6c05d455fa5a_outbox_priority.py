"""outbox priority: emergency alerts are sent first

Revision ID: 6c05d455fa5a
Revises: 537964cd14e3
Create Date: 2026-12-02 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6c05d455fa5a'
down_revision = '537964cd14e3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('priority', sa.Integer(), server_default='1', nullable=False)
        )
    # Every notification queued so far is an alert to supervisors about an urgent tip.
    outbox = sa.table('outbox_message', sa.column('kind', sa.String), sa.column('priority', sa.Integer))
    op.execute(outbox.update().where(outbox.c.kind == 'notification').values(priority=0))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('priority')
