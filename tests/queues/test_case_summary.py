"""A tip's case number (records system) and the printable case summary: audited, never the
identity, only for tips the viewer may see."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from intake.identity.service import Contact
from intake.models import AuditEvent, Tip
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import H2_POINT, N1_POINT, bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

PHONE = "+16175550123"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_a_case_number_is_set_cleared_and_audited(own_app, session, keyring):
    web = own_app()
    detective = make_user(session, keyring, "det-n1", "detective", ("N1",))
    tip = make_tip(session, keyring, N1_POINT)
    client = _signed_in(web, session, detective)
    page = client.get(f"/staff/tips/{tip.tip_number}").get_data(as_text=True)
    assert 'id="rms-case-number"' in page and "Tipster's language" in page

    saved = client.post(
        f"/staff/tips/{tip.tip_number}/case",
        data={"csrf_token": _csrf(page), "rms_case_number": "  2026-004411  "},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Case number saved." in saved and "2026-004411" in saved
    session.expire_all()
    assert session.scalar(select(Tip.rms_case_number)) == "2026-004411"
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "tip.case_number_set")
    ).all()
    assert [e.details for e in events] == [{"from": None, "to": "2026-004411"}]
    session.rollback()  # end the test's read: the app's next request writes

    for bad in ("<script>", "a" * 41, "case\x00one", "-leading"):
        refused = client.post(
            f"/staff/tips/{tip.tip_number}/case",
            data={"csrf_token": _csrf(page), "rms_case_number": bad},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert "letters, digits, spaces" in refused and "<script>" not in refused
    session.expire_all()
    assert session.scalar(select(Tip.rms_case_number)) == "2026-004411"
    session.rollback()

    api = web.test_client()
    cleared = api.patch(
        f"/api/v1/staff/tips/{tip.tip_number}",
        json={"rms_case_number": ""},
        headers=bearer(detective),
    )
    assert cleared.status_code == 200 and cleared.get_json()["rms_case_number"] is None
    again = api.patch(
        f"/api/v1/staff/tips/{tip.tip_number}",
        json={"rms_case_number": "BPD 26-1234"},
        headers=bearer(detective),
    )
    assert again.get_json()["rms_case_number"] == "BPD 26-1234"
    shown = api.get(f"/api/v1/staff/tips/{tip.tip_number}", headers=bearer(detective)).get_json()
    assert shown["rms_case_number"] == "BPD 26-1234"


def test_the_summary_prints_the_case_without_the_identity(own_app, session, keyring):
    web = own_app()
    supervisor = make_user(session, keyring, "sup", "supervisor")
    tip = make_tip(
        session,
        keyring,
        N1_POINT,
        channel="web",
        narrative="A grey van is parked at the corner every night and men unload boxes.",
        contact=Contact(phone=PHONE, name="Ana Witness"),
    )
    client = _signed_in(web, session, supervisor)
    page = client.get(f"/staff/tips/{tip.tip_number}").get_data(as_text=True)
    client.post(
        f"/staff/tips/{tip.tip_number}/notes",
        data={"csrf_token": _csrf(page), "note_body": "Matches case 2026-4411."},
    )

    summary = client.get(f"/staff/tips/{tip.tip_number}/summary")
    assert summary.status_code == 200 and summary.headers["Cache-Control"] == "no-store"
    text = summary.get_data(as_text=True)
    assert "grey van" in text and tip.tip_number in text
    assert PHONE not in text and "5550123" not in text and "Ana Witness" not in text
    assert "Matches case 2026-4411." not in text  # notes only when asked
    with_notes = client.get(f"/staff/tips/{tip.tip_number}/summary?notes=1").get_data(as_text=True)
    assert "Matches case 2026-4411." in with_notes and PHONE not in with_notes
    printed = session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "tip.summary_printed")
    ).all()
    assert printed == [{"notes": False}, {"notes": True}]


def test_another_districts_tip_has_no_summary_and_no_case_number(own_app, session, keyring):
    web = own_app()
    detective = make_user(session, keyring, "det-n1", "detective", ("N1",))
    theirs = make_tip(session, keyring, H2_POINT)
    client = _signed_in(web, session, detective)
    assert client.get(f"/staff/tips/{theirs.tip_number}/summary").status_code == 404
    page = client.get("/staff/").get_data(as_text=True)
    client.post(
        f"/staff/tips/{theirs.tip_number}/case",
        data={"csrf_token": _csrf(page), "rms_case_number": "X-1"},
    )
    patched = web.test_client().patch(
        f"/api/v1/staff/tips/{theirs.tip_number}",
        json={"rms_case_number": "X-1"},
        headers=bearer(detective),
    )
    assert patched.status_code == 404
    session.expire_all()
    assert session.get(Tip, theirs.tip_id).rms_case_number is None
    assert not session.scalars(
        select(AuditEvent).where(
            AuditEvent.action.in_(("tip.summary_printed", "tip.case_number_set"))
        )
    ).all()
