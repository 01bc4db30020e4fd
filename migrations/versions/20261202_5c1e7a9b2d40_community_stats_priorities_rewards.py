"""community statistics, priorities and rewards

Adds the tip's first staff response time (filled for existing tips from the earliest of their
claim and close times, the first staff actions this schema recorded), residents' priorities, the
rewards table, and the built-in prosecutor queue.

Revision ID: 5c1e7a9b2d40
Revises: 5b7e1c2d9a40
Create Date: 2026-12-02 07:00:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e7a9b2d40'
down_revision = '5b7e1c2d9a40'
branch_labels = None
depends_on = None

PROSECUTOR_QUEUE = ('prosecutor', 'Prosecutor (forwarded by supervisors)', 'prosecutor')


def upgrade():
    with op.batch_alter_table('tip', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True))
    tip = sa.table(
        'tip',
        sa.column('first_response_at', sa.DateTime(timezone=True)),
        sa.column('assigned_at', sa.DateTime(timezone=True)),
        sa.column('closed_at', sa.DateTime(timezone=True)),
    )
    earliest = sa.case(
        (tip.c.assigned_at.is_(None), tip.c.closed_at),
        (tip.c.closed_at.is_(None), tip.c.assigned_at),
        (tip.c.assigned_at < tip.c.closed_at, tip.c.assigned_at),
        else_=tip.c.closed_at,
    )
    op.execute(tip.update().values(first_response_at=earliest))

    op.create_table(
        'priority_response',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('district_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_priority_response_district_id_district')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_priority_response')),
    )
    with op.batch_alter_table('priority_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_priority_response_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_priority_response_month'), ['month'], unique=False)
    op.create_table(
        'priority_choice',
        sa.Column('response_id', sa.Uuid(), nullable=False),
        sa.Column('category_code', sa.String(length=40), nullable=False),
        sa.Column('source', sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(['category_code'], ['category.code'], name=op.f('fk_priority_choice_category_code_category')),
        sa.ForeignKeyConstraint(['response_id'], ['priority_response.id'], name=op.f('fk_priority_choice_response_id_priority_response')),
        sa.PrimaryKeyConstraint('response_id', 'category_code', name=op.f('pk_priority_choice')),
    )
    op.create_table(
        'reward',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('tip_id', sa.Uuid(), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('reason_ct', sa.LargeBinary(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('proposed_by_id', sa.Integer(), nullable=False),
        sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claim_code_ct', sa.LargeBinary(), nullable=True),
        sa.Column('claim_digest', sa.String(length=64), nullable=True),
        sa.Column('paid_by_id', sa.Integer(), nullable=True),
        sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_reward_decided_by_id_user')),
        sa.ForeignKeyConstraint(['paid_by_id'], ['user.id'], name=op.f('fk_reward_paid_by_id_user')),
        sa.ForeignKeyConstraint(['proposed_by_id'], ['user.id'], name=op.f('fk_reward_proposed_by_id_user')),
        sa.ForeignKeyConstraint(['tip_id'], ['tip.id'], name=op.f('fk_reward_tip_id_tip')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reward')),
        sa.UniqueConstraint('claim_digest', name=op.f('uq_reward_claim_digest')),
    )
    with op.batch_alter_table('reward', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reward_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_reward_tip_id'), ['tip_id'], unique=False)

    connection = op.get_bind()
    queue = sa.table(
        'queue',
        sa.column('code', sa.String),
        sa.column('name', sa.String),
        sa.column('kind', sa.String),
        sa.column('is_active', sa.Boolean),
        sa.column('created_at', sa.DateTime(timezone=True)),
    )
    now = datetime.now(timezone.utc)
    if connection.dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # naive UTC there, like the models' UTCDateTime
    code, name, kind = PROSECUTOR_QUEUE
    if connection.scalar(sa.select(sa.func.count()).select_from(queue).where(queue.c.code == code)) == 0:
        op.bulk_insert(queue, [{'code': code, 'name': name, 'kind': kind, 'is_active': True, 'created_at': now}])


def downgrade():
    with op.batch_alter_table('reward', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reward_tip_id'))
        batch_op.drop_index(batch_op.f('ix_reward_status'))
    op.drop_table('reward')
    op.drop_table('priority_choice')
    with op.batch_alter_table('priority_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_priority_response_month'))
        batch_op.drop_index(batch_op.f('ix_priority_response_district_id'))
    op.drop_table('priority_response')
    with op.batch_alter_table('tip', schema=None) as batch_op:
        batch_op.drop_column('first_response_at')
    # The prosecutor queue stays if tips or memberships refer to it (an older schema holds it
    # just as well); an unused one goes.
    connection = op.get_bind()
    queue_id = connection.scalar(sa.text("SELECT id FROM queue WHERE code = 'prosecutor'"))
    if queue_id is not None:
        used = connection.scalar(
            sa.text(
                "SELECT (SELECT count(*) FROM tip WHERE queue_id = :q)"
                " + (SELECT count(*) FROM queue_membership WHERE queue_id = :q)"
            ),
            {"q": queue_id},
        )
        if not used:
            connection.execute(sa.text("DELETE FROM queue WHERE id = :q"), {"q": queue_id})
