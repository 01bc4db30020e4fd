"""The audit log's staff page (supervisors): newest first, filtered, restricted events folded."""

from __future__ import annotations

from typing import Any

from flask import flash, request
from werkzeug.wrappers import Response

from intake.api import MAX_INTEGER
from intake.audit import listing
from intake.audit.labels import ACTION_LABELS, NOISY_ACTIONS, action_label, detail_words
from intake.blueprints import Blueprint
from intake.errors import NotFoundError
from intake.extensions import db
from intake.queues.pages import parse_day
from intake.staff.access import current_user
from intake.staff.rendering import staff_page
from intake.tips import service as tips

bp = Blueprint("staff_audit_pages", __name__, url_prefix="/staff/audit")


@bp.get("/")
def audit() -> Response:
    """Supervisors: the audit log, newest first (filter by tip number; older pages)."""
    user = current_user()
    tip_number = (request.args.get("tip") or "").strip() or None
    before = request.args.get("before", type=int)
    view = request.args.get("view") or "all"
    if view not in listing.AUDIT_VIEWS:
        view = "all"
    if before is not None and not 0 < before <= MAX_INTEGER:
        before = None  # a hand-edited link: the newest page, not a driver's OverflowError
    actor = (request.args.get("user") or "").strip()[:80] or None
    action = request.args.get("action") or None
    if action not in ACTION_LABELS:
        action = None
    day_from = (request.args.get("from") or "").strip()[:10]
    day_to = (request.args.get("to") or "").strip()[:10]
    show_views = request.args.get("views") == "1"
    filters: dict[str, Any] = {
        "actor": actor,
        "action": action,
        "since": parse_day(day_from),
        "until": parse_day(day_to, end=True),
        "hide_actions": () if show_views else NOISY_ACTIONS,
    }
    try:
        page = listing.list_audit(
            db.session(), user, tip_number=tip_number, before=before, view=view, **filters
        )
    except NotFoundError:
        flash("No tip has this number.", "error")
        page = listing.list_audit(db.session(), user, before=before, view=view, **filters)
    # The links that page on or flip the opened-tips switch keep every other filter.
    keep = {
        "tip": tip_number or None,
        "view": view if view == "reveals" else None,
        "user": actor,
        "action": action,
        "from": day_from or None,
        "to": day_to or None,
        "views": "1" if show_views else None,
    }
    return staff_page(
        "staff/audit.html",
        page=page,
        rows=_collapse_restricted(page.items),
        tip_number=tip_number or "",
        view=view,
        actor=actor or "",
        action=action or "",
        day_from=day_from if filters["since"] else "",
        day_to=day_to if filters["until"] else "",
        show_views=show_views,
        keep=keep,
        action_labels=ACTION_LABELS,
        action_label=action_label,
        detail_words=detail_words,
    )


def _collapse_restricted(items: list[tips.HistoryEntry]) -> list[Any]:
    """The page's rows: an event, or one line for a run of events outside the viewer's queues."""
    rows: list[Any] = []
    for entry in items:
        if entry.action != listing.RESTRICTED_ACTION:
            rows.append(entry)
        elif rows and isinstance(rows[-1], list):
            rows[-1].append(entry)
        else:
            rows.append([entry])
    return rows
