"""One tip in the detective workspace: find it, view it, claim, change, assign, note, reply.

A tip outside what the caller may see (:func:`intake.queues.service.visible_queues`) is
NotFoundError, exactly as if it did not exist. No function here returns a tipster's identity, its
blind index or the reporter id (that is :func:`intake.identity.reveal.reveal_identity`).

Every view of a tip, change, reply and download appends an audit event (last, as the audit service
asks). Functions flush; the request commits.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.attachments.service import read_attachment
from intake.audit.service import record_event, savepoint
from intake.crypto import Keyring
from intake.errors import (
    ConflictError,
    ForbiddenError,
    IntakeError,
    InvalidInputError,
    NotFoundError,
)
from intake.identity.rules import REVEAL_ACTIONS
from intake.lifecycle.service import is_held
from intake.models import (
    URGENCY_RANK,
    Attachment,
    AuditEvent,
    Category,
    Message,
    Note,
    Queue,
    Tip,
    TipCorrection,
    User,
    utcnow,
)
from intake.oncall.service import tip_changed
from intake.outbound.service import enqueue_reply
from intake.queues.rules import WORKSPACE_ROLES
from intake.queues.service import (
    hidden_tip_numbers,
    may_see,
    names_hidden,
    supervises,
)
from intake.search.index import index_text, move_tokens
from intake.submissions.rules import normalise_tip_number

# Found below this module (the legal hold and on-call acknowledgement use it without the workflow);
# the workspace's pages and features call it through here.
from intake.tips.find import find_tip as find_tip
from intake.tips.rules import DISPOSITIONS, NOTE_MAX, REPLY_MAX, TransitionError, check_transition
from intake.workspace.service import mark_staff_answered

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ThreadEntry:
    """A message of the thread as staff see it."""

    direction: str
    channel: str
    created_at: datetime
    body: str
    delivery_status: str
    delivery_error: str | None
    author: str | None


@dataclass(frozen=True)
class NoteEntry:
    """An internal note."""

    author: str | None
    created_at: datetime
    body: str


@dataclass(frozen=True)
class AttachmentEntry:
    """An attachment's metadata (the bytes are downloaded separately)."""

    id: uuid.UUID
    content_type: str
    size_bytes: int
    sha256: str
    created_at: datetime
    from_message: bool


@dataclass(frozen=True)
class HistoryEntry:
    """An audit event of the tip."""

    seq: int
    created_at: datetime
    action: str
    actor_kind: str
    actor: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class TipDetail:
    """Everything staff may see about a tip. Never the identity."""

    tip_number: str
    channel: str
    language: str
    status: str
    disposition: str | None
    rms_case_number: str | None
    queue: str
    queue_name: str
    district: str | None
    routing_reason: str
    category: str
    category_confidence: float
    category_evidence: list[Any]
    category_runners_up: list[Any]
    is_classifier_unsure: bool
    urgency: str
    urgency_evidence: list[Any]
    narrative: str
    location_text: str | None
    lat: float | None
    lon: float | None
    location_source: str | None
    occurred_at: datetime | None
    source_platform: str | None
    has_source_url: bool
    source_posted_at: datetime | None
    assignee: str | None
    has_contact: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    # The data lifecycle (intake/lifecycle): a held tip is never shredded; a shredded one is a
    # tombstone whose sealed fields read as empty.
    legal_hold: bool = False
    content_shredded: bool = False
    messages: list[ThreadEntry] = field(default_factory=list)
    notes: list[NoteEntry] = field(default_factory=list)
    attachments: list[AttachmentEntry] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)


def usernames(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Each user id's username (None skipped), in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all())


def tip_history(session: Session, tip: Tip, *, viewer: User) -> list[HistoryEntry]:
    """The tip's audit events, oldest first (reveal reasons only for supervisors)."""
    events = list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.tip_id == tip.id).order_by(AuditEvent.seq)
        )
    )
    names = usernames(session, (e.actor_user_id for e in events))
    hidden = hidden_tip_numbers(session, viewer, events)
    entries = []
    for event in events:
        details = dict(event.details or {})
        if names_hidden(details, hidden):
            continue  # a link to a tip the viewer may not see: not even that it exists
        if event.action in REVEAL_ACTIONS and not supervises(viewer):
            details = {}
        entries.append(
            HistoryEntry(
                seq=event.seq,
                created_at=event.created_at,
                action=event.action,
                actor_kind=event.actor_kind,
                actor=names.get(event.actor_user_id) if event.actor_user_id else None,
                details=details,
            )
        )
    return entries


def view_tip(session: Session, keyring: Keyring, user: User, tip_number: str) -> TipDetail:
    """A tip's full picture for staff; records that the user viewed it."""
    tip = find_tip(session, user, tip_number)
    record_event(session, "tip.viewed", actor_kind="user", actor_user_id=user.id, tip_id=tip.id)
    return _detail(session, keyring, user, tip)


def case_summary(
    session: Session, keyring: Keyring, user: User, tip_number: str, *, with_notes: bool
) -> TipDetail:
    """What the printable case summary shows (audited as printed); the notes only if asked.
    A TipDetail holds no identity: only whether there is a contact."""
    tip = find_tip(session, user, tip_number)
    record_event(
        session,
        "tip.summary_printed",
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={"notes": with_notes},
    )
    return _detail(session, keyring, user, tip, with_notes=with_notes)


def _detail(
    session: Session, keyring: Keyring, user: User, tip: Tip, *, with_notes: bool = True
) -> TipDetail:
    """The tip page's content; ``with_notes=False`` leaves the notes unread (never decrypted)."""
    notes = (
        list(session.scalars(select(Note).where(Note.tip_id == tip.id).order_by(Note.created_at)))
        if with_notes
        else []
    )
    names = usernames(
        session,
        [
            tip.assignee_id,
            *(m.author_user_id for m in tip.messages),
            *(n.author_user_id for n in notes),
        ],
    )
    point, evidence = tip.point.read(keyring), tip.evidence.read(keyring)
    return TipDetail(
        rms_case_number=tip.rms_case_number,
        tip_number=tip.tip_number,
        channel=tip.channel,
        language=tip.language,
        status=tip.status,
        disposition=tip.disposition,
        queue=tip.queue.code,
        queue_name=tip.queue.name,
        district=tip.district.code if tip.district is not None else None,
        routing_reason=tip.routing_reason.read(keyring),
        category=tip.category_code,
        category_confidence=tip.category_confidence,
        category_evidence=evidence["category"],
        category_runners_up=list(tip.category_runners_up or []),
        is_classifier_unsure=tip.is_classifier_unsure,
        urgency=tip.urgency,
        urgency_evidence=evidence["urgency"],
        narrative=tip.narrative.read(keyring),
        location_text=tip.location_text.read(keyring),
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        location_source=tip.location_source,
        occurred_at=tip.occurred_at,
        source_platform=tip.source_platform,
        # A post's link names its author: it is revealed like an identity, never listed.
        has_source_url=tip.source_url_ct is not None,
        source_posted_at=tip.source_posted_at,
        assignee=names.get(tip.assignee_id) if tip.assignee_id else None,
        # Whether a reply can reach the tipster; says nothing about who they are.
        has_contact=tip.reporter_id is not None,
        created_at=tip.created_at,
        updated_at=tip.updated_at,
        closed_at=tip.closed_at,
        legal_hold=is_held(session, tip),
        content_shredded=tip.wrapped_key is None,
        messages=[
            ThreadEntry(
                direction=m.direction,
                channel=m.channel,
                created_at=m.created_at,
                body=m.body.read(keyring),
                delivery_status=m.delivery_status,
                delivery_error=m.delivery_error,
                author=names.get(m.author_user_id) if m.author_user_id else None,
            )
            for m in tip.messages
        ],
        notes=[
            NoteEntry(
                author=names.get(n.author_user_id) if n.author_user_id else None,
                created_at=n.created_at,
                body=n.body.read(keyring),
            )
            for n in notes
        ],
        attachments=[
            AttachmentEntry(
                id=a.id,
                content_type=a.content_type,
                size_bytes=a.size_bytes,
                sha256=a.sha256,
                created_at=a.created_at,
                from_message=a.message_id is not None,
            )
            for a in tip.attachments
        ],
        history=tip_history(session, tip, viewer=user),
    )


def download_attachment(
    session: Session,
    keyring: Keyring,
    user: User,
    tip_number: str,
    attachment_id: str,
    *,
    action: str = "attachment.downloaded",
) -> tuple[Attachment, bytes]:
    """An attachment's decrypted bytes; the download (or the view, ``action``) is audited."""
    tip = find_tip(session, user, tip_number)
    try:
        wanted = uuid.UUID(attachment_id)
    except ValueError:
        raise NotFoundError("No such attachment.") from None
    attachment = session.get(Attachment, wanted)
    if attachment is None or attachment.tip_id != tip.id:
        raise NotFoundError("No such attachment.")
    data = read_attachment(keyring, attachment)
    record_event(
        session,
        action,
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={"attachment": attachment.id.hex},
    )
    return attachment, data


# --- workflow ----------------------------------------------------------------------------------


def mark_first_response(tip: Tip, at: datetime) -> None:
    """Record the first staff action on a tip (the public statistics' response time)."""
    if tip.first_response_at is None:
        tip.first_response_at = at


def claim_tip(session: Session, user: User, tip_number: str) -> Tip:
    """Make the user the tip's assignee; a new or triaged tip becomes assigned."""
    tip = find_tip(session, user, tip_number)
    if tip.status == "closed":
        raise ConflictError("This tip is closed.")
    if tip.assignee_id not in (None, user.id) and not supervises(user):
        raise ConflictError("Another detective has claimed this tip.")
    previous = tip.assignee_id
    tip.assignee_id = user.id
    tip.assigned_at = utcnow()
    mark_first_response(tip, tip.assigned_at)
    old_status = tip.status
    if tip.status in ("new", "triaged"):
        tip.status = "assigned"
    tip.updated_at = utcnow()
    session.flush()
    record_event(
        session,
        "tip.claimed",
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={"previous_assignee": previous, "from": old_status, "to": tip.status},
    )
    return tip


@dataclass(frozen=True)
class TipChange:
    """What a PATCH asks for; None means unchanged."""

    status: str | None = None
    disposition: str | None = None
    category: str | None = None
    queue: str | None = None
    reason: str | None = None
    urgency: str | None = None
    rms_case_number: str | None = None  # "" clears it


def _record_correction(
    session: Session, user: User, tip: Tip, field: str, old: str, new: str
) -> None:
    # Kept with the tip (who, when, old, new) for `flask intake classify retrain` to learn from.
    session.add(
        TipCorrection(tip_id=tip.id, field=field, old_value=old, new_value=new, user_id=user.id)
    )


CASE_NUMBER_MAX = 40
_CASE_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./#:_-]*")


def normalise_case_number(value: str) -> str | None:
    """A records-system case number as stored ("" or spaces clear it); InvalidInputError when it
    is longer than 40 characters or holds anything but letters, digits, spaces and . / # : _ -."""
    case = " ".join(value.split())
    if not case:
        return None
    if len(case) > CASE_NUMBER_MAX or not _CASE_NUMBER.fullmatch(case):
        raise InvalidInputError(
            fields={
                "rms_case_number": [
                    f"Use at most {CASE_NUMBER_MAX} letters, digits, spaces and . / # : _ -."
                ]
            }
        )
    return case


def update_tip(
    session: Session, keyring: Keyring, user: User, tip_number: str, change: TipChange
) -> Tip:
    """Change a tip's status, category, urgency or queue; each change is audited with old and
    new, and a category or urgency change is kept as a correction."""
    tip = find_tip(session, user, tip_number)
    if change.queue is None and change.reason is not None and change.status is None:
        raise InvalidInputError(fields={"queue": ["Say which queue to move the tip to."]})
    if not (
        change.status
        or change.category
        or change.queue
        or change.urgency
        or change.rms_case_number is not None
    ):
        raise InvalidInputError("Nothing to change.")
    now = utcnow()
    events: list[tuple[str, dict[str, Any]]] = []
    old_urgency = tip.urgency

    if change.category and change.category != tip.category_code:
        if session.get(Category, change.category) is None:
            raise InvalidInputError(fields={"category": ["Unknown category."]})
        events.append(("tip.category_changed", {"from": tip.category_code, "to": change.category}))
        _record_correction(session, user, tip, "category", tip.category_code, change.category)
        tip.category_code = change.category

    if change.urgency and change.urgency != tip.urgency:
        if change.urgency not in URGENCY_RANK:
            raise InvalidInputError(fields={"urgency": ["Unknown urgency."]})
        events.append(("tip.urgency_changed", {"from": tip.urgency, "to": change.urgency}))
        _record_correction(session, user, tip, "urgency", tip.urgency, change.urgency)
        tip.urgency, tip.urgency_rank = change.urgency, URGENCY_RANK[change.urgency]

    if change.rms_case_number is not None:
        case = normalise_case_number(change.rms_case_number)
        if case != tip.rms_case_number:
            events.append(("tip.case_number_set", {"from": tip.rms_case_number, "to": case}))
            tip.rms_case_number = case

    if change.queue and change.queue != tip.queue.code:
        if not supervises(user):
            raise ForbiddenError("Only a supervisor can move a tip to another queue.")
        reason = (change.reason or "").strip()
        if not reason:
            raise InvalidInputError(fields={"reason": ["Say why the tip moves."]})
        code = change.queue or ""
        target = (
            session.scalar(select(Queue).where(Queue.code == code)) if "\0" not in code else None
        )
        if target is None:
            raise InvalidInputError(fields={"queue": ["Unknown queue."]})
        moved: dict[str, Any] = {"from": tip.queue.code, "to": target.code, "reason": reason[:300]}
        if tip.assignee_id is not None:
            # Its detective is told where it went instead of finding a bare 404.
            moved["previous_assignee"] = tip.assignee_id
        events.append(("tip.rerouted", moved))
        tip.queue = target
        move_tokens(session, tip, target.id)
        tip.routing_reason.seal(keyring, f"moved by a supervisor: {reason}")
        # The old queue's detective may not work the new queue: the tip waits to be claimed.
        if tip.status in ("assigned", "investigating"):
            events.append(("tip.status_changed", {"from": tip.status, "to": "triaged"}))
            tip.status = "triaged"
        tip.assignee_id = None

    if change.status:
        try:
            check_transition(
                tip.status, change.status, role=user.role, disposition=change.disposition
            )
        except TransitionError as error:
            raise ConflictError(str(error)) from None
        details: dict[str, Any] = {"from": tip.status, "to": change.status}
        if change.status == "closed":
            tip.disposition = change.disposition
            tip.closed_at = now
            details["disposition"] = change.disposition
        elif tip.status == "closed":
            tip.disposition = None
            tip.closed_at = None
        if change.status == "assigned" and tip.assignee_id is None:
            tip.assignee_id = user.id
            tip.assigned_at = now
        tip.status = change.status
        events.append(("tip.status_changed", details))
        mark_first_response(tip, now)

    tip.updated_at = now
    session.flush()
    for action, details in events:
        record_event(
            session,
            action,
            actor_kind="user",
            actor_user_id=user.id,
            tip_id=tip.id,
            details=details,
        )
    # Made urgent: the on-call chain starts; made not urgent or closed: the open alert ends.
    tip_changed(session, tip, user, old_urgency=old_urgency)
    return tip


def assign_tip(session: Session, user: User, tip_number: str, assignee: str) -> Tip:
    """Make ``assignee`` (a username) the tip's assignee: supervisors, to someone who works the
    tip's queue; assigning oneself is :func:`claim_tip`. A new or triaged tip becomes assigned."""
    if assignee == user.username:
        return claim_tip(session, user, tip_number)
    if not supervises(user):
        raise ForbiddenError("Only a supervisor can assign a tip to someone else.")
    tip = find_tip(session, user, tip_number)
    if tip.status == "closed":
        raise ConflictError("This tip is closed.")
    person = (
        session.scalar(select(User).where(User.username == assignee, User.is_active))
        if "\0" not in assignee
        else None
    )
    if person is None or person.role not in WORKSPACE_ROLES or not may_see(person, tip.queue):
        raise InvalidInputError(fields={"assignee": ["This person does not work this queue."]})
    previous, old_status = tip.assignee_id, tip.status
    now = utcnow()
    tip.assignee_id, tip.assigned_at = person.id, now
    mark_first_response(tip, now)
    if tip.status in ("new", "triaged"):
        tip.status = "assigned"
    tip.updated_at = now
    session.flush()
    record_event(
        session,
        "tip.assigned",
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={
            "previous_assignee": previous,
            "assignee": person.id,
            "from": old_status,
            "to": tip.status,
        },
    )
    return tip


#: The most tips one bulk action changes (a page holds at most PAGE_MAX).
BULK_MAX = 200
BULK_ACTIONS = ("claim", "assign", "reroute", "close")
# What a page says was done, per action.
BULK_DONE = {"claim": "Claimed", "assign": "Assigned", "reroute": "Moved", "close": "Closed"}


@dataclass(frozen=True)
class BulkAction:
    """What to do to every selected tip, and the target the action needs."""

    action: str
    assignee: str | None = None  # assign
    queue: str | None = None  # reroute
    reason: str | None = None  # reroute
    disposition: str | None = None  # close


@dataclass(frozen=True)
class BulkOutcome:
    """What became of one tip of a bulk action: done, or refused with the single action's error.

    A tip outside the caller's queues is refused exactly like a number no tip has.
    """

    tip_number: str
    is_done: bool
    code: str | None = None
    message: str | None = None
    fields: dict[str, Any] | None = None


def bulk_change(
    session: Session,
    keyring: Keyring,
    user: User,
    tip_numbers: list[str],
    change: BulkAction,
) -> list[BulkOutcome]:
    """Claim, assign, re-route or close each tip, one at a time, through the single-tip action
    (same access rules, same audit events); each tip in its own savepoint, so a refused tip
    changes nothing and the others still happen. The request commits."""
    if change.action not in BULK_ACTIONS:
        raise InvalidInputError(fields={"action": ["Unknown action."]})
    normalised = [normalise_tip_number(n) for n in tip_numbers]
    numbers = list(dict.fromkeys(n for n in normalised if n is not None))
    if any(n is None for n in normalised):
        raise InvalidInputError(fields={"tip_numbers": ["These are not all tip numbers."]})
    if not numbers or len(numbers) > BULK_MAX:
        raise InvalidInputError(fields={"tip_numbers": [f"Choose 1 to {BULK_MAX} tips."]})
    if change.action in ("assign", "reroute") and not supervises(user):
        raise ForbiddenError("Only a supervisor can assign tips to others or move them.")
    if change.action == "assign" and not change.assignee:
        raise InvalidInputError(fields={"assignee": ["Choose who gets the tips."]})
    if change.action == "reroute" and not (change.queue and (change.reason or "").strip()):
        raise InvalidInputError(fields={"queue": ["Choose a queue and say why the tips move."]})
    if change.action == "close" and change.disposition not in DISPOSITIONS:
        raise InvalidInputError(fields={"disposition": ["Closing tips needs a disposition."]})

    def apply(number: str) -> None:
        if change.action == "claim":
            claim_tip(session, user, number)
        elif change.action == "assign":
            assign_tip(session, user, number, change.assignee or "")
        elif change.action == "reroute":
            update_tip(
                session, keyring, user, number, TipChange(queue=change.queue, reason=change.reason)
            )
        else:
            update_tip(
                session,
                keyring,
                user,
                number,
                TipChange(status="closed", disposition=change.disposition),
            )

    outcomes = []
    for number in numbers:
        try:
            with savepoint(session):
                apply(number)
        except IntakeError as error:
            outcomes.append(
                BulkOutcome(number, False, error.code, error.message, error.fields or None)
            )
        else:
            outcomes.append(BulkOutcome(number, True))
    done = sum(o.is_done for o in outcomes)
    log.info(
        "bulk %s by user %s: %d done, %d refused",
        change.action,
        user.id,
        done,
        len(outcomes) - done,
    )
    return outcomes


def bulk_summary(outcomes: list[BulkOutcome]) -> dict[str, Any]:
    """A bulk action's answer: per-tip outcomes and the totals."""
    done = sum(o.is_done for o in outcomes)
    return {"results": outcomes, "done": done, "refused": len(outcomes) - done}


def add_note(session: Session, keyring: Keyring, user: User, tip_number: str, body: str) -> Note:
    """An internal note (sealed under the tip's key); never shown to the tipster."""
    tip = find_tip(session, user, tip_number)
    body = body.strip()
    if not body or len(body) > NOTE_MAX:
        raise InvalidInputError(
            fields={"body": [f"Write a note of at most {NOTE_MAX} characters."]}
        )
    note = Note(tip=tip, tip_id=tip.id, author_user_id=user.id, created_at=utcnow())
    note.body.seal(keyring, body)
    session.add(note)
    session.flush()
    index_text(session, keyring, tip, "note", body)
    record_event(session, "tip.note_added", actor_kind="user", actor_user_id=user.id, tip_id=tip.id)
    return note


def send_reply(
    session: Session, keyring: Keyring, user: User, tip_number: str, body: str
) -> Message:
    """A message to the tipster: through the outbox on their channel, or read with the receipt."""
    tip = find_tip(session, user, tip_number)
    body = body.strip()
    if not body or len(body) > REPLY_MAX:
        raise InvalidInputError(
            fields={"body": [f"Write a reply of at most {REPLY_MAX} characters."]}
        )
    if tip.channel not in ("web", "api") and tip.reporter_id is None:
        raise ConflictError("This tipster left no way to reach them.")
    now = utcnow()
    message = Message(
        tip=tip,
        direction="outbound",
        author_user_id=user.id,
        channel=tip.channel,
        delivery_status="pending",
        created_at=now,
    )
    message.body.seal(keyring, body)
    session.add(message)
    session.flush()
    index_text(session, keyring, tip, "reply", body)
    enqueue_reply(session, tip, message)
    tip.updated_at = now
    mark_first_response(tip, now)
    mark_staff_answered(session, tip)
    session.flush()
    record_event(
        session,
        "tip.replied",
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={"channel": tip.channel, "delivery": message.delivery_status},
    )
    log.info("tip %s reply queued channel=%s", tip.tip_number, tip.channel)
    return message
