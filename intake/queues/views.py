"""Staff API under /api/v1/staff/: the caller's queues and their tips (listing, filters, search).

Bearer tokens only (no cookie authenticates these routes, so they need no CSRF token). The routes
are on the workspace's shared ``staff_api`` blueprint (:mod:`intake.staff.blueprints`), registered
with its access rule by :func:`intake.staff.pages.register_staff`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from intake.errors import InvalidInputError
from intake.extensions import db, get_keyring
from intake.queues import service
from intake.queues.schemas import QueueListSchema, TipFilterSchema, TipPageSchema
from intake.search.service import search_tips
from intake.staff.access import current_user
from intake.staff.blueprints import api_bp as bp


def _filters(args: dict[str, Any]) -> service.TipFilters:
    return service.TipFilters(
        status=args.get("status"),
        category=args.get("category"),
        urgency=args.get("urgency"),
        channel=args.get("channel"),
        created_from=args.get("created_from"),
        created_to=args.get("created_to"),
        awaiting=args.get("awaiting"),
        assignee_id=current_user().id if args.get("assigned") == "me" else None,
        is_unassigned=args.get("assigned") == "none",
    )


@bp.route("/queues", methods=["GET"])
@bp.response(200, QueueListSchema)
def list_queues() -> Any:
    """The caller's queues with counts of open, new and urgent tips."""
    return {"items": service.queue_summaries(db.session(), current_user())}


@bp.route("/queues/<code>/tips", methods=["GET"])
@bp.arguments(TipFilterSchema, location="query")
@bp.response(200, TipPageSchema)
def list_queue_tips(args: dict[str, Any], code: str) -> Any:
    """One queue's tips: urgent first, then newest; cursor pagination."""
    page = service.list_tips(
        db.session(),
        current_user(),
        queue_code=code,
        filters=_filters(args),
        cursor=args.get("cursor"),
        limit=args["limit"],
        sort=args.get("sort") or "urgency",
    )
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@bp.route("/tips", methods=["GET"])
@bp.arguments(TipFilterSchema, location="query")
@bp.response(200, TipPageSchema)
def list_all_tips(args: dict[str, Any]) -> Any:
    """Tips across every queue the caller sees, in the same order and with the same filters.

    With ``q``: the tips whose sealed text holds every word, newest first (see search).
    """
    if args.get("q") is not None:
        return _search(args)
    page = service.list_tips(
        db.session(),
        current_user(),
        filters=_filters(args),
        cursor=args.get("cursor"),
        limit=args["limit"],
        sort=args.get("sort") or "urgency",
    )
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


def _search(args: dict[str, Any]) -> Any:
    if set(args) - {"q", "cursor", "limit"}:
        raise InvalidInputError(fields={"q": ["Search does not combine with other filters."]})
    found = search_tips(
        db.session(),
        get_keyring(),
        current_user(),
        args["q"],
        cursor=args.get("cursor"),
        limit=args["limit"],
    )
    items = [{**asdict(hit.tip), "matched": hit.matched} for hit in found.items]
    return {"items": items, "next_cursor": found.next_cursor}
