"""street segments: a city's street centrelines with house-number ranges

Revision ID: 5e7a1c3b9d24
Revises: 5e4a1c9b7d20
Create Date: 2026-12-02 06:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e7a1c3b9d24"
down_revision = '5e4a1c9b7d20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "street_segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("normalized_name", sa.String(length=200), nullable=False),
        sa.Column("geometry_geojson", sa.Text(), nullable=False),
        sa.Column("from_left", sa.Integer(), nullable=True),
        sa.Column("to_left", sa.Integer(), nullable=True),
        sa.Column("from_right", sa.Integer(), nullable=True),
        sa.Column("to_right", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_street_segment")),
    )
    with op.batch_alter_table("street_segment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_street_segment_normalized_name"), ["normalized_name"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_street_segment_source"), ["source"], unique=False)


def downgrade():
    with op.batch_alter_table("street_segment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_segment_source"))
        batch_op.drop_index(batch_op.f("ix_street_segment_normalized_name"))
    op.drop_table("street_segment")
