"""The submission pipeline: every channel's tips and follow-ups come through here.

validate -> idempotency -> classify -> route -> encrypt -> one transaction (reporter, tip,
attachments, inbound event, outbox, audit) -> receipt. Functions flush, never commit: the request,
task or command that calls them owns the transaction.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake import crypto
from intake.attachments.rules import AttachmentError, PixelBudget
from intake.attachments.service import attach_image
from intake.audit.service import record_event
from intake.classify.rules import Classification
from intake.classify.service import classify_tip, reassess_urgency
from intake.crypto import Keyring
from intake.database import insert_unless_present
from intake.errors import ConflictError, InvalidInputError, NotFoundError
from intake.identity.service import (
    Contact,
    FoundReporter,
    Sender,
    refresh_reporter,
    resolve_reporter,
)
from intake.models import ALERTING_URGENCIES, URGENCY_RANK, InboundEvent, Message, Tip, utcnow
from intake.oncall.service import raise_alert
from intake.outbound.service import alert_reason, enqueue_supervisor_alert
from intake.routing.service import Route, route_tip
from intake.search.index import add_tokens, index_text, tokens_of
from intake.submissions.rules import (
    new_receipt,
    new_tip_number,
    normalise_receipt,
    normalise_tip_number,
)
from intake.workspace.service import mark_tipster_wrote

log = logging.getLogger(__name__)

NARRATIVE_MAX = 10_000
LOCATION_TEXT_MAX = 300
SUPPORTED_LANGUAGES = ("en", "es")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_\-]{16,128}$")
# A client's key replays its tip for a day (as Stripe's do); after that it starts a new tip.
IDEMPOTENCY_TTL = timedelta(hours=24)
PUBLIC_STATUS = {
    "new": "received",
    "triaged": "received",
    "assigned": "in_progress",
    "investigating": "in_progress",
    "closed": "closed",
}


class IdempotencyConflictError(ConflictError):
    """An idempotency key came back with a different request than the one it was first sent with."""

    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used with a different request."


class DuplicateEventError(Exception):
    """A provider event was already processed (redelivery); nothing new was written."""

    def __init__(self, tip_id: uuid.UUID | None):
        super().__init__("event already processed")
        self.tip_id = tip_id


@dataclass(frozen=True)
class TipSubmission:
    """Everything a channel knows about a new tip."""

    channel: str
    narrative: str
    language: str | None = None
    location_text: str | None = None
    lat: float | None = None
    lon: float | None = None
    point_kind: str = "pin"
    occurred_at: datetime | None = None
    contact: Contact | None = None
    sender: Sender | None = None
    images: tuple[bytes, ...] = ()
    idempotency_key: str | None = None
    provider: str | None = None
    provider_event_id: str | None = None
    source_platform: str | None = None
    source_url: str | None = None
    source_posted_at: datetime | None = None
    # Forwards: the keyed digest of the post's link or text, and who of the team forwarded it.
    source_digest: bytes | None = None
    forwarded_by_user_id: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SubmittedTip:
    """What the tipster is told: the tip number and, once only, the receipt."""

    tip_id: uuid.UUID
    tip_number: str
    receipt: str | None
    is_replay: bool
    category: str
    urgency: str
    language: str
    queue_code: str


# --- idempotency --------------------------------------------------------------------------------


def _event_key(keyring: Keyring, submission: TipSubmission) -> tuple[str, str] | None:
    if submission.provider and submission.provider_event_id:
        return submission.provider, submission.provider_event_id[:128]
    if submission.idempotency_key:
        if not IDEMPOTENCY_KEY.match(submission.idempotency_key):
            raise InvalidInputError(
                "The idempotency key must be 16 to 128 letters, digits, '-' or '_'."
            )
        digest = crypto.keyed_digest(
            keyring, "idempotency", f"{submission.channel}:{submission.idempotency_key}"
        )
        return submission.channel, digest
    return None


def request_digest(keyring: Keyring, event_key: str, submission: TipSubmission) -> str:
    """A keyed digest of everything a submission says, bound to its idempotency record.

    Stored instead of the request itself: it proves a retry is the same request without keeping
    a second copy of the narrative or the contact (the key makes it useless for guessing them).
    """
    contact = submission.contact
    canonical = {
        "channel": submission.channel,
        "narrative": submission.narrative,
        "language": submission.language,
        "location_text": submission.location_text,
        "lat": submission.lat,
        "lon": submission.lon,
        "point_kind": submission.point_kind,
        "occurred_at": submission.occurred_at.isoformat() if submission.occurred_at else None,
        "contact": [contact.phone, contact.email, contact.name] if contact else None,
        "images": [crypto.sha256_hex(image) for image in submission.images],
    }
    if contact is not None and contact.notify_by:
        # Only when chosen: digests of requests stored before the choice existed stay valid.
        canonical["notify_by"] = contact.notify_by
    body = json.dumps(canonical, sort_keys=True, ensure_ascii=False)
    return crypto.keyed_digest(keyring, "idempotency-request", f"{event_key}:{body}")


def _is_client_key(submission: TipSubmission) -> bool:
    """The record is a web or API client's idempotency key (not a provider's event id)."""
    return bool(submission.idempotency_key) and not submission.provider_event_id


def _replay(
    session: Session, keyring: Keyring, event: InboundEvent, submission: TipSubmission
) -> tuple[Tip, SubmittedTip]:
    if _is_client_key(submission):
        expected = request_digest(keyring, event.event_key, submission)
        # A record without a digest predates the check: it cannot prove the body is the same.
        if event.request_digest is None or not hmac.compare_digest(event.request_digest, expected):
            raise IdempotencyConflictError()
    tip = session.get(Tip, event.tip_id) if event.tip_id else None
    if tip is None:
        raise DuplicateEventError(None)
    receipt = None
    if submission.idempotency_key:
        receipt = event.replay.read(keyring, submission.idempotency_key)
    if receipt is None:
        raise DuplicateEventError(tip.id)
    return tip, SubmittedTip(
        tip.id,
        tip.tip_number,
        receipt,
        True,
        tip.category_code,
        tip.urgency,
        tip.language,
        tip.queue.code,
    )


@dataclass(frozen=True)
class _ClientReplay:
    """What lets a web or API client get its receipt back, and only for the same request."""

    keyring: Keyring
    idempotency_key: str
    receipt: str
    request_digest: str


def _claim_event(
    session: Session,
    provider: str,
    event_key: str,
    *,
    tip_id: uuid.UUID | None = None,
    replay: _ClientReplay | None = None,
) -> bool:
    """Insert the idempotency record (with its tip, which must be written already); False if
    another request already holds it (after waiting for that request's transaction to end)."""
    event = InboundEvent(
        provider=provider, event_key=event_key, tip_id=tip_id, received_at=utcnow()
    )
    if replay is not None:
        event.replay.seal(replay.keyring, replay.idempotency_key, replay.receipt)
        event.request_digest = replay.request_digest
    return insert_unless_present(session, event)


def find_event(session: Session, provider: str, event_key: str) -> InboundEvent | None:
    """A previously seen provider event."""
    return session.scalar(
        select(InboundEvent).where(
            InboundEvent.provider == provider, InboundEvent.event_key == event_key
        )
    )


# --- the pipeline -------------------------------------------------------------------------------


def _validate(submission: TipSubmission) -> None:
    problems: dict[str, list[str]] = {}
    narrative = submission.narrative.strip()
    if not narrative and not submission.images:
        problems["narrative"] = ["Tell us what you know."]
    if len(submission.narrative) > NARRATIVE_MAX:
        problems["narrative"] = [f"Keep it under {NARRATIVE_MAX} characters."]
    if submission.location_text and len(submission.location_text) > LOCATION_TEXT_MAX:
        problems["location"] = [f"Keep the place under {LOCATION_TEXT_MAX} characters."]
    if (submission.lat is None) != (submission.lon is None):
        problems["location"] = ["Give both latitude and longitude, or neither."]
    if submission.lat is not None and not -90 <= submission.lat <= 90:
        problems["location"] = ["Latitude must be between -90 and 90."]
    if submission.lon is not None and not -180 <= submission.lon <= 180:
        problems["location"] = ["Longitude must be between -180 and 180."]
    if submission.occurred_at is not None and submission.occurred_at > utcnow():
        problems["occurred_at"] = ["This date is in the future."]
    contact = submission.contact
    if contact is not None and contact.notify_by is not None:
        needed = {"sms": contact.phone, "email": contact.email}
        if contact.notify_by not in needed:
            problems["contact"] = ["Choose sms or email for the notice."]
        elif not needed[contact.notify_by]:
            problems["contact"] = [
                f"Give the {'phone' if contact.notify_by == 'sms' else 'email'} to notify."
            ]
    if problems:
        raise InvalidInputError(fields=problems)


def submit_tip(
    session: Session,
    keyring: Keyring,
    submission: TipSubmission,
    *,
    default_region: str = "US",
    found_reporter: FoundReporter | None = None,
    event_checked: bool = False,
) -> SubmittedTip:
    """Create a tip from any channel. Flushes; the caller commits.

    Raises InvalidInputError for bad input, DuplicateEventError for a provider redelivery.
    A repeated idempotency key with the same request, within IDEMPOTENCY_TTL, returns the first
    submission's tip number and receipt; with a different request, IdempotencyConflictError.
    ``found_reporter``: the caller already looked the sender up in this transaction;
    ``event_checked``: the caller already found no record of this provider event in it.
    """
    return create_tip(
        session,
        keyring,
        submission,
        default_region=default_region,
        found_reporter=found_reporter,
        event_checked=event_checked,
    )[1]


@dataclass(frozen=True)
class PreparedTip:
    """The part of a new tip that needs no database: classified, routed, numbered and sealed.

    Built by :func:`prepare_tip` before the transaction's first statement, so on SQLite none of
    this CPU work is done while holding the write lock. ``tip`` is transient (in no session)
    until :func:`create_tip` adds it; one that is never used (the text turned out to be a
    follow-up) is simply dropped. The reporter and the language are set in the transaction.
    """

    submission: TipSubmission
    classification: Classification
    route: Route
    tip: Tip
    receipt: str
    now: datetime
    narrative_tokens: frozenset[bytes]
    location_tokens: frozenset[bytes]


def prepare_tip(session: Session, keyring: Keyring, submission: TipSubmission) -> PreparedTip:
    """Validate, classify, route and seal a new tip without a statement (reference data and the
    gazetteer come from the app's caches; a stale cache is read again, which begins the
    transaction then). Raises InvalidInputError for bad input."""
    _validate(submission)
    classification = classify_tip(session, submission.narrative)
    route = route_tip(
        session,
        category_code=classification.category,
        lat=submission.lat,
        lon=submission.lon,
        # A text message has no separate place field: a place it names is looked up in it.
        location_text=submission.location_text or submission.narrative,
        point_kind=submission.point_kind,
    )
    now = utcnow()
    # 40 random bits: the unique index refuses a repeat (about one in 10^6 submissions with a
    # million tips stored); the request then fails whole, nothing is saved, and a retry (with the
    # form's or client's idempotency key, or the provider's redelivery) gets a fresh number. Not
    # looking first keeps the first statement, and with it SQLite's write lock, to the commit.
    tip_number = new_tip_number()
    receipt = new_receipt()
    tip = Tip(
        tip_number=tip_number,
        receipt_digest=crypto.receipt_digest(keyring, tip_number, receipt),
        channel=submission.channel,
        location_source=route.location_source,
        occurred_at=submission.occurred_at,
        source_platform=submission.source_platform,
        source_posted_at=submission.source_posted_at,
        source_digest=submission.source_digest,
        forwarded_by_user_id=submission.forwarded_by_user_id,
        category_code=classification.category,
        category_confidence=round(classification.confidence, 3),
        category_runners_up=[[code, round(score, 3)] for code, score in classification.runners_up],
        is_classifier_unsure=classification.is_unsure,
        urgency=classification.urgency,
        urgency_rank=URGENCY_RANK[classification.urgency],
        district_id=route.district_id,
        queue_id=route.queue_id,
        status="new",
        created_at=now,
        updated_at=now,
        last_tipster_activity_at=now,
    )
    tip.create_data_key(keyring)
    tip.set_point(keyring, route.lat, route.lon)
    tip.routing_reason.seal(keyring, route.reason)
    tip.evidence.seal(
        keyring,
        {
            "category": list(classification.evidence),
            "urgency": list(classification.urgency_evidence),
        },
    )
    tip.narrative.seal(keyring, submission.narrative)
    tip.location_text.seal(keyring, submission.location_text or None)
    tip.source_url.seal(keyring, submission.source_url or None)
    return PreparedTip(
        submission,
        classification,
        route,
        tip,
        receipt,
        now,
        tokens_of(keyring, submission.narrative),
        tokens_of(keyring, submission.location_text),
    )


def create_tip(
    session: Session,
    keyring: Keyring,
    submission: TipSubmission,
    *,
    default_region: str = "US",
    found_reporter: FoundReporter | None = None,
    event_checked: bool = False,
    prepared: PreparedTip | None = None,
) -> tuple[Tip, SubmittedTip]:
    """:func:`submit_tip`, also giving the tip row (the caller needs no query to reload it).

    ``prepared``: the tip built by :func:`prepare_tip` from this same submission before the
    transaction began (built here otherwise; used once).
    """
    # Classify, route and seal before touching the database: on SQLite the first query takes
    # the write lock.
    if prepared is None or prepared.submission != submission:
        prepared = prepare_tip(session, keyring, submission)
    classification, route, tip, receipt = (
        prepared.classification,
        prepared.route,
        prepared.tip,
        prepared.receipt,
    )
    tip_number = tip.tip_number
    language = submission.language or classification.language
    if language in ("und", ""):
        language = "en"
    event_ref = _event_key(keyring, submission)
    if event_ref is not None and not event_checked:
        existing = find_event(session, *event_ref)
        expired = existing is not None and existing.received_at <= utcnow() - IDEMPOTENCY_TTL
        if existing is not None and expired and _is_client_key(submission):
            # A client's key starts a new tip after a day; the old record and its sealed
            # receipt go (a provider's event id never expires: redeliveries come for days).
            session.delete(existing)
            session.flush()
            existing = None
        if existing is not None:
            return _replay(session, keyring, existing, submission)

    now = prepared.now
    resolved = resolve_reporter(
        session,
        keyring,
        submission.channel,
        submission.sender,
        submission.contact,
        language=language,
        default_region=default_region,
        now=now,
        found=found_reporter,
    )
    reporter = resolved.reporter
    if reporter is not None and resolved.is_new and submission.contact is not None:
        reporter.notify_by = submission.contact.notify_by
    tip.language = language
    tip.reporter = reporter
    session.add(tip)
    if event_ref is not None:
        replay = None
        if submission.idempotency_key and event_ref[0] in ("web", "api"):
            digest = request_digest(keyring, event_ref[1], submission)
            replay = _ClientReplay(keyring, submission.idempotency_key, receipt, digest)
        session.flush()  # the event row refers to the tip row
        if not _claim_event(session, *event_ref, tip_id=tip.id, replay=replay):
            # A concurrent request with the same event committed first: take this tip back
            # (nothing else is written yet) and answer as for a redelivery.
            session.delete(tip)
            if resolved.is_new and reporter is not None:
                session.delete(reporter)
            session.flush()
            existing = find_event(session, *event_ref)
            assert existing is not None
            return _replay(session, keyring, existing, submission)
    refresh_reporter(keyring, resolved, language, now)
    add_tokens(session, tip, "narrative", prepared.narrative_tokens)
    add_tokens(session, tip, "location", prepared.location_tokens)
    budget = PixelBudget()  # one for all the photos of this submission
    for image in submission.images:
        try:
            attach_image(session, keyring, tip, image, budget=budget)
        except AttachmentError:
            raise InvalidInputError(
                fields={
                    "photo": ["This file is not a photo we can accept (JPEG, PNG, WebP or HEIC)."]
                }
            ) from None

    if tip.urgency in ALERTING_URGENCIES:
        enqueue_supervisor_alert(
            session, tip, reason=alert_reason(tip.urgency), queue_code=route.queue_code
        )
    # Someone on call must acknowledge it, or the next tier is told.
    raise_alert(
        session, tip, reason="new urgent tip", supervisors_told=tip.urgency in ALERTING_URGENCIES
    )
    record_event(
        session,
        "tip.submitted",
        actor_kind="tipster",
        tip_id=tip.id,
        details={
            "channel": tip.channel,
            "queue": route.queue_code,
            "category": tip.category_code,
            "urgency": tip.urgency,
        },
    )
    log.info(
        "tip %s submitted channel=%s queue=%s urgency=%s",
        tip.tip_number,
        tip.channel,
        route.queue_code,
        tip.urgency,
    )
    return tip, SubmittedTip(
        tip.id,
        tip_number,
        receipt,
        False,
        tip.category_code,
        tip.urgency,
        language,
        route.queue_code,
    )


# --- coming back with the receipt ---------------------------------------------------------------


def find_tip_by_receipt(session: Session, keyring: Keyring, tip_number: str, receipt: str) -> Tip:
    """The tip if the receipt matches; one NotFoundError for every failure, so none leaks which."""
    number = normalise_tip_number(tip_number) or "0000-0000"
    code = normalise_receipt(receipt) or ""
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    # The digest is computed even for an unknown number so both failures take the same time.
    digest = crypto.receipt_digest(keyring, number, code)
    stored = tip.receipt_digest if tip is not None else b"\0" * 32
    if tip is None or not code or not hmac.compare_digest(digest, stored):
        raise NotFoundError("No tip matches this tip number and receipt.")
    return tip


@dataclass(frozen=True)
class ThreadMessage:
    """A message as the tipster sees it."""

    direction: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class TipStatus:
    """What a tipster may see about their tip."""

    tip_number: str
    status: str
    created_at: datetime
    updated_at: datetime
    urgency: str
    messages: tuple[ThreadMessage, ...]


def tip_status(keyring: Keyring, tip: Tip) -> TipStatus:
    """The tipster's view of a tip: public status and the thread, nothing internal."""
    messages = tuple(
        ThreadMessage(m.direction, m.body.read(keyring), m.created_at)
        for m in tip.messages
        if m.direction in ("inbound", "outbound")
    )
    return TipStatus(
        tip.tip_number,
        PUBLIC_STATUS.get(tip.status, "received"),
        tip.created_at,
        tip.updated_at,
        tip.urgency,
        messages,
    )


def claim_followup_key(session: Session, keyring: Keyring, tip: Tip, key: str | None) -> bool:
    """Record a web follow-up's one-time form key; False when that form was already sent."""
    if not key:
        return True
    digest = crypto.keyed_digest(keyring, "idempotency", f"followup:{tip.id}:{key}")
    return _claim_event(session, "web-followup", digest, tip_id=tip.id)


def add_followup(
    session: Session,
    keyring: Keyring,
    tip: Tip,
    body: str,
    *,
    channel: str,
    provider: str | None = None,
    provider_message_id: str | None = None,
    images: tuple[bytes, ...] = (),
    now: datetime | None = None,
    tokens: frozenset[bytes] | None = None,
) -> Message:
    """Add the tipster's message to a tip's thread; escalates the tip if it reports danger now.

    ``now`` becomes the tip's last tipster activity (a caller that marks the reporter with the
    same instant passes it). ``tokens``: the body's blind tokens, computed beforehand
    (:func:`intake.search.index.tokens_of`).
    """
    if not body.strip() and not images:
        raise InvalidInputError(fields={"body": ["Write a message."]})
    if len(body) > NARRATIVE_MAX:
        raise InvalidInputError(fields={"body": [f"Keep it under {NARRATIVE_MAX} characters."]})
    message = Message(
        tip=tip,
        direction="inbound",
        channel=channel,
        provider=provider,
        provider_message_id=provider_message_id,
        delivery_status="received",
    )
    message.body.seal(keyring, body)
    session.add(message)
    index_text(session, keyring, tip, "followup", body, tokens=tokens)
    budget = PixelBudget()  # one for all the photos of this message
    for image in images:
        try:
            attach_image(session, keyring, tip, image, message_id=message.id, budget=budget)
        except AttachmentError:
            raise InvalidInputError(
                fields={
                    "photo": ["This file is not a photo we can accept (JPEG, PNG, WebP or HEIC)."]
                }
            ) from None
    now = now or utcnow()
    tip.last_tipster_activity_at = now
    tip.updated_at = now
    mark_tipster_wrote(session, tip, now)
    urgency, evidence = reassess_urgency(body, tip.language)
    escalated = URGENCY_RANK[urgency] < tip.urgency_rank
    if escalated:
        tip.urgency, tip.urgency_rank = urgency, URGENCY_RANK[urgency]
        found = tip.evidence.read(keyring)
        found["urgency"] = sorted({*found["urgency"], *evidence})
        tip.evidence.seal(keyring, found)
        if urgency in ALERTING_URGENCIES:
            reason = alert_reason(urgency, followup=True)
            enqueue_supervisor_alert(session, tip, reason=reason)
        raise_alert(
            session,
            tip,
            reason="a follow-up escalated it",
            supervisors_told=urgency in ALERTING_URGENCIES,
        )
    record_event(
        session,
        "tip.followup",
        actor_kind="tipster",
        tip_id=tip.id,
        details={"channel": channel, "escalated_to": urgency if escalated else None},
    )
    return message


def locate_tip(session: Session, keyring: Keyring, tip: Tip, lat: float, lon: float) -> bool:
    """Give a tip without a point the location its tipster shared later, and route it there
    while it is new; True when the tip moved. A tip someone already works stays in its queue:
    only a supervisor moves it."""
    if tip.has_point or tip.status != "new":
        return False
    route = route_tip(
        session,
        category_code=tip.category_code,
        lat=lat,
        lon=lon,
        location_text=None,
        point_kind="shared",
    )
    old_queue = tip.queue.code
    tip.set_point(keyring, route.lat, route.lon)
    tip.location_source = route.location_source
    tip.district_id, tip.queue_id = route.district_id, route.queue_id
    tip.routing_reason.seal(keyring, route.reason)
    session.flush()
    session.expire(tip, ["queue"])  # the relationship still holds the old queue object
    record_event(
        session,
        "tip.located",
        actor_kind="tipster",
        tip_id=tip.id,
        details={"from_queue": old_queue, "to_queue": route.queue_code},
    )
    return True
