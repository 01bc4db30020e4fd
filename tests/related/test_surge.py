"""The surge view: tips since a time, grouped by confirmed links and by the same photo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from intake.models import utcnow
from tests.queues.test_audit_page import _signed_in
from tests.related.test_related import _away, _photo
from tests.staff.factories import H2_POINT, N1_POINT, bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")
SURGE = "/api/v1/staff/surge"


@pytest.fixture
def team(session, keyring) -> SimpleNamespace:
    return SimpleNamespace(
        n1=make_user(session, keyring, "det-n1", "detective", ("N1",)),
        sup=make_user(session, keyring, "sup", "supervisor"),
        social=make_user(session, keyring, "soc", "social_media"),
    )


def _link(client, user, a, b, decision="confirmed"):
    response = client.post(
        f"/api/v1/staff/tips/{a.tip_number}/links",
        json={"tip_number": b.tip_number, "decision": decision},
        headers=bearer(user),
    )
    assert response.status_code == 200, response.get_json()


def _surge(client, user, since, **params):
    response = client.get(
        SURGE, query_string={"since": since.isoformat(), **params}, headers=bearer(user)
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _groups(body):
    return [
        (sorted(t["tip_number"] for t in g["tips"]), g["why"], g["size"]) for g in body["groups"]
    ]


def test_tips_since_a_time_are_grouped_by_confirmed_links_and_by_photo(
    client, session, keyring, team
):
    old = make_tip(session, keyring, N1_POINT, narrative="Last week: the same blue van.")
    since = utcnow()
    a = make_tip(session, keyring, N1_POINT, narrative="Saw the girl from the poster.")
    b = make_tip(session, keyring, _away(1), narrative="The girl was at the bus stop.")
    c = make_tip(session, keyring, N1_POINT, narrative="Blue van again, by the mill.")
    d = make_tip(session, keyring, N1_POINT, narrative="A photo of him.", images=(_photo(7),))
    e = make_tip(
        session,
        keyring,
        N1_POINT,
        narrative="Same man, my picture.",
        images=(_photo(7, 55, (192, 144)),),  # re-encoded and resized: the same perceptual hash
    )
    alone = make_tip(session, keyring, N1_POINT, narrative="Loud music every night.")
    _link(client, team.n1, a, b)
    _link(client, team.n1, old, c)  # c's group reaches outside the window: c alone inside it
    body = _surge(client, team.n1, since)
    assert body["total"] == 6
    groups = _groups(body)
    assert (sorted([a.tip_number, b.tip_number]), ["confirmed: same incident"], 2) in groups
    assert (sorted([d.tip_number, e.tip_number]), ["same photo"], 2) in groups
    assert len(groups) == 2
    ungrouped = {t["tip_number"] for t in body["ungrouped"]}
    assert ungrouped == {c.tip_number, alone.tip_number}
    assert old.tip_number not in str(body)  # before the window
    for group in body["groups"]:
        times = [t["created_at"] for t in group["tips"]]
        assert times == sorted(times, reverse=True)
        assert group["first_at"] == times[-1] and group["last_at"] == times[0]
    # Confirming c with a (both in the window) joins the two groups through old.
    _link(client, team.n1, c, a)
    merged = _groups(_surge(client, team.n1, since))
    assert (
        sorted([a.tip_number, b.tip_number, c.tip_number]),
        ["confirmed: same incident"],
        3,
    ) in merged


def test_a_rejected_pair_is_not_grouped_by_its_photo(client, session, keyring, team):
    since = utcnow()
    a = make_tip(session, keyring, N1_POINT, narrative="Photo one.", images=(_photo(3),))
    b = make_tip(session, keyring, _away(1), narrative="Photo two.", images=(_photo(3),))
    assert len(_surge(client, team.n1, since)["groups"]) == 1
    _link(client, team.n1, a, b, "rejected")
    body = _surge(client, team.n1, since)
    assert body["groups"] == [] and len(body["ungrouped"]) == 2


def test_only_the_viewers_queues_count_and_a_category_narrows(client, session, keyring, team):
    since = utcnow()
    mine = make_tip(session, keyring, N1_POINT, narrative="Photo.", images=(_photo(5),))
    theirs = make_tip(session, keyring, H2_POINT, narrative="Photo.", images=(_photo(5),))
    body = _surge(client, team.n1, since)
    assert body["total"] == 1 and body["groups"] == []
    assert [t["tip_number"] for t in body["ungrouped"]] == [mine.tip_number]
    assert theirs.tip_number not in str(body)
    seen_by_supervisor = _surge(client, team.sup, since)
    assert seen_by_supervisor["total"] == 2 and seen_by_supervisor["groups"][0]["size"] == 2
    category = seen_by_supervisor["ungrouped"] or seen_by_supervisor["groups"][0]["tips"]
    code = category[0]["category"]
    assert _surge(client, team.sup, since, category=code)["total"] >= 1
    other = "homicide" if code != "homicide" else "fraud"
    assert _surge(client, team.sup, since, category=other)["total"] == 0


def test_bad_input_gets_the_one_error_shape_without_echo(client, team):
    for params in (
        {"since": "yesterday<script>"},
        {"since": "2026-12-03T10:00:00"},  # no offset: which 10:00?
        {},
        {"since": "2026-12-03T10:00:00+00:00", "category": "nope<b>"},
    ):
        response = client.get(SURGE, query_string=params, headers=bearer(team.n1))
        assert response.status_code in (400, 422), params
        error = response.get_json()["error"]
        assert set(error) >= {"status", "code", "message"}
        assert "<script>" not in response.get_data(as_text=True)
        assert "nope" not in response.get_data(as_text=True)
    assert client.get(SURGE, query_string={"since": utcnow().isoformat()}).status_code == 401
    refused = client.get(
        SURGE, query_string={"since": utcnow().isoformat()}, headers=bearer(team.social)
    )
    assert refused.status_code == 403


def test_the_page_takes_a_city_time_and_shows_groups_with_counts(own_app, session, keyring, team):
    web = own_app()
    zone = ZoneInfo(web.extensions["intake"].settings.timezone)
    since_local = (datetime.now(UTC) - timedelta(minutes=5)).astimezone(zone)
    a = make_tip(session, keyring, N1_POINT, narrative="Photo.", images=(_photo(9),))
    b = make_tip(session, keyring, _away(1), narrative="Photo.", images=(_photo(9),))
    client = _signed_in(web, session, team.n1)
    page = client.get(
        "/staff/surge/", query_string={"since": since_local.strftime("%Y-%m-%dT%H:%M")}
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "1 group of 2 tips" in html and a.tip_number in html and b.tip_number in html
    assert "same photo" in html
    assert page.headers["Cache-Control"] == "no-store"
    later = (datetime.now(UTC) + timedelta(hours=1)).astimezone(zone)  # nothing yet
    empty = client.get("/staff/surge/", query_string={"since": later.strftime("%Y-%m-%dT%H:%M")})
    assert "<strong>0</strong> tips" in empty.get_data(as_text=True)
    bad = client.get("/staff/surge/", query_string={"since": "31/12/2026<i>x"})
    assert bad.status_code == 400
    assert "Give a date and time" in bad.get_data(as_text=True)
    assert "<i>x" not in bad.get_data(as_text=True)
    default = client.get("/staff/surge/")  # the last 24 hours
    assert default.status_code == 200 and a.tip_number in default.get_data(as_text=True)
    social = make_user(session, keyring, "soc2", "social_media")
    assert _signed_in(web, session, social).get("/staff/surge/").status_code == 403
