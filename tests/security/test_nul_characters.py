"""A NUL character in a login, a filter or an API body is never a 500.

PostgreSQL's text type cannot hold NUL: a NUL reaching a query in clear (a login name, the audit
log's staff filter, a category or queue code) made the driver raise, a 500, before anyone had
signed in for the login form. The API refuses it (400); a page treats it as a name or filter
that matches nothing, like any other odd value.
"""

from __future__ import annotations

import re

import pytest

from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import N1_POINT, bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")


def test_the_login_form_refuses_a_nul_in_the_username(own_app):
    web = own_app().test_client()
    html = web.get("/staff/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    form = {"csrf_token": csrf, "username": "adm\x00in", "password": "x" * 16}
    assert web.post("/staff/login", data=form).status_code == 401  # a failed login, counted


def test_staff_pages_match_a_nul_to_nothing(own_app, session, keyring):
    make_tip(session, keyring, N1_POINT)
    web = _signed_in(own_app(), session, make_user(session, keyring, "sup", "supervisor"))
    for path in ("/staff/audit/?user=%00", "/staff/queues/N1?category=a%00"):
        assert web.get(path).status_code == 200, path
    surge = web.get("/staff/surge/?category=a%00")  # as for any unknown category
    assert surge.status_code == 400 and "There is no such category." in surge.get_data(True)


def test_a_reroute_or_assignment_naming_a_nul_is_refused_as_unknown(session, keyring):
    from intake.errors import InvalidInputError
    from intake.tips import service

    sup = make_user(session, keyring, "sup", "supervisor")
    tip = make_tip(session, keyring, N1_POINT).tip_number
    with pytest.raises(InvalidInputError):
        service.assign_tip(session, sup.user, tip, "s\x00up")
    move = service.TipChange(queue="N\x001", reason="Wrong district")
    with pytest.raises(InvalidInputError):
        service.update_tip(session, keyring, sup.user, tip, move)


def test_the_staff_api_refuses_a_nul_in_the_query_or_the_body(client, session, keyring):
    sup = make_user(session, keyring, "sup", "supervisor")
    tip = make_tip(session, keyring, N1_POINT).tip_number
    assert client.get("/api/v1/staff/tips?category=%00", headers=bearer(sup)).status_code == 400
    for body in ({"category": "\x00"}, {"queue": "N\x001", "reason": "Wrong district"}):
        response = client.patch(f"/api/v1/staff/tips/{tip}", json=body, headers=bearer(sup))
        assert response.status_code == 400, body
        assert response.get_json()["error"]["code"] == "invalid_input"
    bulk = {"tip_numbers": [tip], "action": "assign", "assignee": "s\x00up"}
    response = client.post("/api/v1/staff/tips/bulk", json=bulk, headers=bearer(sup))
    assert response.status_code == 400


def test_a_backslash_written_out_is_still_text(client):
    # The six characters \u0000 typed into a narrative are words, not a NUL.
    body = {"narrative": "The sign on the van says \\u0000 and a phone number I could not read."}
    assert client.post("/api/v1/tips", json=body).status_code == 201
