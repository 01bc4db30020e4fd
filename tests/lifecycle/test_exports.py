"""Records-request copies are redacted; the prosecutor's copy needs a reason; both are audited;
supervisors hold and export from the tip page."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from intake.identity.service import Contact
from intake.lifecycle.export import redact
from intake.models import AuditEvent, LegalHold
from tests.lifecycle.helpers import NAME, PHONE, tip_by_number
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

TOLD = (
    "Ana Witness here, call me at 617-555-0123 or ana@example.org. He lives at 42 Harbor "
    "Street and posts as @marco_r on https://social.example/marco. He sells pills."
)


def test_redaction_masks_contacts_links_handles_addresses_and_known_details():
    masked = redact(TOLD, (NAME, PHONE))
    for gone in (
        "Ana Witness",
        "617-555-0123",
        "ana@example.org",
        "42 Harbor Street",
        "@marco_r",
        "https://social.example/marco",
    ):
        assert gone not in masked
    assert "He sells pills." in masked


def _actions(session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_export_command_writes_a_redacted_copy_and_a_reason_bound_one(
    app, session, keyring, tmp_path
):
    created = make_tip(
        session,
        keyring,
        channel="web",
        narrative=TOLD,
        location_text="42 Harbor Street",
        contact=Contact(phone=PHONE, name=NAME),
    )
    runner = app.test_cli_runner()
    records = runner.invoke(args=["intake", "export", "--tip", created.tip_number])
    assert records.exit_code == 0, records.output
    copy = json.loads(records.output)
    assert copy["export"] == "records" and copy["tip_number"] == created.tip_number
    assert "He sells pills." in copy["narrative"]
    for gone in (PHONE, "617-555-0123", NAME, "42 Harbor Street", "@marco_r"):
        assert gone not in records.output
    assert copy["withheld"]["location"] is True
    assert "identity" not in copy

    no_reason = runner.invoke(
        args=["intake", "export", "--tip", created.tip_number, "--prosecutor"]
    )
    assert no_reason.exit_code != 0 and "Say why" in no_reason.output
    out = tmp_path / "copy.json"
    prosecutor = runner.invoke(
        args=[
            "intake",
            "export",
            "--tip",
            created.tip_number,
            "--prosecutor",
            "--reason",
            "State v. Ruiz, discovery order 27-88",
            "--include-identity",
            "--out",
            str(out),
        ]
    )
    assert prosecutor.exit_code == 0, prosecutor.output
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    full = json.loads(out.read_text())
    assert full["narrative"] == TOLD and full["location_text"] == "42 Harbor Street"
    assert full["identity"]["phone"] == PHONE
    session.expire_all()
    events = session.execute(
        select(AuditEvent.action, AuditEvent.details).order_by(AuditEvent.seq)
    ).all()
    assert [a for a, _ in events][-2:] == ["export.records", "export.prosecutor"]
    assert events[-1][1] == {
        "reason": "State v. Ruiz, discovery order 27-88",
        "included_identity": True,
    }
    assert PHONE not in str(events)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def test_supervisors_hold_and_export_from_the_tip_page(own_app, session, keyring):
    web = own_app()
    sup = make_user(session, keyring, "sup", "supervisor")
    det = make_user(session, keyring, "det", "detective", queues=("N1",))
    created = make_tip(session, keyring, channel="web", narrative=TOLD)
    client = _signed_in(web, session, sup)
    page = client.get(f"/staff/tips/{created.tip_number}").get_data(as_text=True)
    assert 'id="legal-hold"' in page
    token = _csrf(page)
    held = client.post(
        f"/staff/tips/{created.tip_number}/hold",
        data={"csrf_token": token, "hold": "on", "reason": "Civil suit 27-114"},
    )
    assert held.status_code == 302
    assert session.get(LegalHold, tip_by_number(session, created.tip_number).id) is not None
    session.commit()

    form = client.get(f"/staff/tips/{created.tip_number}/export").get_data(as_text=True)
    download = client.post(
        f"/staff/tips/{created.tip_number}/export",
        data={"csrf_token": _csrf(form), "kind": "records"},
    )
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    assert "617-555-0123" not in download.get_data(as_text=True)
    assert _actions(session)[-1] == "export.records"
    session.commit()

    detective = _signed_in(web, session, det)
    tip_page = detective.get(f"/staff/tips/{created.tip_number}").get_data(as_text=True)
    assert 'id="legal-hold"' not in tip_page
    refused = detective.get(f"/staff/tips/{created.tip_number}/export")
    assert refused.status_code in (403, 404)
