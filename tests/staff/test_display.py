"""Bidi and other invisible controls in tipster text show as [U+XXXX] on every staff page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from intake.identity.service import Contact, Sender
from intake.models import Tip
from intake.staff.display import show_invisible
from intake.submissions.service import add_followup
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import N1_POINT, bearer, make_tip, make_user, totp_now

pytestmark = pytest.mark.usefixtures("fast_passwords")

RLO = "\u202e"
CONTROLS = [
    *(chr(c) for c in range(0x202A, 0x202F)),
    *(chr(c) for c in range(0x2066, 0x206A)),
    "\u200e",
    "\u200f",
    "\u061c",
]


@pytest.mark.parametrize("char", CONTROLS)
def test_every_bidi_control_is_shown(char):
    shown = show_invisible(f"a{char}b")
    assert char not in shown and shown == f"a[U+{ord(char):04X}]b"


@pytest.mark.parametrize("char", ["\u200b", "\u2060", "\ufeff", "\u00ad", "\U000e0041"])
def test_hiding_format_characters_are_shown(char):
    assert char not in show_invisible(f"x{char}y")


def test_ordinary_text_in_any_script_is_untouched():
    for text in (
        "Sells drugs on Elm St.",
        "يبيع المخدرات في الشارع",  # Arabic needs no control to read right to left
        "שלום",
        "می‌خواهم",  # Persian spelling uses the zero-width non-joiner
        "👨‍👩‍👧",  # an emoji sequence joined by zero-width joiners
        "Ñandú, café",
    ):
        assert show_invisible(text) == text


def test_tipster_text_on_staff_pages_shows_its_controls(own_app, session, keyring):
    web = own_app()
    web.config["WTF_CSRF_ENABLED"] = False
    sup = make_user(session, keyring, "sup", "supervisor")
    sms = make_tip(
        session,
        keyring,
        N1_POINT,
        channel="sms",
        sender=Sender("phone", "+16175550123"),
        narrative=f"The dealer hides it in the file invoice{RLO}gpj.exe near the park",
        location_text=f"Elm St{RLO} 12",
    )
    web_tip = make_tip(
        session,
        keyring,
        N1_POINT,
        channel="web",
        narrative="Someone sells stolen bikes at the market.",
        contact=Contact(name=f"Ana{RLO}nivlaK", phone="+16175550199"),
    )
    tip = session.scalar(select(Tip).where(Tip.tip_number == sms.tip_number))
    add_followup(session, keyring, tip, f"It is the {RLO}der car", channel="sms")
    session.commit()
    client = _signed_in(web, session, sup)
    client.post(f"/staff/tips/{sms.tip_number}/notes", data={"note_body": f"copied: {RLO}xyz"})
    page = client.get(f"/staff/tips/{sms.tip_number}").get_data(as_text=True)
    assert RLO not in page
    assert "invoice[U+202E]gpj.exe" in page  # the narrative
    assert "Elm St[U+202E] 12" in page  # the place
    assert "It is the [U+202E]der car" in page  # the thread
    assert "copied: [U+202E]xyz" in page  # a note
    revealed = client.post(
        f"/staff/tips/{web_tip.tip_number}/reveal",
        data={"reason": "Court order 2024-17", "totp": totp_now(sup)},
    ).get_data(as_text=True)
    assert RLO not in revealed and "Ana[U+202E]nivlaK" in revealed
    for path in ("/staff/", "/staff/queues/N1", "/staff/audit/"):
        assert RLO not in client.get(path).get_data(as_text=True)


def test_the_api_returns_text_as_stored(client, session, keyring):
    sup = make_user(session, keyring, "sup", "supervisor")
    created = make_tip(session, keyring, N1_POINT, narrative=f"A car{RLO} with no plates")
    detail = client.get(f"/api/v1/staff/tips/{created.tip_number}", headers=bearer(sup)).json
    assert detail["narrative"] == f"A car{RLO} with no plates"


def test_staff_pages_show_times_in_the_city_time_zone(own_app, session, keyring):
    from datetime import UTC, datetime

    from sqlalchemy import update

    web = own_app()
    web.config["WTF_CSRF_ENABLED"] = False
    sup = make_user(session, keyring, "sup", "supervisor")
    created = make_tip(session, keyring, N1_POINT, channel="web")
    session.execute(
        update(Tip)
        .where(Tip.tip_number == created.tip_number)
        .values(created_at=datetime(2026, 7, 4, 2, 30, tzinfo=UTC))
    )
    session.commit()
    client = _signed_in(web, session, sup)
    page = client.get(f"/staff/tips/{created.tip_number}").get_data(as_text=True)
    # 02:30 UTC on 4 July is 22:30 the evening before in New York (EDT), the default TIMEZONE.
    assert "2026-07-03 22:30 EDT" in page
    listing = client.get("/staff/queues/N1").get_data(as_text=True)
    assert "2026-07-03 22:30 EDT" in listing
    assert " UTC" not in page
