"""Every route declares its access; staff routes admit exactly the roles their rule names."""

from __future__ import annotations

import uuid

import pytest

from intake.access import rule_for_endpoint
from intake.models.staff import ROLES
from intake.staff import service as staff_service
from intake.staff.access import SESSION_COOKIE
from tests.staff import factories
from tests.staff.factories import make_user

fast_passwords = factories.fast_passwords
own_app = factories.own_app

PATH_VALUES = {
    "tip_number": "ZZZZ-ZZZZ",
    "code": "N1",
    "attachment_id": uuid.UUID(int=0).hex,
    "reward_id": str(uuid.UUID(int=0)),
}


def _staff_routes(app):
    for rule in app.url_map.iter_rules():
        access = rule_for_endpoint(app, rule.endpoint)
        if access is None or access.kind != "staff":
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", PATH_VALUES[name])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path, access


def test_every_endpoint_declares_its_access(app):
    missing = [
        f"{rule.endpoint} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule_for_endpoint(app, rule.endpoint) is None
    ]
    assert missing == []


def test_staff_routes_exist_for_api_and_pages(app):
    endpoints = {endpoint for endpoint, *_ in _staff_routes(app)}
    assert {
        "staff_api.get_tip",
        "staff_audit_api.list_audit",
        "staff_forwards_api.create_forward",
        "staff_forwards_api.list_forwards",
    } <= endpoints
    assert {
        "staff_pages.tip",
        "staff_forward_pages.forward_form",
        "staff_forwards_pages.forwards",
        "staff_audit_pages.audit",
        "staff_account_pages.account",
    } <= endpoints


def test_every_staff_role_has_a_page_it_may_open(app):
    # After logging in, each role lands somewhere: no role is left with only 403s.
    pages = [access for _, method, path, access in _staff_routes(app) if method == "GET"]
    for role in ROLES:
        assert any(role in access.roles for access in pages if access.kind == "staff"), role
    roles = {
        r for _, _, path, a in _staff_routes(app) if path == "/staff/account/" for r in a.roles
    }
    assert roles == set(ROLES)


@pytest.fixture
def matrix_app(own_app):
    app = own_app()
    # The matrix is about roles; CSRF is tested on the forms themselves.
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _client_for(app, role: str | None, session, keyring):
    client = app.test_client()
    headers = {}
    if role is not None:
        created = make_user(
            session, keyring, f"user-{role}", role, ("N1",) if role == "detective" else ()
        )
        headers = {"Authorization": f"Bearer {created.api_token}"}
        # Written through the test's session, then committed: SQLite has one writer at a time.
        pending = staff_service.start_session(session, created.user)
        session.flush()
        token = staff_service.complete_second_factor(
            session, staff_service.find_session(session, pending)
        )
        session.commit()
        client.set_cookie(SESSION_COOKIE, token, path="/staff")
    return client, headers


@pytest.mark.usefixtures("fast_passwords")
@pytest.mark.parametrize("role", [None, *ROLES])
def test_role_route_matrix(matrix_app, session, keyring, role):
    client, headers = _client_for(matrix_app, role, session, keyring)
    failures = []
    for _endpoint, method, path, access in _staff_routes(matrix_app):
        is_api = path.startswith("/api/")
        kwargs = {"headers": headers} if is_api else {}
        if is_api and method in ("POST", "PATCH"):
            kwargs["json"] = {}
        status = client.open(path, method=method, **kwargs).status_code
        allowed = role in access.roles
        if role is None:
            expected_ok = status == 401 if is_api else status == 302
        elif allowed:
            expected_ok = status not in (401, 403) and not (status == 302 and "/login" in path)
        else:
            expected_ok = status == 403
        if not expected_ok:
            failures.append(f"{role} {method} {path}: {status}")
    assert failures == []
