"""Listing rows a detective can scan: snippet, place, age, channel and language, category names."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from intake.models import Tip
from intake.queues import service
from intake.queues.rules import age_words, snippet_of
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import N1_POINT, bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

LONG = (
    "A grey van parks behind the laundromat on Elm Street every night around two and two men "
    "carry boxes into the basement of the yellow house next door while a third keeps watch."
)


def test_a_snippet_is_one_line_cut_on_a_word_boundary():
    assert snippet_of("Short   text\non two lines.") == "Short text on two lines."
    cut = snippet_of(LONG)
    assert len(cut) <= 121 and cut.endswith("…")
    assert LONG.startswith(cut[:-1]) and LONG[len(cut) - 1] == " "  # a whole word ends it
    assert snippet_of("x" * 300) == "x" * 120 + "…"  # one long word is cut where it is


def test_ages_are_short():
    now = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    assert age_words(now - timedelta(seconds=20), now) == "just now"
    assert age_words(now - timedelta(minutes=12), now) == "12 min"
    assert age_words(now - timedelta(hours=3, minutes=59), now) == "3 h"
    assert age_words(now - timedelta(days=2, hours=5), now) == "2 d"
    assert age_words(now + timedelta(minutes=5), now) == "just now"  # a clock a little ahead


def test_the_service_gives_snippets_only_when_asked(session, keyring):
    detective = make_user(session, keyring, "det", "detective", ("N1",))
    make_tip(session, keyring, N1_POINT, narrative=LONG, language="es")
    plain = service.list_tips(session, detective.user).items[0]
    assert plain.snippet is None
    assert (plain.place, plain.language, plain.channel) == ("Northside", "es", "api")
    with_text = service.list_tips(session, detective.user, keyring=keyring).items[0]
    assert with_text.snippet == snippet_of(LONG)
    assert with_text.category_label == service.category_labels(session)[with_text.category]


def test_the_queue_page_row_shows_snippet_place_age_channel_and_label(
    own_app, session, keyring, caplog
):
    caplog.set_level(logging.DEBUG)
    web = own_app()
    detective = make_user(session, keyring, "det", "detective", ("N1", "triage"))
    tip = make_tip(session, keyring, N1_POINT, narrative=LONG, channel="web")
    nowhere = make_tip(session, keyring, None, narrative="Someone sells drugs somewhere.")
    session.execute(
        update(Tip)
        .where(Tip.tip_number == tip.tip_number)
        .values(created_at=datetime.now(UTC) - timedelta(hours=3, minutes=5))
    )
    session.commit()
    client = _signed_in(web, session, detective)

    html = client.get("/staff/queues/N1").get_data(as_text=True)
    assert snippet_of(LONG) in html and LONG not in html
    assert "Northside" in html and ">web · en<" in html
    label = service.category_labels(session)[tip.category]
    session.rollback()
    assert f'data-label="Category">{label}' in html
    # The age, with the exact local time (the city's zone) as the title of a <time>.
    stamp = re.search(r'<time datetime="([^"]+)" title="([^"]+)">3 h</time>', html)
    assert stamp is not None
    assert datetime.fromisoformat(stamp.group(1)).tzinfo is not None
    assert stamp.group(2).endswith(("EST", "EDT"))

    triage = client.get("/staff/queues/triage").get_data(as_text=True)
    assert nowhere.tip_number in triage and "no place" in triage
    # Decrypted for the page, never logged.
    assert "laundromat" not in caplog.text


def test_the_api_listing_has_labels_place_channel_language_but_no_text(client, session, keyring):
    detective = make_user(session, keyring, "det", "detective", ("N1",))
    make_tip(session, keyring, N1_POINT, narrative=LONG)
    response = client.get("/api/v1/staff/tips", headers=bearer(detective))
    (item,) = response.get_json()["items"]
    assert item["place"] == "Northside" and item["language"] == "en"
    assert item["category_label"] and item["category_label"] != item["category"]
    assert "snippet" not in item and "laundromat" not in response.get_data(as_text=True)


def test_a_tip_whose_key_is_gone_does_not_break_the_page(own_app, session, keyring):
    web = own_app()
    detective = make_user(session, keyring, "det", "detective", ("N1",))
    lost = make_tip(session, keyring, N1_POINT, narrative="Unreadable now.")
    kept = make_tip(session, keyring, N1_POINT, narrative=LONG)
    session.execute(update(Tip).where(Tip.tip_number == lost.tip_number).values(wrapped_key=None))
    session.commit()
    html = _signed_in(web, session, detective).get("/staff/queues/N1").get_data(as_text=True)
    assert lost.tip_number in html and kept.tip_number in html
    assert snippet_of(LONG) in html and "(no text)" in html
