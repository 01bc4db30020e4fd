"""The retention decisions alone: ages, holds, tips nobody closed, reporters with several tips."""

from __future__ import annotations

from datetime import timedelta

from intake.lifecycle.rules import Policy, TipFacts, content_due, identity_due, reporter_due
from tests.lifecycle.helpers import NOW

POLICY = Policy(identity_days=30, tip_days=365, unclosed_days=0)


def closed(days_ago: float, *, held: bool = False) -> TipFacts:
    at = NOW - timedelta(days=days_ago)
    return TipFacts("closed", at, at, held)


def open_tip(days_idle: float) -> TipFacts:
    return TipFacts("investigating", None, NOW - timedelta(days=days_idle), False)


def test_identity_goes_after_its_period_and_content_after_its_own():
    assert not identity_due(closed(29.9), POLICY, NOW)
    assert identity_due(closed(30), POLICY, NOW)
    assert not content_due(closed(364), POLICY, NOW)
    assert content_due(closed(365), POLICY, NOW)


def test_a_held_tip_is_never_due():
    assert not identity_due(closed(5000, held=True), POLICY, NOW)
    assert not content_due(closed(5000, held=True), POLICY, NOW)


def test_tips_nobody_closed_are_kept_unless_the_policy_says_otherwise():
    assert not content_due(open_tip(5000), POLICY, NOW)
    short = Policy(unclosed_days=90)
    assert not identity_due(open_tip(89), short, NOW)
    assert identity_due(open_tip(90), short, NOW) and content_due(open_tip(90), short, NOW)


def test_a_reporter_goes_when_every_tip_is_done_with_it():
    seen = NOW - timedelta(days=400)
    assert reporter_due(
        [closed(31), closed(40)], POLICY, NOW, last_seen_at=seen, forget_requested=False
    )
    assert not reporter_due(
        [closed(31), open_tip(1)], POLICY, NOW, last_seen_at=seen, forget_requested=False
    )
    # Asked to be forgotten: at once, whatever the tips, unless one is on legal hold.
    assert reporter_due([open_tip(1)], POLICY, NOW, last_seen_at=NOW, forget_requested=True)
    assert not reporter_due(
        [closed(1, held=True)], POLICY, NOW, last_seen_at=NOW, forget_requested=True
    )
    # No tip left: once silent for the identity period.
    assert not reporter_due(
        [], POLICY, NOW, last_seen_at=NOW - timedelta(days=29), forget_requested=False
    )
    assert reporter_due(
        [], POLICY, NOW, last_seen_at=NOW - timedelta(days=30), forget_requested=False
    )
