"""The audit log as supervisors page through and export it (the chain itself is
:mod:`intake.audit.service`).

An event about a tip in a queue the viewer may not see keeps its place and time but nothing else,
so the chain shows no gap and reveals nothing. Reading the log is itself audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.audit.service import record_event
from intake.errors import ForbiddenError, InvalidInputError
from intake.identity.rules import REVEAL_ACTIONS
from intake.models import AuditEvent, Tip, User
from intake.queues.service import (
    hidden_queue_ids,
    hidden_tip_numbers,
    names_hidden,
    sees_every_queue,
    supervises,
    visible_queues,
)
from intake.submissions.rules import normalise_tip_number
from intake.tips.service import HistoryEntry, find_tip, usernames


@dataclass(frozen=True)
class AuditPage:
    """A page of the audit log, newest first."""

    items: list[HistoryEntry]
    tip_numbers: dict[int, str]
    next_before: int | None


# What a viewer sees of an event about a tip outside their queues: that something happened to
# some tip, when, and its place in the chain (no action, actor, tip number or details).
RESTRICTED_ACTION = "restricted"
AUDIT_VIEWS = ("all", "reveals")


def list_audit(
    session: Session,
    user: User,
    *,
    tip_number: str | None = None,
    before: int | None = None,
    limit: int = 100,
    view: str = "all",
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    hide_actions: Iterable[str] = (),
) -> AuditPage:
    """The audit log (supervising roles), optionally of one tip or only reveals; pages by seq.

    Filters: ``actor`` (a username: events by that user; an unknown name matches nothing),
    ``action``, ``since``/``until`` (aware datetimes, ``until`` exclusive) and ``hide_actions``
    (the page hides every opening of a tip unless asked).

    An event about a tip in a queue the viewer may not see (oversight's, for a supervisor)
    keeps its place and time but nothing else, so the chain shows no gap and reveals nothing;
    under an ``actor`` or ``action`` filter it is left out (its place would name either).
    """
    if not supervises(user):
        raise ForbiddenError()
    if view not in AUDIT_VIEWS:
        raise InvalidInputError(fields={"view": ["Unknown view."]})
    limit = max(1, min(limit, 500))
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit + 1)
    hidden_queues = hidden_queue_ids(session, user)
    if tip_number:
        query = query.where(AuditEvent.tip_id == find_tip(session, user, tip_number).id)
    if view == "reveals":
        # Only reveals of tips this viewer sees: no placeholders in a filtered view. The smaller
        # side of the split is the subquery (oversight's tips, or the viewer's queues' tips).
        query = query.where(AuditEvent.action.in_(REVEAL_ACTIONS))
        if sees_every_queue(user) and hidden_queues:
            outside = select(Tip.id).where(Tip.queue_id.in_(hidden_queues))
            query = query.where(AuditEvent.tip_id.not_in(outside.scalar_subquery()))
        elif not sees_every_queue(user):
            visible_ids = [q.id for q in visible_queues(session, user)]
            inside = select(Tip.id).where(Tip.queue_id.in_(visible_ids))
            query = query.where(AuditEvent.tip_id.in_(inside.scalar_subquery()))
    if actor:
        actor_id = (
            session.scalar(select(User.id).where(User.username == actor))
            if "\0" not in actor  # no username holds a NUL (nor can PostgreSQL's text)
            else None
        )
        query = query.where(AuditEvent.actor_user_id == (actor_id if actor_id is not None else -1))
    if action:
        query = query.where(AuditEvent.action == action)
    elif hidden := tuple(hide_actions):
        query = query.where(AuditEvent.action.not_in(hidden))
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if until is not None:
        query = query.where(AuditEvent.created_at < until)
    if before is not None:
        query = query.where(AuditEvent.seq < before)
    events = list(session.scalars(query))
    next_before = None
    if len(events) > limit:
        events = events[:limit]
        next_before = events[-1].seq
    tip_ids = {e.tip_id for e in events if e.tip_id is not None}
    tips = (
        {
            row.id: row
            for row in session.execute(
                select(Tip.id, Tip.tip_number, Tip.queue_id).where(Tip.id.in_(tip_ids))
            )
        }
        if tip_ids
        else {}
    )
    # An event may name a tip in its details (an audit export of one tip, a link's other tip):
    # look those up too.
    hidden_numbers = hidden_tip_numbers(session, user, events, hidden_queues)

    def restricted(event: AuditEvent) -> bool:
        tip = tips.get(event.tip_id) if event.tip_id is not None else None
        if tip is not None and tip.queue_id in hidden_queues:
            return True
        return names_hidden(event.details or {}, hidden_numbers)

    shown = [e for e in events if not restricted(e)]
    if actor or action:
        # Under a staff-member or action filter a placeholder would say who acted, or what was
        # done, outside the viewer's queues (oversight's reveals): filtered pages show none.
        events = shown
    shown_seqs = {e.seq for e in shown}
    names = usernames(session, (e.actor_user_id for e in shown))
    items = [
        HistoryEntry(
            seq=e.seq,
            created_at=e.created_at,
            action=e.action,
            actor_kind=e.actor_kind,
            actor=names.get(e.actor_user_id) if e.actor_user_id else None,
            details=dict(e.details or {}),
        )
        if e.seq in shown_seqs
        else HistoryEntry(
            seq=e.seq,
            created_at=e.created_at,
            action=RESTRICTED_ACTION,
            actor_kind=RESTRICTED_ACTION,
            actor=None,
            details={},
        )
        for e in events
    ]
    by_seq = {
        e.seq: tips[e.tip_id].tip_number for e in shown if e.tip_id is not None and e.tip_id in tips
    }
    record_event(
        session,
        "audit.exported",
        actor_kind="user",
        actor_user_id=user.id,
        details={
            "tip": normalise_tip_number(tip_number) if tip_number else None,
            "view": view,
            "count": len(items),
        },
    )
    return AuditPage(items, by_seq, next_before)
