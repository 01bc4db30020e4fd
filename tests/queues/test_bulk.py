"""Bulk claim, assign, re-route and close: each tip through the single-tip action, per-tip
results, audited per tip, tips of other queues refused like numbers no tip has."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from intake.audit.service import verify_chain
from intake.models import AuditEvent, Tip, User
from intake.tips import service
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import H2_POINT, N1_POINT, bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

NOBODY = "ZZZZ-ZZZZ"  # a well-formed number no tip has


def _state(session, number: str) -> tuple[str, int | None, str]:
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    state = (tip.status, tip.assignee_id, tip.queue.code)
    session.rollback()
    return state


def _events(session, action: str) -> list[str]:
    rows = session.execute(
        select(Tip.tip_number)
        .join(AuditEvent, AuditEvent.tip_id == Tip.id)
        .where(AuditEvent.action == action)
        .order_by(AuditEvent.seq)
    ).all()
    session.rollback()
    return [r.tip_number for r in rows]


def _post(client, who, body):
    return client.post("/api/v1/staff/tips/bulk", json=body, headers=bearer(who))


def test_bulk_claim_gives_per_tip_results_and_one_audit_event_per_tip(client, session, keyring):
    det = make_user(session, keyring, "det", "detective", ("N1",))
    other = make_user(session, keyring, "other", "detective", ("N1",))
    mine = [make_tip(session, keyring, N1_POINT).tip_number for _ in range(2)]
    taken = make_tip(session, keyring, N1_POINT).tip_number
    hidden = make_tip(session, keyring, H2_POINT).tip_number
    assert (
        client.post(f"/api/v1/staff/tips/{taken}/claim", headers=bearer(other)).status_code == 200
    )

    response = _post(
        client, det, {"tip_numbers": [*mine, taken, hidden, NOBODY, mine[0]], "action": "claim"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["done"], body["refused"]) == (2, 3)
    results = {r["tip_number"]: r for r in body["results"]}
    assert list(results) == [*mine, taken, hidden, NOBODY]  # the order sent, repeats once
    assert results[mine[0]]["is_done"] and results[mine[1]]["is_done"]
    assert results[taken]["code"] == "conflict"
    # Another queue's tip reads exactly as a tip that does not exist.
    strip = {k: v for k, v in results[hidden].items() if k != "tip_number"}
    assert strip == {k: v for k, v in results[NOBODY].items() if k != "tip_number"}
    assert strip["code"] == "not_found" and not strip["is_done"]

    assert _state(session, mine[0])[:2] == ("assigned", det.user.id)
    assert _state(session, taken)[1] == other.user.id
    assert _state(session, hidden) == ("new", None, "H2")
    assert _events(session, "tip.claimed") == [taken, *mine]
    assert verify_chain(session, keyring) is None


def test_supervisors_assign_reroute_and_close_in_bulk(client, session, keyring):
    sup = make_user(session, keyring, "sup", "supervisor")
    det = make_user(session, keyring, "det", "detective", ("N1",))
    make_user(session, keyring, "det-h2", "detective", ("H2",))
    numbers = [make_tip(session, keyring, N1_POINT).tip_number for _ in range(3)]

    assigned = _post(
        client, sup, {"tip_numbers": numbers[:2], "action": "assign", "assignee": "det"}
    ).get_json()
    assert assigned["done"] == 2
    assert _state(session, numbers[0])[:2] == ("assigned", det.user.id)
    assert _events(session, "tip.assigned") == numbers[:2]
    # Someone who does not work the tip's queue cannot be given it.
    wrong = _post(
        client, sup, {"tip_numbers": [numbers[2]], "action": "assign", "assignee": "det-h2"}
    ).get_json()
    assert wrong["refused"] == 1 and "assignee" in wrong["results"][0]["fields"]

    closed = _post(
        client,
        sup,
        {"tip_numbers": numbers[:1], "action": "close", "disposition": "information_only"},
    ).get_json()
    assert closed["done"] == 1 and _state(session, numbers[0])[0] == "closed"

    moved = _post(
        client,
        sup,
        {"tip_numbers": numbers, "action": "reroute", "queue": "H2", "reason": "wrong district"},
    ).get_json()
    assert moved["done"] == 3
    assert [_state(session, n)[2] for n in numbers] == ["H2"] * 3
    assert _events(session, "tip.rerouted") == numbers
    assert verify_chain(session, keyring) is None


def test_a_refused_tip_leaves_no_change_and_no_audit_event(session, keyring):
    sup = make_user(session, keyring, "sup", "supervisor")
    good = make_tip(session, keyring, N1_POINT).tip_number
    bad = make_tip(session, keyring, N1_POINT).tip_number
    service.update_tip(
        session, keyring, sup.user, bad, service.TipChange(status="closed", disposition="unfounded")
    )
    session.commit()
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    outcomes = service.bulk_change(
        session,
        keyring,
        sup.user,
        [good, bad],
        service.BulkAction("close", disposition="duplicate"),
    )
    session.commit()
    assert [o.is_done for o in outcomes] == [True, False] and outcomes[1].code == "conflict"
    after = session.scalar(select(func.count()).select_from(AuditEvent))
    assert after - before == 1  # the one close; nothing for the refused tip
    assert verify_chain(session, keyring) is None


def test_bulk_input_is_checked_and_never_echoed(client, session, keyring):
    det = make_user(session, keyring, "det", "detective", ("N1",))
    number = make_tip(session, keyring, N1_POINT).tip_number
    cases = [
        {"tip_numbers": [number], "action": "<delete-all>"},
        {"tip_numbers": [], "action": "claim"},
        {"tip_numbers": [number] * 201, "action": "claim"},
        {"tip_numbers": ["<b>not-a-number</b>"], "action": "claim"},
        {"tip_numbers": [number], "action": "close"},  # no disposition
        {"tip_numbers": [number], "action": "claim", "extra": "<i>x</i>"},
    ]
    for body in cases:
        response = _post(client, det, body)
        assert response.status_code == 400, body
        text = response.get_data(as_text=True)
        assert set(response.get_json()["error"]) == {"status", "code", "message", "fields"}
        assert "<" not in text and "not-a-number" not in text
    # Moving or assigning to others is a supervisor's: refused whole, before any tip is read.
    for body in (
        {"tip_numbers": [number], "action": "reroute", "queue": "H2", "reason": "wrong area"},
        {"tip_numbers": [number], "action": "assign", "assignee": "det"},
    ):
        assert _post(client, det, body).status_code == 403
    assert _state(session, number) == ("new", None, "N1")
    assert _post(client, det, {"tip_numbers": [number], "action": "claim"}).status_code == 200
    assert client.post("/api/v1/staff/tips/bulk", json={}).status_code == 401


def _csrf(html: str) -> str:
    found = re.search(
        r'id="bulk-form"[\s\S]*?name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    assert found is not None
    return found.group(1)


def test_the_queue_page_bulk_form(own_app, session, keyring):
    web = own_app()
    det = make_user(session, keyring, "det", "detective", ("N1",))
    numbers = [make_tip(session, keyring, N1_POINT).tip_number for _ in range(2)]
    hidden = make_tip(session, keyring, H2_POINT).tip_number
    client = _signed_in(web, session, det)
    html = client.get("/staff/queues/N1").get_data(as_text=True)
    # Every row's box is labelled for a screen reader and belongs to the one bulk form.
    for number in numbers:
        assert (
            f'<input type="checkbox" name="tip_numbers" value="{number}" id="pick-{number}"'
            f' form="bulk-form"><label for="pick-{number}" class="visually-hidden">'
            f"Select tip {number}</label>"
        ) in html
    # A detective is offered claim and close, not assign or move.
    assert 'value="claim"' in html and 'value="reroute"' not in html
    token = _csrf(html)

    assert client.post(
        "/staff/queues/N1/bulk", data={"action": "claim", "tip_numbers": numbers}
    ).status_code in (302, 400)
    assert _state(session, numbers[0])[1] is None  # no CSRF token, nothing done

    response = client.post(
        "/staff/queues/N1/bulk",
        data={"csrf_token": token, "action": "claim", "tip_numbers": [*numbers, hidden]},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Claimed 2 tips." in page
    assert f"1 not changed: {hidden}: No such tip." in page
    assert [_state(session, n)[1] for n in numbers] == [det.user.id] * 2
    assert _state(session, hidden)[1] is None


def test_a_supervisor_moves_ticked_tips_from_the_page(own_app, session, keyring):
    web = own_app()
    sup = make_user(session, keyring, "sup", "supervisor")
    make_user(session, keyring, "det", "detective", ("N1",))
    numbers = [make_tip(session, keyring, N1_POINT).tip_number for _ in range(2)]
    client = _signed_in(web, session, sup)
    html = client.get("/staff/queues/N1").get_data(as_text=True)
    assert 'value="reroute"' in html and '<option value="det">det</option>' in html
    response = client.post(
        "/staff/queues/N1/bulk",
        data={
            "csrf_token": _csrf(html),
            "action": "reroute",
            "queue": "H2",
            "reason": "Across the river",
            "tip_numbers": numbers,
        },
        follow_redirects=True,
    )
    assert "Moved 2 tips." in response.get_data(as_text=True)
    assert {_state(session, n)[2] for n in numbers} == {"H2"}
    assert session.scalar(select(func.count()).select_from(User)) == 2
