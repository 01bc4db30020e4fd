"""A confirmed cluster is claimed, assigned, re-routed or closed together: the bulk action on
its tips (same rules, audited per tip), only tips the caller may see."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from intake.models import AuditEvent, Tip
from tests.queues.test_audit_page import _signed_in
from tests.related.test_related import _away
from tests.staff.factories import H2_POINT, N1_POINT, bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")


def _link(client, user, a, b):
    response = client.post(
        f"/api/v1/staff/tips/{a}/links",
        json={"tip_number": b, "decision": "confirmed"},
        headers=bearer(user),
    )
    assert response.status_code == 200, response.get_json()


def _tip(session, number):
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    state = (tip.status, tip.assignee_id, tip.queue.code)
    session.rollback()
    return state


def _cluster(session, keyring, client, sup):
    a, b, c = (
        make_tip(session, keyring, point, narrative=f"Grey van {n} at the school gate.").tip_number
        for n, point in enumerate((N1_POINT, _away(1), H2_POINT))
    )
    _link(client, sup, a, b)
    _link(client, sup, b, c)  # c is in H2: the N1 detective never sees or touches it
    return a, b, c


def test_a_detective_claims_and_closes_the_cluster_they_may_see(client, session, keyring):
    sup = make_user(session, keyring, "sup", "supervisor")
    det = make_user(session, keyring, "det", "detective", ("N1",))
    a, b, c = _cluster(session, keyring, client, sup)
    unrelated = make_tip(session, keyring, N1_POINT, narrative="Loud music.").tip_number

    body = client.post(
        f"/api/v1/staff/tips/{a}/cluster", json={"action": "claim"}, headers=bearer(det)
    ).get_json()
    assert (body["done"], body["refused"]) == (2, 0)
    assert {r["tip_number"] for r in body["results"]} == {a, b}  # not c: another queue
    assert _tip(session, a)[1] == _tip(session, b)[1] == det.user.id
    assert _tip(session, c) == ("new", None, "H2") and _tip(session, unrelated)[1] is None
    claimed = session.scalars(
        select(Tip.tip_number)
        .join(AuditEvent, AuditEvent.tip_id == Tip.id)
        .where(AuditEvent.action == "tip.claimed")
    ).all()
    session.rollback()
    assert sorted(claimed) == sorted([a, b])  # one audit event per tip

    closed = client.post(
        f"/api/v1/staff/tips/{b}/cluster",
        json={"action": "close", "disposition": "duplicate"},
        headers=bearer(det),
    ).get_json()
    assert closed["done"] == 2 and _tip(session, a)[0] == _tip(session, b)[0] == "closed"
    # A detective may not move tips or assign them to others.
    moved = client.post(
        f"/api/v1/staff/tips/{a}/cluster",
        json={"action": "reroute", "queue": "H2", "reason": "wrong district"},
        headers=bearer(det),
    )
    assert moved.status_code == 403


def test_a_supervisor_reroutes_the_whole_cluster_and_errors_never_echo(client, session, keyring):
    sup = make_user(session, keyring, "sup", "supervisor")
    a, b, c = _cluster(session, keyring, client, sup)
    body = client.post(
        f"/api/v1/staff/tips/{c}/cluster",
        json={"action": "reroute", "queue": "N1", "reason": "all at the N1 school"},
        headers=bearer(sup),
    ).get_json()
    assert body["done"] == 3 and body["refused"] == 0  # as the single re-route does
    assert {_tip(session, n)[2] for n in (a, b, c)} == {"N1"}
    alone = make_tip(session, keyring, N1_POINT, narrative="Nothing related.").tip_number
    for number, payload, status in (
        (alone, {"action": "claim"}, 400),  # no cluster
        ("ZZZZ-ZZZZ", {"action": "claim"}, 404),
        (a, {"action": "burn<script>"}, 400),
        (a, {"action": "close"}, 400),  # no disposition
    ):
        response = client.post(
            f"/api/v1/staff/tips/{number}/cluster", json=payload, headers=bearer(sup)
        )
        assert response.status_code == status, (number, payload, response.get_json())
        assert set(response.get_json()["error"]) >= {"status", "code", "message"}
        assert "<script>" not in response.get_data(as_text=True)


def test_the_tip_page_offers_the_cluster_form_and_it_works(own_app, session, keyring):
    web = own_app()
    api = web.test_client()
    sup = make_user(session, keyring, "sup", "supervisor")
    a, b, _ = _cluster(session, keyring, api, sup)
    lone = make_tip(session, keyring, N1_POINT, narrative="A bike with no cluster.").tip_number
    client = _signed_in(web, session, sup)
    page = client.get(f"/staff/tips/{a}").get_data(as_text=True)
    assert 'id="cluster-form"' in page and "Apply to all 3 tips" in page
    assert 'id="cluster-form"' not in client.get(f"/staff/tips/{lone}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    done = client.post(
        f"/staff/tips/{a}/cluster",
        data={"csrf_token": token.group(1), "action": "close", "disposition": "duplicate"},
        follow_redirects=True,
    )
    assert "Closed 3 tips." in done.get_data(as_text=True)
    assert _tip(session, b)[0] == "closed"
    forged = client.post(f"/staff/tips/{a}/cluster", data={"action": "claim"})
    assert forged.status_code == 400  # no CSRF token
