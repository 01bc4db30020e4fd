"""The audit log page's filters (staff member, action, days in the city's time zone, tips being
opened hidden by default) and its words: every action the code records has a label."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from intake.audit.labels import ACTION_LABELS, action_label, detail_words
from intake.models import AuditEvent
from intake.models.link import LINK_DECISIONS
from intake.tips import service
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

INTAKE = Path(__file__).resolve().parents[2] / "intake"
ACTION_SHAPE = re.compile(r"^[a-z_]+\.[a-z_]+$")


def _recorded_actions() -> set[str]:
    """Every audit action the source records: constants passed to ``record_event`` (directly or
    through a module constant, its own or imported), the reward service's ``_audit``, queued
    ``(action, details)`` pairs, and the link decisions' f-string."""
    found: set[str] = set()
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in INTAKE.rglob("*.py")}
    own = {
        ".".join(path.relative_to(INTAKE.parent).with_suffix("").parts): {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for path, tree in trees.items()
    }
    for path, tree in trees.items():
        # A module constant, or one imported from another module of intake (a rules module).
        constants = dict(own[".".join(path.relative_to(INTAKE.parent).with_suffix("").parts)])
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module in own:
                for alias in node.names:
                    if alias.name in own[node.module]:
                        constants[alias.asname or alias.name] = own[node.module][alias.name]

        def value_of(expr: ast.expr, constants: dict[str, str] = constants) -> str | None:
            if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
                return expr.value
            if isinstance(expr, ast.Name):
                return constants.get(expr.id)
            return None

        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            candidates: list[ast.expr] = []
            if name in ("record_event", "_audit") and len(node.args) >= 2:
                candidates.append(node.args[1])
                if isinstance(node.args[1], ast.IfExp):
                    candidates += [node.args[1].body, node.args[1].orelse]
                if isinstance(node.args[1], ast.JoinedStr):
                    prefix = value_of(node.args[1].values[0])  # type: ignore[arg-type]
                    found.update(f"{prefix}{decision}" for decision in LINK_DECISIONS)
            # A list of (action, details) pairs recorded afterwards (tips/service.py: events).
            receiver = func.value if isinstance(func, ast.Attribute) else None
            events_list = isinstance(receiver, ast.Name) and receiver.id == "events"
            if (
                name == "append"
                and events_list
                and node.args
                and isinstance(node.args[0], ast.Tuple)
            ):
                candidates.append(node.args[0].elts[0])
            for candidate in candidates:
                value = value_of(candidate)
                if value is not None and ACTION_SHAPE.match(value):
                    found.add(value)
    return found


def test_every_recorded_action_has_words():
    recorded = _recorded_actions()
    assert {"tip.viewed", "identity.revealed", "lifecycle.hold_set", "tip.link_confirmed"} <= (
        recorded
    )  # the walk finds direct, named, conditional and f-string actions
    assert not recorded - ACTION_LABELS.keys()


def test_words_for_actions_and_details():
    assert action_label("tip.rerouted") == "Tip moved to another queue"
    assert action_label("made.up_thing") == "Made: up thing"
    assert detail_words(
        {"from": "in_progress", "to": "closed", "urgent": True, "by": "det_n1"}
    ) == [
        ("From", "in progress"),
        ("To", "closed"),
        ("Urgent", "yes"),
        ("By", "det_n1"),  # a name keeps its underscore
    ]


def _set_time(session, tip_id, when):
    session.execute(update(AuditEvent).where(AuditEvent.tip_id == tip_id).values(created_at=when))
    session.commit()


def test_the_page_filters_and_hides_openings_by_default(own_app, session, keyring):
    web = own_app()
    supervisor = make_user(session, keyring, "sup", "supervisor")
    other = make_user(session, keyring, "sup-two", "supervisor")
    old = make_tip(session, keyring)
    new = make_tip(session, keyring, narrative="Someone sells stolen bikes at the market.")
    _set_time(session, old.tip_id, datetime(2026, 3, 1, 15, 0, tzinfo=UTC))
    service.view_tip(session, keyring, other.user, new.tip_number)
    session.commit()
    client = _signed_in(web, session, supervisor)

    page = client.get("/staff/audit/").get_data(as_text=True)
    rows = page.split("<tbody>")[1]
    assert "Tip received" in rows and "tip.submitted" not in rows  # actions in words
    assert "Tip opened" not in rows  # hidden by default
    assert "Show tips being opened" in page

    shown = client.get("/staff/audit/?views=1").get_data(as_text=True)
    assert "Tip opened" in shown.split("<tbody>")[1] and "sup-two" in shown

    by_user = client.get("/staff/audit/?user=sup-two&views=1").get_data(as_text=True)
    body = by_user.split("<tbody>")[1]
    assert "Tip opened" in body and "Tip received" not in body
    assert "No events." in client.get("/staff/audit/?user=nobody").get_data(as_text=True)

    by_action = client.get("/staff/audit/?action=tip.submitted").get_data(as_text=True)
    body = by_action.split("<tbody>")[1]
    assert old.tip_number in body and new.tip_number in body and "Tip opened" not in body

    march = client.get("/staff/audit/?from=2026-03-01&to=2026-03-01").get_data(as_text=True)
    body = march.split("<tbody>")[1]
    assert old.tip_number in body and new.tip_number not in body
    assert 'value="2026-03-01"' in march  # the filter is kept in the form


@pytest.mark.parametrize(
    "query",
    [
        "from=9999-12-31&to=9999-12-31",
        "from=0001-01-01",
        "from=2026-13-45&to=yesterday",
        "action=%3Cscript%3E",
        "user=" + "x" * 5000,
        "views=%00",
    ],
)
def test_odd_filters_are_a_page_not_an_error(own_app, session, keyring, query):
    web = own_app()
    supervisor = make_user(session, keyring, "sup", "supervisor")
    make_tip(session, keyring)
    response = _signed_in(web, session, supervisor).get(f"/staff/audit/?{query}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<script>" not in text and "x" * 100 not in text
