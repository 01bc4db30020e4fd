"""Staff API and pages of related tips as a whole: the surge view (tips since a public appeal,
grouped) and actions on a confirmed cluster (claim, assign, re-route or close it together)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, flash, redirect, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from intake import access
from intake.api import Blueprint
from intake.blueprints import Blueprint as PageBlueprint
from intake.errors import IntakeError, InvalidInputError
from intake.extensions import db, get_keyring, get_settings
from intake.localtime import local_instant
from intake.models import Category, utcnow
from intake.related.schemas import SurgeQuerySchema, SurgeSchema
from intake.related.service import cluster_change
from intake.related.surge import SURGE_MAX_TIPS, surge
from intake.staff.access import current_user, staff_rule
from intake.staff.rendering import flash_error, flash_outcomes, staff_page
from intake.tips import service as tips_service
from intake.tips.rules import DISPOSITIONS
from intake.tips.schemas import BulkResultSchema, ClusterActionSchema
from intake.unit_of_work import attempt

SURGE_ROLES = ("detective", "supervisor", "oversight")
DEFAULT_HOURS = 24

bp = Blueprint(
    "surge_api",
    __name__,
    url_prefix="/api/v1/staff",
    description="The surge view: tips since a time, grouped by cluster and by photo.",
)
page_bp = PageBlueprint("surge_pages", __name__, url_prefix="/staff/surge")
cluster_page_bp = PageBlueprint("cluster_pages", __name__, url_prefix="/staff/tips")
CLUSTER_ROLES = ("detective", "supervisor", "oversight")


class ClusterForm(FlaskForm):
    """One action for a tip and its confirmed cluster (targets are checked by the service)."""

    action = SelectField("Action", choices=list(tips_service.BULK_ACTIONS), validate_choice=True)
    assignee = StringField("Assign to (username)", validators=[Optional(), Length(max=80)])
    queue = StringField("Move to queue (code)", validators=[Optional(), Length(max=32)])
    reason = StringField("Reason for the move", validators=[Optional(), Length(max=300)])
    disposition = SelectField("Disposition", choices=["", *DISPOSITIONS], validate_choice=True)


@bp.route("/tips/<tip_number>/cluster", methods=["POST"])
@bp.arguments(ClusterActionSchema)
@bp.response(200, BulkResultSchema)
def cluster_api(data: dict[str, Any], tip_number: str) -> Any:
    """Claim, assign, re-route or close a tip and every tip of its confirmed cluster you may see:
    the bulk action on those tips (same access, audited per tip, per-tip results)."""
    outcomes = cluster_change(
        db.session(), get_keyring(), current_user(), tip_number, tips_service.BulkAction(**data)
    )
    return tips_service.bulk_summary(outcomes)


@cluster_page_bp.post("/<tip_number>/cluster")
def cluster_page(tip_number: str) -> Response:
    """The same from the tip page; says what was done and what was refused."""
    form = ClusterForm()
    back = redirect(url_for("staff_pages.tip", tip_number=tip_number) + "#related")
    if not form.validate_on_submit():
        flash("Choose an action for the whole incident.", "error")
        return back
    action = form.action.data or ""
    change = tips_service.BulkAction(
        action=action,
        assignee=(form.assignee.data or "").strip() or None if action == "assign" else None,
        queue=(form.queue.data or "").strip() or None if action == "reroute" else None,
        reason=form.reason.data if action == "reroute" else None,
        disposition=(form.disposition.data or None) if action == "close" else None,
    )
    try:
        with attempt():
            outcomes = cluster_change(
                db.session(), get_keyring(), current_user(), tip_number, change
            )
    except IntakeError as error:
        flash_error(error)
        return back
    flash_outcomes(tips_service.BULK_DONE[action], outcomes)
    if action == "reroute" and any(o.tip_number == tip_number and o.is_done for o in outcomes):
        return redirect(url_for("staff_pages.home"))  # the tip may now be in a hidden queue
    return back


def _category(value: str | None) -> str | None:
    if not value:
        return None
    # A NUL names no category (and PostgreSQL's text cannot hold it: no look-up).
    if "\0" in value or db.session.get(Category, value) is None:
        raise InvalidInputError(fields={"category": ["Unknown category."]})
    return value


@bp.route("/surge", methods=["GET"])
@bp.arguments(SurgeQuerySchema, location="query")
@bp.response(200, SurgeSchema)
def surge_api(args: dict[str, Any]) -> Any:
    """Tips of the caller's visible queues since ``since``, grouped (largest group first)."""
    return surge(
        db.session(), current_user(), args["since"], category=_category(args.get("category"))
    )


@page_bp.get("/")
def surge_page() -> Response:
    """The same, as a page: ``since`` is a local time in the city's time zone."""
    timezone = get_settings().timezone
    typed = (request.args.get("since") or "").strip()[:16]
    since = local_instant(typed, "%Y-%m-%dT%H:%M", timezone)
    problem = None
    if typed and since is None:
        problem = "Give a date and time such as 2026-12-03T18:30."
    if since is None:
        since = utcnow() - timedelta(hours=DEFAULT_HOURS)
    category = (request.args.get("category") or "").strip()[:40]
    try:
        found = surge(db.session(), current_user(), since, category=_category(category))
    except InvalidInputError:
        problem, category = "There is no such category.", ""
        found = surge(db.session(), current_user(), since)
    return staff_page(
        "staff/surge.html",
        status=400 if problem else 200,
        surge=found,
        typed=typed,
        problem=problem,
        category=category,
        categories=db.session.query(Category.code, Category.label_en).order_by(Category.code).all(),
        default_hours=DEFAULT_HOURS,
        max_tips=SURGE_MAX_TIPS,
    )


def register_surge(app: Flask) -> None:
    """The surge and cluster API and pages, for the roles that work tips (queue visibility
    applies to every tip)."""
    access.register_api(app, bp, staff_rule(SURGE_ROLES))
    access.register(app, page_bp, staff_rule(SURGE_ROLES))
    access.register(app, cluster_page_bp, staff_rule(CLUSTER_ROLES))
