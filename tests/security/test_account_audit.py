"""The administrator's console leaves a trace in the audit chain for every change of who may
see what.

Without it, an administrator could create an oversight account with a token, read and reveal
complainants (those reveals are audited under the new name), disable it again, and the chain
would never say who made that account, with which role, or when its token was issued.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from intake.audit.service import verify_chain
from intake.models import AuditEvent

pytestmark = pytest.mark.usefixtures("fast_passwords")


def _events(session) -> list[tuple[str, dict[str, object]]]:
    session.expire_all()
    return [
        (e.action, dict(e.details or {}))
        for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
    ]


def _run(app, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=["intake", "users", *args])
    assert result.exit_code == 0, result.output


def test_every_account_change_is_in_the_chain(app, session):
    _run(app, "create", "evil", "--role", "oversight", "--token", "--scope", "reveal")
    _run(app, "create", "dana", "--role", "detective", "--queue", "N1")
    _run(app, "add-queue", "dana", "H2")
    _run(app, "remove-queue", "dana", "N1")
    _run(app, "token", "dana", "--scope", "read", "--days", "30")
    _run(app, "revoke-tokens", "dana")
    _run(app, "reset", "dana")
    _run(app, "unlock", "dana")
    _run(app, "disable", "evil")
    assert _events(session) == [
        ("user.created", {"user": "evil", "role": "oversight", "queues": []}),
        ("user.enrolment_issued", {"user": "evil"}),
        ("user.token_issued", {"user": "evil", "scope": "reveal", "days": 90}),
        ("user.created", {"user": "dana", "role": "detective", "queues": ["N1"]}),
        ("user.enrolment_issued", {"user": "dana"}),
        ("user.queue_added", {"user": "dana", "queue": "H2"}),
        ("user.queue_removed", {"user": "dana", "queue": "N1"}),
        ("user.token_issued", {"user": "dana", "scope": "read", "days": 30}),
        ("user.tokens_revoked", {"user": "dana", "count": 1}),
        ("user.enrolment_issued", {"user": "dana"}),
        ("user.unlocked", {"user": "dana", "count": 0}),
        ("user.disabled", {"user": "evil"}),
    ]
    assert verify_chain(session) is None


def test_a_refused_change_leaves_nothing(app, session):
    result = app.test_cli_runner().invoke(
        args=["intake", "users", "create", "x", "--role", "detective", "--queue", "NOPE"]
    )
    assert result.exit_code != 0
    assert _events(session) == []


def test_supervisors_read_them_on_the_audit_page(app, own_app, session, keyring):
    from tests.queues.test_audit_page import _signed_in
    from tests.staff.factories import make_user

    _run(app, "create", "evil", "--role", "oversight", "--queue", "N1", "--token")
    supervisor = make_user(session, keyring, "sup", "supervisor")
    page = _signed_in(own_app(), session, supervisor).get("/staff/audit/?action=user.created")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Staff account created" in text and "evil" in text and "oversight" in text
