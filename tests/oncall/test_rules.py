"""The escalation decision, alone: what is urgent, which tier a step tells, when it is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intake.oncall.rules import age_text, is_urgent, next_step, tier_for_step, urgency_label

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("urgency", "urgent"),
    [("emergency", True), ("possible_emergency", True), ("high", False), ("normal", False)],
)
def test_urgent_means_emergency_or_possible_emergency(urgency: str, urgent: bool) -> None:
    assert is_urgent(urgency) is urgent


def test_a_possible_emergency_is_shown_as_check_now() -> None:
    assert urgency_label("possible_emergency") == "check now"
    assert urgency_label("emergency") == "emergency"


def test_the_first_step_is_due_at_once_and_tells_tier_one() -> None:
    step = next_step(
        last_step=0, last_notified_at=None, staffed_tiers=[1, 2], now=T0, ack_seconds=300
    )
    assert step is not None and (step.step, step.tier) == (1, 1)


def test_the_next_tier_is_told_only_once_the_wait_is_over() -> None:
    def due(seconds: int):
        return next_step(
            last_step=1,
            last_notified_at=T0,
            staffed_tiers=[1, 2],
            now=T0 + timedelta(seconds=seconds),
            ack_seconds=300,
        )

    assert due(299) is None
    step = due(300)
    assert step is not None and (step.step, step.tier) == (2, 2)


def test_empty_tiers_are_skipped_and_the_top_tier_is_told_again() -> None:
    assert [tier_for_step(s, [1, 3]) for s in (1, 2, 3, 4)] == [1, 3, 3, 3]
    assert tier_for_step(2, [3, 1]) == 3


def test_without_roster_every_step_goes_to_the_supervisors_routes() -> None:
    assert tier_for_step(1, []) == 0 and tier_for_step(5, []) == 0


def test_ages_read_short() -> None:
    assert [age_text(s) for s in (5, 61, 3720)] == ["5 s", "1 min", "1 h 2 min"]
