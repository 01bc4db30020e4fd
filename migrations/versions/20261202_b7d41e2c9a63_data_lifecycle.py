"""data lifecycle: legal holds, pending forget requests, scheduled runs, key epochs

Revision ID: b7d41e2c9a63
Revises: 5c1e7a9b2d40
Create Date: 2026-12-02 07:30:00

Four new tables and no change to existing ones: a tip is on legal hold while it has a
``legal_hold`` row; a reporter who asked to be forgotten during a hold has a ``forget_request``
row; ``lifecycle_run`` records when the daily retention last ran; ``key_epoch`` since when a
key-encryption key wraps no live data key. Existing rows start unheld.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41e2c9a63'
down_revision = '5c1e7a9b2d40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'legal_hold',
        sa.Column('tip_id', sa.Uuid(), nullable=False),
        sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('held_by_user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['tip_id'], ['tip.id'], name=op.f('fk_legal_hold_tip_id_tip')),
        sa.ForeignKeyConstraint(
            ['held_by_user_id'], ['user.id'], name=op.f('fk_legal_hold_held_by_user_id_user')
        ),
        sa.PrimaryKeyConstraint('tip_id', name=op.f('pk_legal_hold')),
    )
    op.create_table(
        'forget_request',
        sa.Column('reporter_id', sa.Uuid(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['reporter_id'], ['reporter.id'], name=op.f('fk_forget_request_reporter_id_reporter')
        ),
        sa.PrimaryKeyConstraint('reporter_id', name=op.f('pk_forget_request')),
    )
    op.create_table(
        'lifecycle_run',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_lifecycle_run')),
    )
    op.create_table(
        'key_epoch',
        sa.Column('key_id', sa.String(length=64), nullable=False),
        sa.Column('purpose', sa.String(length=16), nullable=False),
        sa.Column('drained_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key_id', name=op.f('pk_key_epoch')),
    )


def downgrade():
    op.drop_table('key_epoch')
    op.drop_table('lifecycle_run')
    op.drop_table('forget_request')
    op.drop_table('legal_hold')
