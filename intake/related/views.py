"""Staff API and page of the surge view (tips since a public appeal, grouped)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint as PageBlueprint
from flask import Flask, request
from werkzeug.wrappers import Response

from intake.api import Blueprint
from intake.errors import InvalidInputError
from intake.extensions import db, get_settings
from intake.localtime import local_instant
from intake.models import Category, utcnow
from intake.related.schemas import SurgeQuerySchema, SurgeSchema
from intake.related.surge import SURGE_MAX_TIPS, surge
from intake.staff.access import current_user
from intake.staff.rendering import staff_page

SURGE_ROLES = ("detective", "supervisor", "oversight")
DEFAULT_HOURS = 24

bp = Blueprint(
    "surge_api",
    __name__,
    url_prefix="/api/v1/staff",
    description="The surge view: tips since a time, grouped by cluster and by photo.",
)
page_bp = PageBlueprint("surge_pages", __name__, url_prefix="/staff/surge")


def _category(value: str | None) -> str | None:
    if not value:
        return None
    if db.session.get(Category, value) is None:
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
    """The surge API and page, for the roles that work tips (queue visibility applies)."""
    from intake import access
    from intake.staff.access import staff_rule

    access.register_api(app, bp, staff_rule(SURGE_ROLES))
    access.register(app, page_bp, staff_rule(SURGE_ROLES))
