"""Staff pages show a possible emergency as "check now", styled like an emergency."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from flask import render_template

from intake.classify.rules import ALERTING_URGENCIES as CLASSIFIER_ALERTING
from intake.classify.rules import URGENCY_LEVELS
from intake.models import ALERTING_URGENCIES, URGENCY_RANK
from intake.models.tip import URGENCIES


def _row(urgency: str) -> SimpleNamespace:
    return SimpleNamespace(
        urgency=urgency,
        tip_number="AB12-CD34",
        status="new",
        category="burglary",
        is_classifier_unsure=False,
        channel="sms",
        queue="N1",
        district=None,
        assignee=None,
        created_at=datetime(2026, 12, 2, 6, 0, tzinfo=UTC),
    )


def test_a_possible_emergency_row_reads_check_now(app) -> None:
    with app.test_request_context():
        html = render_template("staff/_tip_rows.html", items=[_row("possible_emergency")])
    assert "check now" in html
    assert 'class="u-possible_emergency"' in html
    assert ">possible_emergency<" not in html


def test_the_stored_levels_are_the_classifiers_in_rank_order() -> None:
    assert URGENCIES == URGENCY_LEVELS
    assert [URGENCY_RANK[u] for u in URGENCIES] == [0, 1, 2, 3]
    assert ALERTING_URGENCIES == CLASSIFIER_ALERTING == {"emergency", "possible_emergency"}
