"""Public JSON API: submit a tip, check on it, add to it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, ClassVar

from flask import request
from flask.views import MethodView
from limits import parse

from intake.api import Blueprint
from intake.errors import NotFoundError, RateLimitedError
from intake.extensions import (
    Counter,
    client_key,
    count_strict,
    db,
    get_keyring,
    get_settings,
    limiter,
    require_strict,
)
from intake.identity.service import Contact
from intake.models import ALERTING_URGENCIES, Tip
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
# Receipts are checked against counters of the client (a keyed hash of its address), never of
# the tip number alone: strangers guessing at a tip must not lock its tipster out. A receipt has
# 80 random bits, so these limits only keep online guessing pointless, and a client that has not
# been guessing always gets in with the right receipt.
CHECK_LIMIT = parse("30 per hour")  # every receipt check of a client
GUESS_LIMIT_PER_CLIENT = parse("20 per hour")  # its wrong receipts, whatever the tip
GUESS_LIMIT_PER_CLIENT_TIP = parse("10 per hour")  # its wrong receipts for one tip number


def find_tip_for_client(tip_number: str, receipt: str) -> Tip:
    """The tip this receipt opens, for the calling client, with its guesses limited.

    Every check counts against the client; a wrong receipt (or unknown number) also counts as a
    guess of that client and of that client at that tip. RateLimitedError when one is spent,
    UnavailableError when the counters cannot be read (fail closed), else the service's
    NotFoundError for a wrong receipt. No X-RateLimit header tells a guesser how many are left.
    """
    number = normalise_tip_number(tip_number) or "invalid"
    checks = [Counter(CHECK_LIMIT, "receipt-check", client_key())]
    guesses = [
        Counter(GUESS_LIMIT_PER_CLIENT, "receipt-guess", client_key()),
        Counter(GUESS_LIMIT_PER_CLIENT_TIP, "receipt-guess-tip", client_key(number)),
    ]
    require_strict(guesses)
    if not count_strict(checks):
        raise RateLimitedError()
    try:
        return service.find_tip_by_receipt(db.session(), get_keyring(), tip_number, receipt)
    except NotFoundError:
        count_strict(guesses)
        raise


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
        if created.urgency in ALERTING_URGENCIES
        else None,
        "next_steps": next_steps(created.language),
    }


@bp.route("")
class Tips(MethodView):
    """The collection of tips."""

    decorators: ClassVar[list[Any]] = [limiter.limit(SUBMIT_LIMIT, methods=["POST"])]

    # An instance, not the class: webargs would build a new schema for every request.
    @bp.arguments(TipCreateSchema())
    @bp.response(201, TipCreatedSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Submit a tip.

        Send an `Idempotency-Key` header (16-128 letters, digits, `-`, `_`) to make retries safe:
        the same key with the same body, within 24 hours, returns the same tip number and
        receipt; the same key with another body gets 409. The receipt is shown only here.
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
            contact=Contact(**contact) if any(contact.values()) else None,
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        created = service.submit_tip(
            db.session(), get_keyring(), submission, default_region=get_settings().default_region
        )
        return submission_payload(created)


@bp.route("/<tip_number>/status", methods=["POST"])
@bp.arguments(ReceiptSchema)
@bp.response(200, TipStatusSchema)
def tip_status(data: dict[str, Any], tip_number: str) -> Any:
    """Check on a tip with its receipt: status and the messages meant for you.

    An unknown tip number and a wrong receipt get the same answer.
    """
    tip = find_tip_for_client(tip_number, data["receipt"])
    keyring = get_keyring()
    rewards = tipster_rewards(db.session(), keyring, tip)
    return {**asdict(service.tip_status(keyring, tip)), "rewards": [asdict(r) for r in rewards]}


@bp.route("/<tip_number>/followups", methods=["POST"])
@bp.arguments(FollowupSchema)
@bp.response(201, FollowupCreatedSchema)
def add_followup(data: dict[str, Any], tip_number: str) -> Any:
    """Add information to a tip, or answer a detective's question."""
    tip = find_tip_for_client(tip_number, data["receipt"])
    message = service.add_followup(db.session(), get_keyring(), tip, data["body"], channel="web")
    return {"tip_number": tip.tip_number, "status": "added", "created_at": message.created_at}
