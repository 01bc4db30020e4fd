"""API tokens: scopes (read, work, reveal) and expiry, enforced by the staff access rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from intake.identity.service import Contact
from intake.models import ApiToken, utcnow
from intake.staff import service as staff_service
from tests.staff.factories import N1_POINT, make_tip, make_user, totp_now

pytestmark = pytest.mark.usefixtures("fast_passwords")


def _token(session, created, scope: str, days: int = 90) -> dict[str, str]:
    token = staff_service.issue_api_token(session, created.user, scope=scope, days=days)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _reveal(client, tip_number: str, headers: dict[str, str], created=None):
    body = {"reason": "Court order 2024-17"}
    if created is not None:
        body["totp"] = totp_now(created)
    return client.post(f"/api/v1/staff/tips/{tip_number}/reveal", json=body, headers=headers)


def test_a_read_token_reads_and_changes_nothing(client, session, keyring):
    detective = make_user(session, keyring, "det", "detective", ("N1",))
    tip = make_tip(session, keyring, N1_POINT)
    read = _token(session, detective, "read")
    assert client.get("/api/v1/staff/queues", headers=read).status_code == 200
    assert client.get(f"/api/v1/staff/tips/{tip.tip_number}", headers=read).status_code == 200
    refused = client.post(f"/api/v1/staff/tips/{tip.tip_number}/claim", headers=read)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    work = _token(session, detective, "work")
    claimed = client.post(f"/api/v1/staff/tips/{tip.tip_number}/claim", headers=work)
    assert claimed.status_code == 200


def test_only_a_reveal_token_reveals_and_only_for_a_role_that_may(client, session, keyring):
    supervisor = make_user(session, keyring, "sup", "supervisor")
    detective = make_user(session, keyring, "det", "detective", ("N1",))
    tip = make_tip(session, keyring, N1_POINT, channel="web", contact=Contact(phone="+16175550123"))
    for scope in ("read", "work"):
        refused = _reveal(client, tip.tip_number, _token(session, supervisor, scope), supervisor)
        assert refused.status_code == 403, scope
        assert "+16175550123" not in refused.get_data(as_text=True)
    headers = _token(session, detective, "reveal")
    assert _reveal(client, tip.tip_number, headers, detective).status_code == 403
    revealed = _reveal(client, tip.tip_number, _token(session, supervisor, "reveal"), supervisor)
    assert revealed.status_code == 200 and revealed.get_json()["identity"]["phone"]


def test_an_expired_token_is_refused_with_the_json_401(client, session, keyring):
    detective = make_user(session, keyring, "det", "detective", ("N1",))
    headers = _token(session, detective, "work", days=1)
    assert client.get("/api/v1/staff/queues", headers=headers).status_code == 200
    session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    response = client.get("/api/v1/staff/queues", headers=headers)
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "unauthorized" and "expired" in error["message"]


def test_new_tokens_expire_in_90_days_by_default_and_at_most_a_year(session, keyring):
    detective = make_user(session, keyring, "det", "detective", ("N1",))
    staff_service.issue_api_token(session, detective.user, name="default")
    session.flush()
    row = session.query(ApiToken).filter_by(name="default").one()
    assert row.scope == "work" and row.expires_at - row.created_at == timedelta(days=90)
    for scope, days in (("admin", 30), ("read", 0), ("read", 366)):
        with pytest.raises(staff_service.InvalidInputError):
            staff_service.issue_api_token(session, detective.user, scope=scope, days=days)


def test_both_reveal_views_are_marked(app):
    for endpoint in ("staff_reveal_api.reveal", "staff_pages.reveal"):
        assert app.view_functions[endpoint].required_token_scope == "reveal", endpoint
