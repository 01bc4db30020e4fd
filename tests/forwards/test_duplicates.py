"""A post or link already forwarded is flagged ("forwarded before as tip X") and linked to the
first tip as the same incident, on both tips' pages and in the API, for viewers who may see both;
the digest that finds it never holds the link in clear."""

from __future__ import annotations

import hashlib
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from intake.crypto import forward_source_digest
from intake.forwards.rules import normalise_source_url
from intake.models import Queue, Tip, TipLink
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import bearer, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

LINK = "https://www.facebook.com/PortAlderPD/posts/pfbid0Xq7?comment_id=55"
TEXT = "Venden droga en la esquina de Elm todas las noches, desde las 10."


@pytest.fixture
def team(session, keyring) -> SimpleNamespace:
    return SimpleNamespace(
        social=make_user(session, keyring, "soc", "social_media"),
        other_social=make_user(session, keyring, "soc2", "social_media"),
        sup=make_user(session, keyring, "sup", "supervisor"),
        n1=make_user(session, keyring, "det-n1", "detective", ("N1",)),
    )


def _forward(client, user, **body):
    values = {"platform": "facebook", "text": TEXT, **body}
    response = client.post("/api/v1/staff/forwards", json=values, headers=bearer(user))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _related(client, user, number):
    response = client.get(f"/api/v1/staff/tips/{number}", headers=bearer(user))
    assert response.status_code == 200, response.get_json()
    return {r["tip_number"]: r for r in response.get_json()["related"]}


def _move(session, number, code):
    queue_id = session.scalar(select(Queue.id).where(Queue.code == code))
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    tip.queue_id = queue_id
    session.commit()


def test_the_same_link_forwarded_twice_is_flagged_and_linked_both_ways(client, session, team):
    first = _forward(client, team.social, url=LINK)
    assert first["forwarded_before"] is None and first["notice"] is None
    # Another member of the team, another copy of the link, other words around it.
    second = _forward(
        client,
        team.other_social,
        url="http://m.facebook.com/portalderpd/posts/pfbid0Xq7/?comment_id=55&fbclid=IwAR2",
        text="Same post again, another neighbour answered it with a photo of the corner.",
    )
    assert second["tip_number"] != first["tip_number"]  # a tip still: nothing is lost
    assert second["forwarded_before"] == first["tip_number"]
    assert second["forwarded_before_why"] == "same link"
    assert f"Forwarded before as tip {first['tip_number']}" in second["notice"]

    session.rollback()
    ids = dict(session.execute(select(Tip.tip_number, Tip.id)).all())
    link = session.scalar(select(TipLink))
    assert link is not None and link.decision == "confirmed"
    assert {link.low_tip_id, link.high_tip_id} == {
        ids[first["tip_number"]],
        ids[second["tip_number"]],
    }

    on_first = _related(client, team.sup, first["tip_number"])
    on_second = _related(client, team.sup, second["tip_number"])
    assert "same link" in on_first[second["tip_number"]]["why"]
    assert "same link" in on_second[first["tip_number"]]["why"]
    assert on_first[second["tip_number"]]["is_confirmed"] is True

    # A third forward links to the first tip too (and so to the whole cluster).
    third = _forward(
        client, team.social, url="https://facebook.com/portalderpd/posts/pfbid0Xq7?comment_id=55"
    )
    assert third["forwarded_before"] == first["tip_number"]
    assert set(_related(client, team.sup, third["tip_number"])) == {
        first["tip_number"],
        second["tip_number"],
    }


def test_the_link_shows_on_both_tip_pages(app, client, session, team):
    first = _forward(client, team.social, url=LINK)
    second = _forward(client, team.social, url=LINK + "&utm_source=share")
    session.rollback()
    browser = _signed_in(app, session, team.sup)
    for shown, other in ((first, second), (second, first)):
        page = browser.get(f"/staff/tips/{shown['tip_number']}").get_data(as_text=True)
        related = page.split('id="related"', 1)[1].split("</section>", 1)[0]
        assert other["tip_number"] in related and "same link" in related


def test_related_lists_only_tips_the_viewer_may_see(client, session, team):
    first = _forward(client, team.social, url=LINK)
    second = _forward(client, team.social, url=LINK)
    _move(session, first["tip_number"], "N1")
    _move(session, second["tip_number"], "N1")
    assert second["tip_number"] in _related(client, team.n1, first["tip_number"])
    _move(session, second["tip_number"], "H2")
    assert _related(client, team.n1, first["tip_number"]) == {}
    assert first["tip_number"] in _related(client, team.sup, second["tip_number"])


def test_the_same_text_without_a_link_is_linked_as_the_same_post_text(client, session, team):
    first = _forward(client, team.social)
    second = _forward(client, team.social, text=TEXT.upper().replace(",", " —"))
    assert second["forwarded_before"] == first["tip_number"]
    assert second["forwarded_before_why"] == "same post text"
    assert (
        "same post text"
        in _related(client, team.sup, first["tip_number"])[second["tip_number"]]["why"]
    )


def test_other_posts_are_not_linked(client, session, team):
    first = _forward(client, team.social, url=LINK)
    for body in (
        {"url": "https://www.facebook.com/PortAlderPD/posts/pfbid0Xq8?comment_id=55"},
        # "facebook.com" before the "@" is userinfo: this link is evil.example's.
        {"url": "https://facebook.com@evil.example/PortAlderPD/posts/pfbid0Xq7?comment_id=55"},
        # The same words with a link are the link's post, not the text's.
        {"url": "https://x.com/PortAlderPD/status/99"},
        # A few words are said about many things: never matched.
        {"text": "Drugs on Elm"},
        {"text": "Drugs on Elm"},
    ):
        answer = _forward(client, team.social, **body)
        assert answer["forwarded_before"] is None, body
    session.rollback()
    assert session.scalar(select(TipLink)) is None
    assert first["tip_number"]


def test_the_form_says_forwarded_before(app, client, session, team):
    first = _forward(client, team.social, url=LINK)
    session.rollback()
    browser = _signed_in(app, session, team.social)
    form = browser.get("/staff/forward/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    answer = browser.post(
        "/staff/forward/",
        data={"csrf_token": token, "platform": "facebook", "url": LINK, "text": "Seen again."},
    )
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Forwarded before as tip" in page and first["tip_number"] in page
    assert 'id="forwarded-before"' in page


def test_the_digest_holds_no_link_in_clear(client, session, keyring, team):
    answer = _forward(client, team.social, url=LINK)
    session.rollback()
    tip = session.scalar(select(Tip).where(Tip.tip_number == answer["tip_number"]))
    assert tip.source_digest is not None and len(tip.source_digest) == 32
    assert b"facebook" not in tip.source_digest.lower()
    normal = normalise_source_url(LINK)
    assert tip.source_digest == forward_source_digest(keyring, "url", normal)
    # Keyed: the bare SHA-256 of the normal form (what anyone could compute) is something else.
    assert tip.source_digest != hashlib.sha256(f"url:{normal}".encode()).digest()
