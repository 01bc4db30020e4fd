"""A supervisor's reveal of who sent a tip: the only function that returns a tipster's identity.

The queue's supervisors, with a written reason and a fresh TOTP code, at most so many an hour;
every reveal and refusal is audited, and the other supervisors are told (never the identity).
Functions flush; the request commits (a refusal too: see :class:`RevealRefused`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.audit.service import record_event
from intake.crypto import Keyring
from intake.errors import ForbiddenError, InvalidInputError, RateLimitedError
from intake.identity.rules import (
    REVEAL_LIMIT,
    REVEAL_REASON_MIN,
    REVEAL_REFUSED,
    REVEAL_WINDOW_SECONDS,
    REVEALED,
    TOTP_DIGITS,
)
from intake.identity.service import read_identity
from intake.models import AuditEvent, Queue, Tip, User, utcnow
from intake.outbound.service import enqueue_reveal_notice
from intake.queues.rules import OVERSIGHT, OVERSIGHT_QUEUE_KIND, SUPERVISOR
from intake.queues.service import supervises
from intake.staff.service import AuthenticationError, check_totp
from intake.tips.service import find_tip

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Revealed:
    """A revealed identity: for the supervisor's eyes only, never stored or logged."""

    tip_number: str
    channel: str | None
    identity: dict[str, str]
    source_url: str | None


class RevealRefused(Exception):
    """A reveal refused after its attempt was recorded: the caller commits, then reports it.

    The refusal (and the failed second factor it may count towards a lock-out) must outlive the
    request's rollback, or guessing codes with a stolen token would cost nothing.
    """


class RevealSecondFactorError(RevealRefused, ForbiddenError):
    """The TOTP code is missing, wrong, already used, or the account is locked."""

    code = "second_factor_required"
    message = "Enter a current code from your authenticator app (a code works once)."


class RevealLimitError(RevealRefused, RateLimitedError):
    """The user has made as many reveals as allowed this hour."""

    message = "You have revealed as many identities as allowed this hour."


def reveals_in_window(session: Session, user: User, window_seconds: int) -> int:
    """How many identities ``user`` revealed in the last ``window_seconds``.

    Counted from the audit log, so the limit holds across workers and hosts, and survives
    restarts, with no counter store; each reveal also spends a TOTP time step (one per 30 s).
    """
    since = utcnow() - timedelta(seconds=window_seconds)
    return int(
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == REVEALED,
                AuditEvent.actor_user_id == user.id,
                AuditEvent.created_at >= since,
            )
        )
        or 0
    )


def _refuse(session: Session, user: User, tip: Tip, why: str) -> None:
    record_event(
        session,
        REVEAL_REFUSED,
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={"why": why},
    )
    log.warning("reveal of tip %s refused for user %s: %s", tip.tip_number, user.id, why)


def reveal_identity(
    session: Session,
    keyring: Keyring,
    user: User,
    tip_number: str,
    reason: str,
    totp: str,
    *,
    limit: int = REVEAL_LIMIT,
    client: str = "",
) -> Revealed:
    """Decrypt the tipster's identity for a supervisor of the tip's queue; audited and notified.

    It takes a written reason, a fresh TOTP code (never one already used, not even the login's:
    a stolen API token or an unattended session is not enough), and at most ``limit`` reveals
    per user per hour. The other supervisors of the queue are told who revealed which tip (never
    the identity). Refusals raise a :class:`RevealRefused` after recording the attempt.
    """
    if not supervises(user):
        raise ForbiddenError("Only a supervisor can reveal who sent a tip.")
    reason = (reason or "").strip()
    if len(reason) < REVEAL_REASON_MIN:
        raise InvalidInputError(
            fields={"reason": [f"Write why (at least {REVEAL_REASON_MIN} characters)."]}
        )
    code = "".join(ch for ch in totp or "" if ch.isdigit())
    if len(code) != TOTP_DIGITS:
        # Not a guess (nothing to count against the account): say what is missing.
        raise InvalidInputError(
            fields={"totp": ["Enter the 6-digit code from your authenticator app."]}
        )
    tip = find_tip(session, user, tip_number)
    if reveals_in_window(session, user, REVEAL_WINDOW_SECONDS) >= limit:
        _refuse(session, user, tip, "limit")
        raise RevealLimitError()
    try:
        # A wrong code counts towards the same per-(account, client) lock-out as a login.
        check_totp(session, keyring, user, code, client=client)
    except AuthenticationError:
        _refuse(session, user, tip, "second_factor")
        raise RevealSecondFactorError() from None
    identity = read_identity(keyring, tip.reporter) if tip.reporter is not None else {}
    record_event(
        session,
        REVEALED,
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={
            "reason": reason[:500],
            "had_identity": bool(identity),
            "had_source_url": tip.source_url_ct is not None,
        },
    )
    enqueue_reveal_notice(session, tip, revealed_by=user, audience=_audience(tip.queue))
    log.warning("identity of tip %s revealed by user %s", tip.tip_number, user.id)
    source_url = tip.source_url.read(keyring)
    return Revealed(
        tip.tip_number, tip.reporter.channel if tip.reporter else None, identity, source_url
    )


def _audience(queue: Queue) -> str:
    """The role that supervises ``queue``: who hears of what happens there."""
    return OVERSIGHT if queue.kind == OVERSIGHT_QUEUE_KIND else SUPERVISOR
