"""Working the queue: assignee filters, the status control, Claim only where it applies, and a
notice naming the new queue when a detective's tip is re-routed away."""

from __future__ import annotations

import re

import pytest

from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import N1_POINT, bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")


def test_assigned_to_me_and_unassigned_filters(client, session, keyring):
    n1 = make_user(session, keyring, "det-n1", "detective", ("N1",))
    other = make_user(session, keyring, "det-n1b", "detective", ("N1",))
    mine = make_tip(session, keyring, N1_POINT, narrative="Bikes sold here.")
    theirs = make_tip(session, keyring, N1_POINT, narrative="Loud music.")
    free = make_tip(session, keyring, N1_POINT, narrative="Graffiti on the wall.")
    client.post(f"/api/v1/staff/tips/{mine.tip_number}/claim", headers=bearer(n1))
    client.post(f"/api/v1/staff/tips/{theirs.tip_number}/claim", headers=bearer(other))

    def numbers(**params):
        body = client.get("/api/v1/staff/tips", query_string=params, headers=bearer(n1))
        return [i["tip_number"] for i in body.get_json()["items"]]

    assert numbers(assigned="me") == [mine.tip_number]
    assert numbers(assigned="none") == [free.tip_number]
    assert (
        client.get(
            "/api/v1/staff/tips", query_string={"assigned": "x"}, headers=bearer(n1)
        ).status_code
        == 400
    )


def test_the_tip_page_status_and_claim_controls(own_app, session, keyring):
    web = own_app()
    n1 = make_user(session, keyring, "det-n1", "detective", ("N1",))
    created = make_tip(session, keyring, N1_POINT, narrative="Bikes sold here.")
    client = _signed_in(web, session, n1)
    page = client.get(f"/staff/tips/{created.tip_number}").get_data(as_text=True)
    assert 'id="claim"' in page
    assert re.search(r'<option selected value="new">new</option>', page)
    web.config["WTF_CSRF_ENABLED"] = False
    client.post(f"/staff/tips/{created.tip_number}/claim")
    page = client.get(f"/staff/tips/{created.tip_number}").get_data(as_text=True)
    assert 'id="claim"' not in page  # already theirs
    assert re.search(r'<option selected value="assigned">assigned</option>', page)


def test_a_detective_whose_tip_is_moved_away_is_told_where(client, own_app, session, keyring):
    web = own_app()
    n1 = make_user(session, keyring, "det-n1", "detective", ("N1",))
    bystander = make_user(session, keyring, "det-n1b", "detective", ("N1",))
    sup = make_user(session, keyring, "sup", "supervisor")
    created = make_tip(session, keyring, N1_POINT, narrative="Bikes sold here.")
    path = f"/api/v1/staff/tips/{created.tip_number}"
    client.post(f"{path}/claim", headers=bearer(n1))
    moved = client.patch(path, json={"queue": "H2", "reason": "It is in H2."}, headers=bearer(sup))
    assert moved.status_code == 200
    page = _signed_in(web, session, n1).get(f"/staff/tips/{created.tip_number}")
    assert page.status_code == 404
    assert "moved this tip to" in page.get_data(as_text=True)
    assert "(H2)" in page.get_data(as_text=True)
    other = _signed_in(web, session, bystander).get(f"/staff/tips/{created.tip_number}")
    assert other.status_code == 404 and "moved" not in other.get_data(as_text=True)


def test_staff_errors_have_a_staff_page(own_app, session, keyring):
    web = own_app()
    n1 = make_user(session, keyring, "det-n1", "detective", ("N1",))
    client = _signed_in(web, session, n1)
    missing = client.get("/staff/tips/ZZZZ-9999")
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404
    assert "There is no such page or tip in your queues." in page and "Back to my queues" in page
    assert "Send a tip" not in page  # the residents' error page is not shown to staff
    refused = client.get("/staff/audit/")
    assert refused.status_code == 403 and "Your role may not use this page." in refused.get_data(
        as_text=True
    )
