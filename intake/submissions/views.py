"""Public JSON API: submit a tip, check on it, add to it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, ClassVar

from flask import request
from flask.views import MethodView

from intake.api import Blueprint
from intake.extensions import db, get_keyring, get_settings, limiter
from intake.rewards.service import tipster_rewards
from intake.submissions import service
from intake.submissions.messages import emergency_advice, next_steps
from intake.submissions.rules import normalise_tip_number
from intake.submissions.schemas import (
    FollowupCreatedSchema,
    FollowupSchema,
    ReceiptSchema,
    TipCreatedSchema,
    TipCreateSchema,
    TipStatusSchema,
)

bp = Blueprint(
    "tips_api",
    __name__,
    url_prefix="/api/v1/tips",
    description="Submit a tip anonymously, check on it with its receipt, add to it.",
)

SUBMIT_LIMIT = "20 per hour"
CHECK_LIMIT = "30 per hour"
# Counted per tip number across every client, and only for failures, so guessing one tip's
# receipt from many addresses stays slow while the tipster checking back is never blocked.
GUESS_LIMIT = "10 per hour"


def tip_number_key() -> str:
    """Rate-limit key for guesses against one tip number."""
    raw = (request.view_args or {}).get("tip_number") or request.form.get("tip_number", "")
    return "t:" + (normalise_tip_number(raw) or "invalid")


def submission_payload(created: service.SubmittedTip) -> dict[str, Any]:
    """The response to a new tip."""
    return {
        "tip_number": created.tip_number,
        "receipt": created.receipt,
        "status": "received",
        "category": created.category,
        "urgency": created.urgency,
        "language": created.language,
        "is_replay": created.is_replay,
        "emergency_advice": emergency_advice(created.language)
        if created.urgency == "emergency"
        else None,
        "next_steps": next_steps(created.language),
    }


@bp.route("")
class Tips(MethodView):
    """The collection of tips."""

    decorators: ClassVar[list[Any]] = [limiter.limit(SUBMIT_LIMIT, methods=["POST"])]

    @bp.arguments(TipCreateSchema)
    @bp.response(201, TipCreatedSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Submit a tip.

        Send an `Idempotency-Key` header (16-128 letters, digits, `-`, `_`) to make retries safe:
        the same key returns the same tip number and receipt. The receipt is shown only here.
        """
        location = data.get("location") or {}
        contact = data.get("contact") or {}
        submission = service.TipSubmission(
            channel="api",
            narrative=data["narrative"],
            language=data.get("language"),
            location_text=location.get("text"),
            lat=location.get("lat"),
            lon=location.get("lon"),
            occurred_at=data.get("occurred_at"),
            contact=service.Contact(**contact) if any(contact.values()) else None,
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        created = service.submit_tip(
            db.session(), get_keyring(), submission, default_region=get_settings().default_region
        )
        db.session.commit()
        return submission_payload(created)


@bp.route("/<tip_number>/status", methods=["POST"])
@limiter.limit(CHECK_LIMIT)
@limiter.limit(GUESS_LIMIT, key_func=tip_number_key, deduct_when=lambda r: r.status_code == 404)
@bp.arguments(ReceiptSchema)
@bp.response(200, TipStatusSchema)
def tip_status(data: dict[str, Any], tip_number: str) -> Any:
    """Check on a tip with its receipt: status and the messages meant for you.

    An unknown tip number and a wrong receipt get the same answer.
    """
    keyring = get_keyring()
    tip = service.find_tip_by_receipt(db.session(), keyring, tip_number, data["receipt"])
    rewards = tipster_rewards(db.session(), keyring, tip)
    return {**asdict(service.tip_status(keyring, tip)), "rewards": [asdict(r) for r in rewards]}


@bp.route("/<tip_number>/followups", methods=["POST"])
@limiter.limit(CHECK_LIMIT)
@limiter.limit(GUESS_LIMIT, key_func=tip_number_key, deduct_when=lambda r: r.status_code == 404)
@bp.arguments(FollowupSchema)
@bp.response(201, FollowupCreatedSchema)
def add_followup(data: dict[str, Any], tip_number: str) -> Any:
    """Add information to a tip, or answer a detective's question."""
    keyring = get_keyring()
    tip = service.find_tip_by_receipt(db.session(), keyring, tip_number, data["receipt"])
    message = service.add_followup(db.session(), keyring, tip, data["body"], channel="web")
    db.session.commit()
    return {"tip_number": tip.tip_number, "status": "added", "created_at": message.created_at}
