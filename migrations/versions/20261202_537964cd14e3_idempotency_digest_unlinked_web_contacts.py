"""idempotency request digest; web and API contacts no longer indexed

Revision ID: 537964cd14e3
Revises: 3f6a2c9e41d7
Create Date: 2026-12-02 06:40:00

An idempotency record now keeps a keyed digest of the request it was first sent with, so the
same key with another request is refused instead of replaying the first receipt.

A contact typed into the web form or the API is no longer threaded by its phone or email: every
such tip keeps its own contact. The blind indexes of existing web and API contacts are cleared so
nothing can find or join them any more; the identities themselves are kept. Downgrade cannot bring
those indexes back (they are keyed digests of encrypted data) and leaves them empty.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '537964cd14e3'
down_revision = '3f6a2c9e41d7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbound_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_digest', sa.String(length=64), nullable=True))
    reporter = sa.table('reporter', sa.column('channel', sa.String), sa.column('address_index', sa.String))
    op.execute(
        reporter.update()
        .where(reporter.c.channel.in_(('web', 'api')))
        .values(address_index=None)
    )


def downgrade():
    with op.batch_alter_table('inbound_event', schema=None) as batch_op:
        batch_op.drop_column('request_digest')
