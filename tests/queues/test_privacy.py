"""Identities and narratives that pass through the workspace stay sealed: database, logs, views."""

from __future__ import annotations

import logging

import pytest

from intake.identity.service import Contact, Sender
from tests.privacy_scan import find_in_database, find_in_sqlite_files, find_in_text
from tests.staff.factories import N1_POINT, bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

HANDLE = "@night_owl_whistle_4412"
PHONE = "+16175550177"
EMAIL = "hidden.witness.4412@example.org"
NARRATIVE = "Forwarded: the grey van behind 77 Quarry Lane holds stolen rifles."
NOTE = "Internal: cross-check plate 7ZQX114 with the van registry."
REPLY = "Thank you, can you tell us when the van usually arrives?"


def test_identities_never_reach_staff_views_the_database_or_the_logs(
    client, session, keyring, app_config, caplog
):
    caplog.set_level(logging.DEBUG)
    n1 = make_user(session, keyring, "det-n1", "detective", ("N1",))
    sup = make_user(session, keyring, "sup", "supervisor")
    social = make_user(session, keyring, "soc", "social_media")
    forwarded = client.post(
        "/api/v1/staff/forwards",
        json={
            "platform": "x",
            "url": f"https://x.com/{HANDLE[1:]}/status/1",
            "handle": HANDLE,
            "text": NARRATIVE,
        },
        headers=bearer(social),
    )
    assert forwarded.status_code == 201, forwarded.get_json()
    sms = make_tip(session, keyring, N1_POINT, channel="sms", sender=Sender("phone", PHONE))
    web = make_tip(session, keyring, N1_POINT, channel="web", contact=Contact(email=EMAIL))
    numbers = [forwarded.get_json()["tip_number"], sms.tip_number, web.tip_number]

    staff_text = []
    for number in numbers:
        client.patch(
            f"/api/v1/staff/tips/{number}",
            json={"queue": "N1", "reason": "review"},
            headers=bearer(sup),
        )
        for user in (n1, sup):
            staff_text.append(
                client.get(f"/api/v1/staff/tips/{number}", headers=bearer(user)).get_data(
                    as_text=True
                )
            )
        client.post(f"/api/v1/staff/tips/{number}/notes", json={"body": NOTE}, headers=bearer(n1))
        client.post(
            f"/api/v1/staff/tips/{number}/replies", json={"body": REPLY}, headers=bearer(n1)
        )
    staff_text.append(client.get("/api/v1/staff/tips", headers=bearer(sup)).get_data(as_text=True))
    staff_text.append(client.get("/api/v1/staff/audit", headers=bearer(sup)).get_data(as_text=True))
    identities = [HANDLE, HANDLE[1:], PHONE, PHONE[2:], EMAIL]
    assert find_in_text("\n".join(staff_text), identities) == []
    assert NARRATIVE in "\n".join(staff_text)  # the content itself is shown to staff

    session.commit()
    secrets = [*identities, NARRATIVE, NOTE, REPLY]
    assert find_in_database(session, secrets) == []
    session.commit()
    assert find_in_sqlite_files(app_config["database_url"], secrets) == []
    assert find_in_text(caplog.text, secrets) == []
