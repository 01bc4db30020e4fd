"""Staff API: acknowledging an urgent tip (it stops the escalation to the next tier)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from intake import access
from intake.api import Blueprint
from intake.extensions import db
from intake.models import User
from intake.oncall import service
from intake.oncall.pages import board_bp, roster_bp
from intake.oncall.schemas import AcknowledgedSchema
from intake.queues.rules import SUPERVISING_ROLES, WORKSPACE_ROLES
from intake.staff.access import current_user, staff_rule

bp = Blueprint(
    "oncall_api",
    __name__,
    url_prefix="/api/v1/staff",
    description="Urgent tips: acknowledge one so the next on-call tier is not told.",
)


@bp.route("/tips/<tip_number>/acknowledge", methods=["POST"])
@bp.response(200, AcknowledgedSchema)
def acknowledge(tip_number: str) -> Any:
    """Acknowledge an urgent tip: the escalation stops; audited (repeating it changes nothing)."""
    alert = service.acknowledge(db.session(), current_user(), tip_number)
    by = (
        db.session.get(User, alert.acknowledged_by_user_id)
        if alert.acknowledged_by_user_id
        else None
    )
    payload = {
        "tip_number": alert.tip.tip_number,
        "urgency": alert.urgency,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": by.username if by else None,
        "steps": service.step_count(db.session(), alert.id),
    }
    return payload


def register_oncall(app: Flask) -> None:
    """The acknowledgement API, the urgent board and the roster page, each with its rule."""
    # Whoever may see the tip may acknowledge it (find_tip applies the queue visibility).
    access.register_api(app, bp, staff_rule(WORKSPACE_ROLES))
    access.register(app, board_bp, staff_rule(WORKSPACE_ROLES))
    # Supervisors manage rosters of the queues they see, oversight its own; admins every queue.
    access.register(app, roster_bp, staff_rule((*SUPERVISING_ROLES, "admin")))
