"""Pure retention decisions: what is due for shredding, given the policy and a moment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

# Why something was shredded (named in the audit event; never who or what it was).
RETENTION = "retention"
FORGOTTEN = "forgotten"


@dataclass(frozen=True)
class Policy:
    """Retention periods in days; 0 for ``unclosed_days`` means tips nobody closed are kept."""

    identity_days: int = 30
    tip_days: int = 365
    unclosed_days: int = 0


@dataclass(frozen=True)
class TipFacts:
    """What the rules need to know about one tip."""

    status: str
    closed_at: datetime | None
    last_activity_at: datetime
    legal_hold: bool


def _age_reached(since: datetime | None, days: int, now: datetime) -> bool:
    return since is not None and now - since >= timedelta(days=days)


def identity_due(tip: TipFacts, policy: Policy, now: datetime) -> bool:
    """Whether the tip no longer needs its tipster's contact."""
    if tip.legal_hold:
        return False
    if tip.status == "closed":
        return _age_reached(tip.closed_at, policy.identity_days, now)
    return policy.unclosed_days > 0 and _age_reached(
        tip.last_activity_at, policy.unclosed_days, now
    )


def content_due(tip: TipFacts, policy: Policy, now: datetime) -> bool:
    """Whether the tip's content is to be shredded, leaving its tombstone."""
    if tip.legal_hold:
        return False
    if tip.status == "closed":
        return _age_reached(tip.closed_at, policy.tip_days, now)
    return policy.unclosed_days > 0 and _age_reached(
        tip.last_activity_at, policy.unclosed_days, now
    )


def reporter_due(
    tips: Iterable[TipFacts],
    policy: Policy,
    now: datetime,
    *,
    last_seen_at: datetime,
    forget_requested: bool,
) -> bool:
    """Whether a reporter's identity is to be shredded.

    A reporter (one SMS number, one DM account) may have sent several tips: it is shredded when
    every tip still linked to it is done with it, or when the tipster asked to be forgotten;
    a tip on legal hold keeps it either way. A reporter with no tip left (a STOP, a HELP, or
    every tip already unlinked) goes once it has been silent for the identity period.
    """
    tips = list(tips)
    if any(t.legal_hold for t in tips):
        return False
    if forget_requested:
        return True
    if not tips:
        return _age_reached(last_seen_at, policy.identity_days, now)
    return all(identity_due(t, policy, now) for t in tips)
