"""Staff API under /api/v1/staff/: queues, the tip workflow, reveal, audit.

Bearer tokens only (no cookie authenticates these routes, so they need no CSRF token). Each
blueprint declares its access rule in :func:`register_staff`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Flask, Response, url_for

from intake import access
from intake.api import Blueprint
from intake.errors import InvalidInputError
from intake.extensions import db, get_keyring, get_settings
from intake.models import User
from intake.queues import service
from intake.queues.rules import SUPERVISING_ROLES, WORKSPACE_ROLES
from intake.queues.schemas import (
    AuditPageSchema,
    AuditQuerySchema,
    BulkActionSchema,
    BulkResultSchema,
    LinkDecisionSchema,
    NoteCreateSchema,
    QueueListSchema,
    RelatedTipSchema,
    ReplyCreatedSchema,
    ReplyCreateSchema,
    RevealedSchema,
    RevealRequestSchema,
    TipDetailSchema,
    TipFilterSchema,
    TipPageSchema,
    TipPatchSchema,
    TipStateSchema,
)
from intake.related import service as related
from intake.search.service import search_tips
from intake.staff.access import current_user, login_client, requires_scope, staff_rule
from intake.unit_of_work import keep_on_error

bp = Blueprint(
    "staff_api", __name__, url_prefix="/api/v1/staff", description="The detective workspace."
)
audit_bp = Blueprint(
    "staff_audit_api", __name__, url_prefix="/api/v1/staff", description="The audit log."
)
reveal_bp = Blueprint(
    "staff_reveal_api",
    __name__,
    url_prefix="/api/v1/staff",
    description=(
        "Supervisors (oversight, for the oversight queue): reveal a tipster's contact, with a"
        " reason and a fresh TOTP code; limited per hour, audited, announced to the others."
    ),
)


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


def detail_payload(detail: service.TipDetail) -> dict[str, Any]:
    """A tip's detail with download links for its attachments."""
    payload = asdict(detail)
    for attachment in payload["attachments"]:
        attachment["download"] = url_for(
            "staff_api.download_attachment",
            tip_number=detail.tip_number,
            attachment_id=attachment["id"].hex,
        )
    return payload


@bp.route("/tips/bulk", methods=["POST"])
@bp.arguments(BulkActionSchema)
@bp.response(200, BulkResultSchema)
def bulk_action(data: dict[str, Any]) -> Any:
    """Claim, assign, re-route or close up to 200 tips: each through the single-tip action
    (same access, audited per tip); per-tip results, a refused tip changing nothing."""
    outcomes = service.bulk_change(
        db.session(),
        get_keyring(),
        current_user(),
        data.pop("tip_numbers"),
        service.BulkAction(**data),
    )
    return service.bulk_summary(outcomes)


@bp.route("/tips/<tip_number>", methods=["GET"])
@bp.response(200, TipDetailSchema)
def get_tip(tip_number: str) -> Any:
    """A tip: narrative, location, category and evidence, thread, notes, attachments, history."""
    detail = service.view_tip(db.session(), get_keyring(), current_user(), tip_number)
    payload = detail_payload(detail)
    payload["related"] = related.related_of(db.session(), get_keyring(), current_user(), detail)
    return payload


@bp.route("/tips/<tip_number>/links", methods=["POST"])
@bp.arguments(LinkDecisionSchema)
@bp.response(200, RelatedTipSchema(many=True))
def decide_link(data: dict[str, Any], tip_number: str) -> Any:
    """Confirm that another tip is the same incident, or reject the suggestion; the related list."""
    user = current_user()
    related.decide_link(db.session(), user, tip_number, data["tip_number"], data["decision"])
    detail = service.view_tip(db.session(), get_keyring(), user, tip_number)
    found = related.related_of(db.session(), get_keyring(), current_user(), detail)
    return found


def _state(tip: Any) -> dict[str, Any]:
    from intake.lifecycle.service import is_held

    assignee = db.session.get(User, tip.assignee_id) if tip.assignee_id else None
    return {
        "tip_number": tip.tip_number,
        "status": tip.status,
        "disposition": tip.disposition,
        "category": tip.category_code,
        "urgency": tip.urgency,
        "queue": tip.queue.code,
        "assignee": assignee.username if assignee else None,
        "legal_hold": is_held(db.session(), tip),
        "rms_case_number": tip.rms_case_number,
    }


@bp.route("/tips/<tip_number>", methods=["PATCH"])
@bp.arguments(TipPatchSchema)
@bp.response(200, TipStateSchema)
def patch_tip(data: dict[str, Any], tip_number: str) -> Any:
    """Change status (allowed transitions; closing needs a disposition), category, urgency or
    queue (category and urgency changes are kept as corrections); or (supervisors) put the tip
    on legal hold or release it, with a reason."""
    hold = data.pop("legal_hold", None)
    if hold is not None:
        from intake.lifecycle.service import set_legal_hold

        if set(data) - {"reason"}:
            raise InvalidInputError(fields={"legal_hold": ["Change a legal hold on its own."]})
        tip = set_legal_hold(
            db.session(), current_user(), tip_number, hold=hold, reason=data.get("reason", "")
        )
    else:
        tip = service.update_tip(
            db.session(), get_keyring(), current_user(), tip_number, service.TipChange(**data)
        )
    state = _state(tip)
    return state


@bp.route("/tips/<tip_number>/claim", methods=["POST"])
@bp.response(200, TipStateSchema)
def claim_tip(tip_number: str) -> Any:
    """Take the tip: the caller becomes its assignee."""
    tip = service.claim_tip(db.session(), current_user(), tip_number)
    state = _state(tip)
    return state


@bp.route("/tips/<tip_number>/notes", methods=["POST"])
@bp.arguments(NoteCreateSchema)
@bp.response(201, TipStateSchema)
def add_note(data: dict[str, Any], tip_number: str) -> Any:
    """An internal note; the tipster never sees it."""
    note = service.add_note(db.session(), get_keyring(), current_user(), tip_number, data["body"])
    state = _state(note.tip)
    return state


@bp.route("/tips/<tip_number>/replies", methods=["POST"])
@bp.arguments(ReplyCreateSchema)
@bp.response(201, ReplyCreatedSchema)
def add_reply(data: dict[str, Any], tip_number: str) -> Any:
    """A message to the tipster, on their channel (web tipsters read it with their receipt)."""
    message = service.send_reply(
        db.session(), get_keyring(), current_user(), tip_number, data["body"]
    )
    payload = {
        "tip_number": message.tip.tip_number,
        "channel": message.channel,
        "delivery_status": message.delivery_status,
    }
    return payload


@bp.route("/tips/<tip_number>/attachments/<attachment_id>", methods=["GET"])
@bp.response(200, description="The attachment's bytes (metadata already stripped).")
def download_attachment(tip_number: str, attachment_id: str) -> Any:
    """Download an attachment (decrypted); audited."""
    attachment, data = service.download_attachment(
        db.session(), get_keyring(), current_user(), tip_number, attachment_id
    )
    response = Response(data, mimetype=attachment.content_type)
    response.headers["Content-Disposition"] = "attachment"
    response.headers["Cache-Control"] = "no-store"
    return response


@reveal_bp.route("/tips/<tip_number>/reveal", methods=["POST"])
@reveal_bp.arguments(RevealRequestSchema)
@reveal_bp.response(200, RevealedSchema)
@requires_scope("reveal")
def reveal(data: dict[str, Any], tip_number: str) -> Any:
    """Supervisors: the tipster's contact, with a reason and a fresh TOTP code (audited, rate-
    limited, the other supervisors notified; the identity is never logged)."""
    try:
        revealed = service.reveal_identity(
            db.session(),
            get_keyring(),
            current_user(),
            tip_number,
            data["reason"],
            data["totp"],
            limit=get_settings().reveal_limit,
            client=login_client(),
        )
    except service.RevealRefused:
        keep_on_error()  # the refusal and the failed code are kept
        raise
    response = {
        "tip_number": revealed.tip_number,
        "channel": revealed.channel,
        "identity": revealed.identity,
        "source_url": revealed.source_url,
    }
    return response


@audit_bp.route("/audit", methods=["GET"])
@audit_bp.arguments(AuditQuerySchema, location="query")
@audit_bp.response(200, AuditPageSchema)
def list_audit(args: dict[str, Any]) -> Any:
    """Supervisors: the audit log, newest first (``tip`` filters by tip number, ``view=reveals``
    keeps identity reveals)."""
    page = service.list_audit(
        db.session(),
        current_user(),
        tip_number=args.get("tip"),
        before=args.get("before"),
        limit=args["limit"],
        view=args["view"],
    )
    items = []
    for entry in page.items:
        item = asdict(entry)
        item["tip_number"] = page.tip_numbers.get(entry.seq)
        items.append(item)
    return {"items": items, "next_before": page.next_before}


def register_staff(app: Flask) -> None:
    """Register the staff API and pages, each blueprint with its access rule."""
    from intake.models.staff import ROLES
    from intake.queues.pages import audit_bp as audit_pages_bp
    from intake.queues.pages import bp as pages_bp
    from intake.replies.pages import bp as canned_pages_bp
    from intake.staff import display
    from intake.staff.pages import account_bp
    from intake.staff.pages import bp as auth_bp

    # Tipster text on every staff page shows bidi and other invisible controls as [U+XXXX].
    display.install(app)

    access.register_api(app, bp, staff_rule(WORKSPACE_ROLES))
    access.register_api(app, audit_bp, staff_rule(SUPERVISING_ROLES))
    access.register_api(app, reveal_bp, staff_rule(SUPERVISING_ROLES))
    # Login pages are for people not yet authenticated; they are rate-limited.
    access.register(app, auth_bp, access.PUBLIC)
    access.register(app, pages_bp, staff_rule(WORKSPACE_ROLES))
    access.register(app, audit_pages_bp, staff_rule(SUPERVISING_ROLES))
    access.register(app, canned_pages_bp, staff_rule(SUPERVISING_ROLES))
    # Every role has an account page; it is where administrators land.
    access.register(app, account_bp, staff_rule(ROLES))
