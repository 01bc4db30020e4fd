"""The audit log page: supervisors read it, newest first, filtered by tip number."""

from __future__ import annotations

import pytest

from intake.staff import service as staff_service
from intake.staff.access import SESSION_COOKIE
from tests.staff.factories import make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")


def _signed_in(app, session, created):
    client = app.test_client()
    pending = staff_service.start_session(session, created.user)
    session.flush()
    token = staff_service.complete_second_factor(
        session, staff_service.find_session(session, pending)
    )
    session.commit()
    client.set_cookie(SESSION_COOKIE, token, path="/staff")
    return client


def test_supervisors_read_the_audit_log_by_tip(own_app, session, keyring):
    web = own_app()
    supervisor = make_user(session, keyring, "sup", "supervisor")
    first = make_tip(session, keyring)
    second = make_tip(session, keyring, narrative="Someone sells stolen bikes at the market.")
    client = _signed_in(web, session, supervisor)

    everything = client.get("/staff/audit/").get_data(as_text=True)
    assert first.tip_number in everything and second.tip_number in everything
    assert everything.index(second.tip_number) < everything.index(first.tip_number)  # newest first
    assert "stolen bikes" not in everything

    filtered = client.get(f"/staff/audit/?tip={first.tip_number}").get_data(as_text=True)
    assert first.tip_number in filtered and second.tip_number not in filtered
    unknown = client.get("/staff/audit/?tip=ZZZZ-ZZZZ")
    assert unknown.status_code == 200 and "No tip has this number." in unknown.get_data(
        as_text=True
    )


@pytest.mark.parametrize("role", ["detective", "social_media", "admin"])
def test_other_roles_may_not_read_it(own_app, session, keyring, role):
    web = own_app()
    created = make_user(session, keyring, f"user-{role}", role)
    assert _signed_in(web, session, created).get("/staff/audit/").status_code == 403
