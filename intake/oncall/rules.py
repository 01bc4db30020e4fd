"""Pure rules of urgent-tip acknowledgement: what counts as urgent, and who is told next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

# "possible_emergency" is shown to staff as "check now"; for alerting and acknowledgement it is
# handled exactly like an emergency.
URGENT_LEVELS = frozenset({"emergency", "possible_emergency"})
URGENCY_LABELS = {"emergency": "emergency", "possible_emergency": "check now"}
TIERS = {1: "on-call detective", 2: "supervisor", 3: "watch commander"}
MAX_TIER = max(TIERS)
# Tier 0 of a step: the queue has no roster, so the supervisors' routes (NOTIFY_*) were used.
NO_ROSTER_TIER = 0


def is_urgent(urgency: str | None) -> bool:
    """Whether a tip of this urgency must be acknowledged by a person (emergency or possible)."""
    return urgency in URGENT_LEVELS


def urgency_label(urgency: str) -> str:
    """How staff see an urgency on the board and in notices."""
    return URGENCY_LABELS.get(urgency, urgency)


@dataclass(frozen=True)
class Step:
    """The next round of notices: its number (1, 2, ...) and the tier it tells."""

    step: int
    tier: int


def tier_for_step(step: int, staffed_tiers: Sequence[int]) -> int:
    """The tier a step tells: step k goes to the k-th staffed tier, then stays on the last one.

    Empty tiers are skipped; with no roster at all every step is tier 0 (the supervisors' routes).
    """
    if not staffed_tiers:
        return NO_ROSTER_TIER
    ordered = sorted(staffed_tiers)
    return ordered[min(step, len(ordered)) - 1]


def next_step(
    *,
    last_step: int,
    last_notified_at: datetime | None,
    staffed_tiers: Sequence[int],
    now: datetime,
    ack_seconds: int,
) -> Step | None:
    """The step due now for an unacknowledged alert, or None while the last one still waits.

    The first step is due at once; each later one when ``ack_seconds`` have passed since the
    previous step with nobody acknowledging. After the top tier, that tier is told again every
    ``ack_seconds``: an emergency is never left to go quiet.
    """
    if last_notified_at is not None and (now - last_notified_at).total_seconds() < ack_seconds:
        return None
    step = last_step + 1
    return Step(step, tier_for_step(step, staffed_tiers))


def check_tier(tier: int) -> int:
    """A roster tier (1 to 3), or ValueError."""
    if tier not in TIERS:
        raise ValueError(f"tier must be one of {', '.join(str(t) for t in TIERS)}")
    return tier


def age_text(seconds: float) -> str:
    """A short age for the urgent board: "45 s", "4 min", "2 h 5 min"."""
    seconds = max(int(seconds), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
