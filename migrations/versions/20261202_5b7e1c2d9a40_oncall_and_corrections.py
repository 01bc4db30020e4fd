"""On-call roster, notification routes, urgent alerts and their steps; tip corrections.

Revision ID: 5b7e1c2d9a40
Revises: 5e3c9a1f7b24
Create Date: 2026-12-02 07:00:00

"""

import sqlalchemy as sa
from alembic import op


revision = "5b7e1c2d9a40"
down_revision = '5e3c9a1f7b24'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "oncall_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queue.id"], name=op.f("fk_oncall_member_queue_id_queue")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_oncall_member_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_member")),
        sa.UniqueConstraint(
            "queue_id", "tier", "user_id", name=op.f("uq_oncall_member_queue_id_tier_user_id")
        ),
    )
    with op.batch_alter_table("oncall_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oncall_member_queue_id"), ["queue_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_oncall_member_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notify_route",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("target_ct", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_notify_route_user_id_user")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notify_route")),
    )

    op.create_table(
        "urgent_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("urgency", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=80), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_user_id"],
            ["user.id"],
            name=op.f("fk_urgent_alert_acknowledged_by_user_id_user"),
        ),
        sa.ForeignKeyConstraint(["tip_id"], ["tip.id"], name=op.f("fk_urgent_alert_tip_id_tip")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_urgent_alert")),
    )
    with op.batch_alter_table("urgent_alert", schema=None) as batch_op:
        batch_op.create_index(
            "ix_urgent_alert_open", ["acknowledged_at", "raised_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_urgent_alert_tip_id"), ["tip_id"], unique=False)

    op.create_table(
        "alert_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.SmallInteger(), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.Column("recipients", sa.SmallInteger(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["urgent_alert.id"], name=op.f("fk_alert_step_alert_id_urgent_alert")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_step")),
        sa.UniqueConstraint("alert_id", "step", name=op.f("uq_alert_step_alert_id_step")),
    )
    with op.batch_alter_table("alert_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_step_alert_id"), ["alert_id"], unique=False)

    op.create_table(
        "tip_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("old_value", sa.String(length=40), nullable=False),
        sa.Column("new_value", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tip.id"], name=op.f("fk_tip_correction_tip_id_tip")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_tip_correction_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_correction")),
    )
    with op.batch_alter_table("tip_correction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_correction_tip_id"), ["tip_id"], unique=False)


def downgrade():
    with op.batch_alter_table("tip_correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tip_correction_tip_id"))
    op.drop_table("tip_correction")
    with op.batch_alter_table("alert_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_step_alert_id"))
    op.drop_table("alert_step")
    with op.batch_alter_table("urgent_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_urgent_alert_tip_id"))
        batch_op.drop_index("ix_urgent_alert_open")
    op.drop_table("urgent_alert")
    op.drop_table("notify_route")
    with op.batch_alter_table("oncall_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oncall_member_user_id"))
        batch_op.drop_index(batch_op.f("ix_oncall_member_queue_id"))
    op.drop_table("oncall_member")
