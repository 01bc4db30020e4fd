"""On-call: the roster, each person's route, urgent alerts, their escalation and acknowledgement.

An urgent tip (emergency or possible emergency, or one a follow-up or a correction made so)
raises an :class:`UrgentAlert`. Step 1 tells tier 1 of the tip's queue at once; each
``URGENT_ACK_SECONDS`` without an acknowledgement the sweep (run by every outbox worker cycle)
tells the next tier. Every step is a row unique per (alert, step), so several workers sweeping at
once send each step once; every step and the acknowledgement are audited. Notices say which tip,
which queue, how urgent and where to look: never the narrative or anything about the tipster.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import phonenumbers
from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.audit.service import record_event
from intake.config import Settings
from intake.crypto import Keyring
from intake.errors import ConflictError, InvalidInputError, NotFoundError
from intake.models import (
    AlertStep,
    NotifyRoute,
    OnCallMember,
    OutboxMessage,
    Queue,
    Tip,
    UrgentAlert,
    User,
    utcnow,
)
from intake.models.oncall import NOTIFY_KINDS
from intake.oncall.rules import (
    NO_ROSTER_TIER,
    URGENT_LEVELS,
    Step,
    check_tier,
    is_urgent,
    next_step,
    tier_for_step,
)
from intake.outbound.service import enqueue_oncall_notice, enqueue_supervisor_alert
from intake.queues.service import visible_queues as workspace_visible_queues
from intake.tips.find import find_tip

log = logging.getLogger(__name__)

URGENT_EVENT = "tip.urgent"
CHANNELS = {"sms": "oncall_sms", "email": "oncall_email", "webhook": "oncall_webhook"}
ALERT_KINDS = ("notification", "oncall")


class RosterError(InvalidInputError):
    """A roster change that cannot be made (unknown queue or user, a user who may not see it)."""


# --- the roster ---------------------------------------------------------------------------------


def visible_queues(session: Session, user: User) -> list[Queue]:
    """The queues ``user`` sees: the workspace's one visibility rule."""
    return workspace_visible_queues(session, user)


def may_be_paged(session: Session, user: User, queue: Queue) -> bool:
    """Whether ``user`` may be told about tips of ``queue`` (the workspace's visibility rule)."""
    return user.is_active and any(q.id == queue.id for q in visible_queues(session, user))


def _queue(session: Session, code: str) -> Queue:
    queue = session.scalar(select(Queue).where(Queue.code == code))
    if queue is None:
        raise RosterError(f"No queue {code!r}.")
    return queue


def set_tier(
    session: Session, queue_code: str, tier: int, usernames: Sequence[str], *, actor: User | None
) -> list[User]:
    """Make ``usernames`` the people of one tier of a queue's roster (replacing who was there).

    Everyone must be an active user who may see the queue: the oversight queue's roster is
    oversight users only, so a complaint about an officer is never paged to their colleagues.
    """
    try:
        check_tier(tier)
    except ValueError as error:
        raise RosterError(str(error)) from None
    if not usernames:
        raise RosterError("Name at least one user (or clear the tier).")
    queue = _queue(session, queue_code)
    users = []
    for name in dict.fromkeys(usernames):
        user = session.scalar(select(User).where(User.username == name))
        if user is None:
            raise RosterError(f"No user named {name!r}.")
        if not may_be_paged(session, user, queue):
            raise RosterError(f"{name} is not an active user who may see queue {queue.code}.")
        users.append(user)
    session.execute(
        delete(OnCallMember).where(OnCallMember.queue_id == queue.id, OnCallMember.tier == tier)
    )
    session.add_all(OnCallMember(queue_id=queue.id, tier=tier, user_id=u.id) for u in users)
    session.flush()
    record_event(
        session,
        "oncall.tier_set",
        actor_kind="user" if actor else "system",
        actor_user_id=actor.id if actor else None,
        details={"queue": queue.code, "tier": tier, "users": [u.username for u in users]},
    )
    return users


def clear_roster(
    session: Session, queue_code: str, tier: int | None = None, *, actor: User | None
) -> int:
    """Remove one tier of a queue's roster, or all of it; returns how many people were removed."""
    queue = _queue(session, queue_code)
    query = delete(OnCallMember).where(OnCallMember.queue_id == queue.id)
    if tier is not None:
        query = query.where(OnCallMember.tier == tier)
    removed = session.execute(query).rowcount or 0  # type: ignore[attr-defined]
    record_event(
        session,
        "oncall.cleared",
        actor_kind="user" if actor else "system",
        actor_user_id=actor.id if actor else None,
        details={"queue": queue.code, "tier": tier, "removed": removed},
    )
    return int(removed)


@dataclass(frozen=True)
class RosterEntry:
    """One person on a tier, and whether they can be reached."""

    queue: str
    tier: int
    username: str
    route: str | None  # "sms", "email", "webhook" or None (never the address)
    is_active: bool


def roster(session: Session, queue_ids: Sequence[int] | None = None) -> list[RosterEntry]:
    """The roster by queue, tier and username (optionally of some queues only)."""
    query = (
        select(Queue.code, OnCallMember.tier, User.username, NotifyRoute.kind, User.is_active)
        .join(Queue, Queue.id == OnCallMember.queue_id)
        .join(User, User.id == OnCallMember.user_id)
        .outerjoin(NotifyRoute, NotifyRoute.user_id == User.id)
        .order_by(Queue.code, OnCallMember.tier, User.username)
    )
    if queue_ids is not None:
        query = query.where(OnCallMember.queue_id.in_(queue_ids))
    return [RosterEntry(*row) for row in session.execute(query)]


# --- each person's route ------------------------------------------------------------------------


def _check_target(kind: str, target: str, *, region: str, production: bool) -> str:
    target = target.strip()
    if kind == "sms":
        try:
            number = phonenumbers.parse(target, region)
        except phonenumbers.NumberParseException:
            raise InvalidInputError(fields={"sms": ["Not a phone number."]}) from None
        if not phonenumbers.is_valid_number(number):
            raise InvalidInputError(fields={"sms": ["Not a phone number."]})
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if kind == "email":
        # One plain address: anything else (a newline, a comma) could add headers or recipients.
        local, at, domain = target.partition("@")
        if not (at and local and "." in domain) or any(c.isspace() or c in ",;<>" for c in target):
            raise InvalidInputError(fields={"email": ["Not an email address."]})
        return target
    if kind == "webhook":
        parts = urlsplit(target)
        allowed = ("https",) if production else ("https", "http")
        if parts.scheme not in allowed or not parts.hostname or parts.username or parts.password:
            scheme = "https://" if production else "http(s)://"
            raise InvalidInputError(fields={"webhook": [f"Give a {scheme} address."]})
        return target
    raise InvalidInputError(fields={"kind": [f"One of {', '.join(NOTIFY_KINDS)}."]})


def set_notify_route(
    session: Session,
    keyring: Keyring,
    user: User,
    kind: str,
    target: str,
    *,
    region: str = "US",
    production: bool = False,
) -> NotifyRoute:
    """Set where ``user`` is paged; the address is sealed under the user's data key."""
    value = _check_target(kind, target, region=region, production=production)
    if user.wrapped_key is None:
        user.create_data_key(keyring)
    route = session.get(NotifyRoute, user.id) or NotifyRoute(user_id=user.id, user=user)
    route.kind = kind
    route.target.seal(keyring, value)
    route.updated_at = utcnow()
    session.add(route)
    session.flush()
    # The audit event names the kind of route, never the number or address.
    record_event(session, "user.notify_route_set", details={"user": user.username, "route": kind})
    return route


def route_target(keyring: Keyring, route: NotifyRoute) -> str:
    """The decrypted address of a route (only at send time)."""
    return route.target.read(keyring)


# --- raising, escalating, acknowledging ---------------------------------------------------------


def open_alert(session: Session, tip: Tip) -> UrgentAlert | None:
    """The tip's unacknowledged alert, if any."""
    return session.scalar(
        select(UrgentAlert)
        .where(UrgentAlert.tip_id == tip.id, UrgentAlert.acknowledged_at.is_(None))
        .order_by(UrgentAlert.id)
        .limit(1)
    )


def raise_alert(
    session: Session,
    tip: Tip,
    *,
    reason: str,
    supervisors_told: bool = False,
    now: datetime | None = None,
) -> UrgentAlert | None:
    """Start the acknowledgement chain for an urgent tip (in the caller's transaction).

    Tier 1 is told at once. A tip that already waits for acknowledgement keeps its chain (its
    urgency is updated). ``supervisors_told``: the caller already queued the supervisors' notice,
    so a queue without roster does not get it twice.
    """
    if not is_urgent(tip.urgency):
        return None
    now = now or utcnow()
    session.flush()
    existing = open_alert(session, tip)
    if existing is not None:
        existing.urgency = tip.urgency
        return existing
    alert = UrgentAlert(tip=tip, urgency=tip.urgency, reason=reason[:80], raised_at=now)
    session.add(alert)
    session.flush()
    _notify(session, alert, Step(1, _tier_for(session, alert, 1)), now, supervisors_told)
    return alert


def _reachable_members(session: Session, queue: Queue, tier: int | None = None) -> list[User]:
    query = (
        select(User, OnCallMember.tier)
        .join(OnCallMember, OnCallMember.user_id == User.id)
        .join(NotifyRoute, NotifyRoute.user_id == User.id)
        .where(OnCallMember.queue_id == queue.id, User.is_active.is_(True))
        .order_by(OnCallMember.tier, User.username)
    )
    if tier is not None:
        query = query.where(OnCallMember.tier == tier)
    return [user for user, _ in session.execute(query) if may_be_paged(session, user, queue)]


def staffed_tiers(session: Session, queue: Queue) -> list[int]:
    """Tiers of the queue's roster with at least one active, reachable person who may see it."""
    query = (
        select(OnCallMember.tier, User)
        .join(User, User.id == OnCallMember.user_id)
        .join(NotifyRoute, NotifyRoute.user_id == User.id)
        .where(OnCallMember.queue_id == queue.id, User.is_active.is_(True))
    )
    return sorted(
        {tier for tier, user in session.execute(query) if may_be_paged(session, user, queue)}
    )


def _tier_for(session: Session, alert: UrgentAlert, step: int) -> int:
    return tier_for_step(step, staffed_tiers(session, alert.tip.queue))


def _notify(
    session: Session, alert: UrgentAlert, step: Step, now: datetime, supervisors_told: bool
) -> int:
    tip = alert.tip
    step_row = AlertStep(alert_id=alert.id, step=step.step, tier=step.tier, notified_at=now)
    session.add(step_row)
    # The unique (alert, step) row goes in first: a second worker on the same step fails here,
    # before it queues anything.
    session.flush()
    payload: dict[str, object] = {
        "event": URGENT_EVENT,
        "alert_id": alert.id,
        "tip_number": tip.tip_number,
        "queue": tip.queue.code,
        "urgency": alert.urgency,
        "tier": step.tier,
        "step": step.step,
    }
    if step.tier == NO_ROSTER_TIER:
        told = 0
        if not (step.step == 1 and supervisors_told):
            reason = "urgent" if step.step == 1 else f"not acknowledged after step {step.step - 1}"
            told = len(enqueue_supervisor_alert(session, tip, reason=reason))
    else:
        members = _reachable_members(session, tip.queue, step.tier)
        for user in members:
            route = session.get(NotifyRoute, user.id)
            assert route is not None  # joined above
            enqueue_oncall_notice(
                session, tip, channel=CHANNELS[route.kind], payload={**payload, "user_id": user.id}
            )
        told = len(members)
    step_row.recipients = told
    record_event(
        session,
        "tip.oncall_notified",
        tip_id=tip.id,
        details={
            "step": step.step,
            "tier": step.tier,
            "recipients": told,
            "urgency": alert.urgency,
        },
    )
    log.info("tip %s urgent step %s tier %s told %s", tip.tip_number, step.step, step.tier, told)
    return told


def escalate_due(session: Session, *, ack_seconds: int, now: datetime | None = None) -> int:
    """Tell the next tier of every alert left unacknowledged for ``ack_seconds``; returns steps.

    One transaction per alert. The alert row is locked (``FOR UPDATE SKIP LOCKED`` on
    PostgreSQL: another worker on it is skipped) and the step row is unique, so a step is sent once
    however many workers sweep.
    """
    now = now or utcnow()
    candidates = list(
        session.scalars(
            select(UrgentAlert.id)
            .join(Tip, Tip.id == UrgentAlert.tip_id)
            .where(
                UrgentAlert.acknowledged_at.is_(None),
                Tip.urgency.in_(URGENT_LEVELS),
                Tip.status != "closed",
            )
            .order_by(UrgentAlert.raised_at)
        )
    )
    session.rollback()
    done = 0
    for alert_id in candidates:
        try:
            # Fresh from the database (the session may hold this alert from an earlier cycle).
            alert = session.scalar(
                select(UrgentAlert)
                .where(UrgentAlert.id == alert_id, UrgentAlert.acknowledged_at.is_(None))
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
            last = session.scalar(
                select(AlertStep)
                .where(AlertStep.alert_id == alert_id)
                .order_by(AlertStep.step.desc())
                .limit(1)
            )
            due = (
                next_step(
                    last_step=last.step if last else 0,
                    last_notified_at=last.notified_at if last else None,
                    staffed_tiers=(),
                    now=now,
                    ack_seconds=ack_seconds,
                )
                if alert is not None
                else None
            )
            if alert is None or due is None:
                session.rollback()
                continue
            step = Step(due.step, _tier_for(session, alert, due.step))
            _notify(session, alert, step, now, supervisors_told=False)
            session.commit()
            done += 1
        except IntegrityError:
            # Another worker sent this step first.
            session.rollback()
    return done


def acknowledge(
    session: Session, user: User, tip_number: str, *, now: datetime | None = None
) -> UrgentAlert:
    """Acknowledge a tip's urgent alert: the chain stops; audited. Repeating it changes nothing."""
    tip = find_tip(session, user, tip_number)
    alert = session.scalar(
        select(UrgentAlert)
        .where(UrgentAlert.tip_id == tip.id, UrgentAlert.acknowledged_at.is_(None))
        .order_by(UrgentAlert.id)
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if alert is None:
        done = session.scalar(
            select(UrgentAlert)
            .where(UrgentAlert.tip_id == tip.id)
            .order_by(UrgentAlert.id.desc())
            .limit(1)
        )
        if done is None:
            raise ConflictError("This tip has no urgent alert to acknowledge.")
        return done
    _close(session, alert, user, now or utcnow(), via="acknowledged")
    return alert


def step_count(session: Session, alert_id: int) -> int:
    """How many rounds of notices an alert has had (read from the database, not a cache)."""
    return int(
        session.scalar(
            select(func.count()).select_from(AlertStep).where(AlertStep.alert_id == alert_id)
        )
        or 0
    )


def _close(session: Session, alert: UrgentAlert, user: User, now: datetime, *, via: str) -> None:
    alert.acknowledged_at = now
    alert.acknowledged_by_user_id = user.id
    session.flush()
    record_event(
        session,
        "tip.acknowledged",
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=alert.tip_id,
        details={
            "via": via,
            "after_seconds": int((now - alert.raised_at).total_seconds()),
            "steps": step_count(session, alert.id),
        },
    )


def tip_changed(session: Session, tip: Tip, user: User, *, old_urgency: str) -> None:
    """After a person changed a tip: made urgent, it raises an alert; made not urgent, or closed,
    it ends the open alert (that person has looked at the tip)."""
    alert = open_alert(session, tip)
    if tip.status == "closed" or not is_urgent(tip.urgency):
        if alert is not None:
            via = "closed" if tip.status == "closed" else "urgency_corrected"
            _close(session, alert, user, utcnow(), via=via)
        return
    if alert is not None:
        alert.urgency = tip.urgency
    elif not is_urgent(old_urgency):
        raise_alert(session, tip, reason="urgency corrected by staff")


# --- the urgent board ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardEntry:
    """One unacknowledged urgent tip on the board."""

    tip_number: str
    queue: str
    urgency: str
    raised_at: datetime
    age_seconds: float
    last_tier: int | None
    steps: int


def board(session: Session, user: User, *, now: datetime | None = None) -> list[BoardEntry]:
    """Unacknowledged urgent tips of the queues the user sees, oldest first."""
    now = now or utcnow()
    queue_ids = [q.id for q in visible_queues(session, user)]
    if not queue_ids:
        return []
    rows = session.scalars(
        select(UrgentAlert)
        .join(Tip, Tip.id == UrgentAlert.tip_id)
        .where(
            UrgentAlert.acknowledged_at.is_(None),
            Tip.queue_id.in_(queue_ids),
            Tip.urgency.in_(URGENT_LEVELS),
            Tip.status != "closed",
        )
        .order_by(UrgentAlert.raised_at)
        .execution_options(populate_existing=True)
    )
    return [
        BoardEntry(
            tip_number=alert.tip.tip_number,
            queue=alert.tip.queue.code,
            urgency=alert.tip.urgency,
            raised_at=alert.raised_at,
            age_seconds=(now - alert.raised_at).total_seconds(),
            last_tier=alert.steps[-1].tier if alert.steps else None,
            steps=len(alert.steps),
        )
        for alert in rows
    ]


# --- health -------------------------------------------------------------------------------------

# A notice queued this recently is not yet "unsent": health checks would otherwise flicker with
# every urgent tip (and tell an onlooker that one just arrived).
UNSENT_GRACE = timedelta(seconds=60)
DEAD_WINDOW = timedelta(hours=24)


def alert_health(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Counts of alert notices not yet sent (past a grace minute) and dead in the last day."""
    now = now or utcnow()
    unsent = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.kind.in_(ALERT_KINDS),
            OutboxMessage.status.in_(("pending", "sending", "failed")),
            OutboxMessage.created_at < now - UNSENT_GRACE,
        )
    )
    dead = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.kind.in_(ALERT_KINDS),
            OutboxMessage.status == "dead",
            OutboxMessage.next_attempt_at >= now - DEAD_WINDOW,
        )
    )
    return {"unsent": int(unsent or 0), "dead": int(dead or 0)}


def sweep_hook(session: Session, keyring: Keyring) -> int:
    """The outbox worker's per-cycle hook: escalate what is due under this app's settings."""
    settings: Settings = current_app.extensions["intake"].settings
    return escalate_due(session, ack_seconds=settings.urgent_ack_seconds)


def find_user(session: Session, username: str) -> User:
    """A user by name, or NotFoundError."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"No user named {username!r}.")
    return user
