"""Staff API under /api/v1/staff/: one tip (detail, change, claim, note, reply, attachments) and
bulk changes.

Bearer tokens only (no cookie authenticates these routes, so they need no CSRF token). The routes
are on the workspace's shared ``staff_api`` blueprint (:mod:`intake.staff.blueprints`), registered
with its access rule by :func:`intake.staff.pages.register_staff`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Response, url_for

from intake.errors import InvalidInputError
from intake.extensions import db, get_keyring
from intake.lifecycle.service import is_held, set_legal_hold
from intake.models import User
from intake.related import service as related
from intake.staff.access import current_user
from intake.staff.blueprints import api_bp as bp
from intake.tips import service
from intake.tips.schemas import (
    BulkActionSchema,
    BulkResultSchema,
    LinkDecisionSchema,
    NoteCreateSchema,
    RelatedTipSchema,
    ReplyCreatedSchema,
    ReplyCreateSchema,
    TipDetailSchema,
    TipPatchSchema,
    TipStateSchema,
)


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
