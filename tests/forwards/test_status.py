"""The social-media team sees the status of what it forwarded (received, being worked on,
closed), its own forwards only, newest first and paged, and nothing of the work on the tip."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from intake.models import Queue, Tip
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

NARRATIVE = "Un hombre vende armas desde la camioneta azul detrás del mercado de Elm."
NOTE = "Matches case 2026-4411, informant Ramirez"


@pytest.fixture
def team(session, keyring) -> SimpleNamespace:
    return SimpleNamespace(
        social=make_user(session, keyring, "soc", "social_media"),
        other_social=make_user(session, keyring, "soc2", "social_media"),
        sup=make_user(session, keyring, "sup-lopez", "supervisor"),
        n1=make_user(session, keyring, "det-n1", "detective", ("N1",)),
    )


def _forward(client, user, text=NARRATIVE, **body):
    values = {"platform": "instagram", "text": text, "handle": "@vecina_del_5b", **body}
    response = client.post("/api/v1/staff/forwards", json=values, headers=bearer(user))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["tip_number"]


def _mine(client, user, **query):
    response = client.get("/api/v1/staff/forwards", query_string=query, headers=bearer(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_each_user_sees_their_own_forwards_newest_first(client, session, keyring, team):
    first = _forward(client, team.social, text=NARRATIVE + " Primera.")
    second = _forward(client, team.social, text=NARRATIVE + " Segunda.")
    theirs = _forward(client, team.other_social, text=NARRATIVE + " De otra persona.")
    make_tip(session, keyring, narrative="A web tip in a detective's queue, not a forward.")

    body = _mine(client, team.social)
    assert [item["tip_number"] for item in body["items"]] == [second, first]
    assert body["next_cursor"] is None
    item = body["items"][0]
    assert set(item) == {"tip_number", "platform", "forwarded_at", "status"}
    assert item["platform"] == "instagram" and item["status"] == "received"
    assert [i["tip_number"] for i in _mine(client, team.other_social)["items"]] == [theirs]


def test_the_listing_pages_on_with_a_cursor(client, session, team):
    numbers = [_forward(client, team.social, text=f"{NARRATIVE} Número {n}.") for n in range(5)]
    seen, cursor = [], None
    while True:
        body = _mine(client, team.social, limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [item["tip_number"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == numbers[::-1]
    bad = client.get("/api/v1/staff/forwards?cursor=nonsense", headers=bearer(team.social))
    assert bad.status_code == 400 and "nonsense" not in bad.get_data(as_text=True)


def test_only_the_roles_that_forward_see_forwards(client, team):
    assert client.get("/api/v1/staff/forwards", headers=bearer(team.n1)).status_code == 403
    assert client.get("/api/v1/staff/forwards").status_code == 401
    assert _mine(client, team.sup)["items"] == []  # supervisors forward too: their own


def test_status_follows_the_work_in_words_and_shows_nothing_of_it(app, client, session, team):
    number = _forward(client, team.social)
    session.rollback()
    queue_code = session.scalar(
        select(Queue.code).join(Tip, Tip.queue_id == Queue.id).where(Tip.tip_number == number)
    )

    def status():
        return _mine(client, team.social)["items"][0]["status"]

    assert status() == "received"
    sup = bearer(team.sup)
    assert client.post(f"/api/v1/staff/tips/{number}/claim", headers=sup).status_code == 200
    note = client.post(f"/api/v1/staff/tips/{number}/notes", json={"body": NOTE}, headers=sup)
    assert note.status_code == 201
    assert status() == "being worked on"
    closed = client.patch(
        f"/api/v1/staff/tips/{number}",
        json={"status": "closed", "disposition": "actioned"},
        headers=sup,
    )
    assert closed.status_code == 200, closed.get_json()
    assert status() == "closed"

    session.rollback()
    page = _signed_in(app, session, team.social).get("/staff/forwards")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert number in html and 'fw-closed">closed</span>' in html
    json_text = client.get("/api/v1/staff/forwards", headers=bearer(team.social)).get_data(
        as_text=True
    )
    for shown in (html, json_text):
        for secret in (NARRATIVE[:30], "camioneta", "2026-4411", "Ramirez", "sup-lopez", "vecina"):
            assert secret not in shown, secret
        assert f">{queue_code}<" not in shown and f'"{queue_code}"' not in shown


def test_the_page_is_linked_from_the_form_and_the_nav(app, session, team):
    browser = _signed_in(app, session, team.social)
    form = browser.get("/staff/forward/").get_data(as_text=True)
    assert 'href="/staff/forwards"' in form
    empty = browser.get("/staff/forwards")
    assert empty.status_code == 200 and "not forwarded anything" in empty.get_data(as_text=True)
    session.rollback()
    detective = _signed_in(app, session, team.n1)
    assert detective.get("/staff/forwards").status_code == 403
