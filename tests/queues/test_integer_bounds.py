"""Integers beyond what the database columns hold are refused as input, not a 500."""

from __future__ import annotations

import pytest

from intake.staff import service as staff_service
from intake.staff.access import SESSION_COOKIE
from tests.staff.factories import bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

HUGE = str(10**30)


def test_a_huge_page_cursor_is_invalid_input_not_a_crash(client, session, keyring):
    supervisor = make_user(session, keyring, "sup", "supervisor")
    make_tip(session, keyring)
    for value in (HUGE, str(2**63), str(2**31), "-" + HUGE):
        response = client.get(f"/api/v1/staff/audit?before={value}", headers=bearer(supervisor))
        assert response.status_code == 400, value
        error = response.get_json()["error"]
        assert error["code"] == "invalid_input" and HUGE not in response.get_data(as_text=True)
    largest = client.get(f"/api/v1/staff/audit?before={2**31 - 1}", headers=bearer(supervisor))
    assert largest.status_code == 200 and largest.get_json()["items"]


def test_the_audit_page_ignores_a_huge_cursor(own_app, session, keyring):
    web = own_app()
    supervisor = make_user(session, keyring, "sup", "supervisor")
    tip = make_tip(session, keyring)
    pending = staff_service.start_session(session, supervisor.user)
    session.flush()
    token = staff_service.complete_second_factor(
        session, staff_service.find_session(session, pending)
    )
    session.commit()
    client = web.test_client()
    client.set_cookie(SESSION_COOKIE, token, path="/staff")
    for value in (HUGE, str(2**31)):
        page = client.get(f"/staff/audit/?before={value}")
        assert page.status_code == 200 and tip.tip_number in page.get_data(as_text=True)
