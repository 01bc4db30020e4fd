"""staff: API token scope and expiry, lock-out per account and client, enrolment links

Revision ID: abab0f953009
Revises: 6c05d455fa5a
Create Date: 2026-12-02 06:30:00

Existing tokens become work tokens expiring 90 days from the upgrade (revealing an identity
through the API now needs a token issued with --scope reveal). The per-account lock-out
columns go: a lock-out is now per account and client, in login_failure; locks in force at
the upgrade are dropped (they last minutes).
"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'abab0f953009'
down_revision = '6c05d455fa5a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('scope', sa.String(length=16), nullable=False, server_default='work')
        )
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    expires_at = datetime.now(UTC) + timedelta(days=90)
    if op.get_bind().dialect.name == 'sqlite':
        expires_at = expires_at.replace(tzinfo=None)  # stored as UTC without a zone there
    api_token = sa.table('api_token', sa.column('expires_at', sa.DateTime(timezone=True)))
    op.execute(api_token.update().values(expires_at=expires_at))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('failed_login_count')
        batch_op.drop_column('locked_until')

    op.create_table(
        'login_failure',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('client_digest', sa.String(length=64), nullable=False),
        sa.Column('failure_count', sa.Integer(), nullable=False),
        sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_failure_user_id_user')),
        sa.PrimaryKeyConstraint('user_id', 'client_digest', name=op.f('pk_login_failure')),
    )
    op.create_table(
        'enrolment',
        sa.Column('token_digest', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_enrolment_user_id_user')),
        sa.PrimaryKeyConstraint('token_digest', name=op.f('pk_enrolment')),
    )
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_user_id'))
    op.drop_table('enrolment')
    op.drop_table('login_failure')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('failed_login_count', sa.Integer(), nullable=False, server_default='0')
        )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('scope')
