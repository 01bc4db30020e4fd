"""Related tips: same plate, same photo, nearby; only tips the viewer may see; decisions."""

from __future__ import annotations

import io
import random
from types import SimpleNamespace

import pytest
from PIL import Image

from tests.staff.factories import H2_POINT, N1_POINT, bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def team(session, keyring) -> SimpleNamespace:
    return SimpleNamespace(
        n1=make_user(session, keyring, "det-n1", "detective", ("N1",)),
        sup=make_user(session, keyring, "sup", "supervisor"),
    )


def _away(steps: int) -> tuple[float, float]:
    """A point of district N1 ``steps`` x 450 m north of the others (out of "nearby")."""
    return (N1_POINT[0] + 0.004 * steps, N1_POINT[1])


def _related(client, user, number):
    response = client.get(f"/api/v1/staff/tips/{number}", headers=bearer(user))
    assert response.status_code == 200
    return {r["tip_number"]: r for r in response.get_json()["related"]}


def _photo(seed: int, quality: int = 90, size: tuple[int, int] = (96, 72)) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (12, 9))
    image.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(12 * 9)])
    buffer = io.BytesIO()
    image.resize(size).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def test_two_tips_naming_the_same_plate_are_related_both_ways(client, session, keyring, team):
    first = make_tip(session, keyring, N1_POINT, narrative="Grey sedan 7XKD 392 sells at night.")
    second = make_tip(session, keyring, N1_POINT, narrative="The car with plate 7xkd-392 is back.")
    other = make_tip(session, keyring, _away(1), narrative="A grey sedan sells at night too.")
    assert (
        "same plate or number 7XKD392"
        in (_related(client, team.n1, first.tip_number)[second.tip_number]["why"])
    )
    assert first.tip_number in _related(client, team.n1, second.tip_number)
    assert other.tip_number not in _related(client, team.n1, first.tip_number)


def test_the_same_named_person_or_address_relates_tips_however_written(
    client, session, keyring, team
):
    first = make_tip(
        session, keyring, N1_POINT, narrative="Marcus A. Lee sells pills out of 45 Elm St."
    )
    second = make_tip(
        session, keyring, _away(1), narrative="Yesterday Marcus Lee was shouting at kids."
    )
    third = make_tip(
        session, keyring, _away(2), narrative="Cars come and go all night at 45 elm street."
    )
    fourth = make_tip(
        session, keyring, _away(3), narrative="marcus sells pills on elm, lee street side"
    )
    related = _related(client, team.n1, first.tip_number)
    assert "same name Marcus Lee" in related[second.tip_number]["why"]
    assert "same address 45 Elm Street" in related[third.tip_number]["why"]
    assert fourth.tip_number not in related  # the same words, but no name, no address
    assert first.tip_number in _related(client, team.n1, second.tip_number)
    assert first.tip_number in _related(client, team.n1, third.tip_number)
    assert second.tip_number not in _related(client, team.n1, third.tip_number)


def test_the_same_photo_relates_tips_even_re_encoded(client, session, keyring, team):
    first = make_tip(session, keyring, N1_POINT, narrative="This man.", images=(_photo(1),))
    second = make_tip(
        session, keyring, N1_POINT, narrative="Him again.", images=(_photo(1, 60, (192, 144)),)
    )
    third = make_tip(session, keyring, _away(1), narrative="Someone else.", images=(_photo(2),))
    related = _related(client, team.n1, second.tip_number)
    assert "same photo" in related[first.tip_number]["why"]
    assert third.tip_number not in related
    assert second.tip_number in _related(client, team.n1, first.tip_number)


def test_related_tips_in_queues_the_viewer_cannot_see_are_not_listed(
    client, session, keyring, team
):
    mine = make_tip(session, keyring, N1_POINT, narrative="Plate 7XKD 392 at the rink.")
    theirs = make_tip(session, keyring, H2_POINT, narrative="Plate 7XKD 392 at the mill.")
    assert theirs.tip_number not in _related(client, team.n1, mine.tip_number)
    assert theirs.tip_number in _related(client, team.sup, mine.tip_number)


def test_nearby_tips_of_the_same_category_within_250_m_are_related(client, session, keyring, team):
    lat, lon = N1_POINT
    here = make_tip(session, keyring, (lat, lon), narrative="Shots fired near the rink.")
    close = make_tip(session, keyring, (lat + 0.001, lon), narrative="Gunshots heard, shots fired.")
    far = make_tip(session, keyring, (lat + 0.01, lon), narrative="Shots fired by the quarry.")
    related = _related(client, team.n1, here.tip_number)
    assert "within 110 m" in related[close.tip_number]["why"]
    assert far.tip_number not in related


def test_confirmed_links_form_a_cluster_and_rejected_ones_are_not_suggested(
    client, session, keyring, team
):
    a = make_tip(session, keyring, N1_POINT, narrative="Plate 7XKD 392 at the rink.")
    b = make_tip(session, keyring, N1_POINT, narrative="Plate 7XKD 392 again.")
    c = make_tip(session, keyring, _away(1), narrative="Van ABC 1234 by the school.")
    d = make_tip(session, keyring, N1_POINT, narrative="Plate 7XKD 392 once more.")
    path = f"/api/v1/staff/tips/{a.tip_number}/links"
    for other, decision in ((b, "confirmed"), (d, "rejected")):
        response = client.post(
            path,
            json={"tip_number": other.tip_number, "decision": decision},
            headers=bearer(team.n1),
        )
        assert response.status_code == 200
    client.post(
        f"/api/v1/staff/tips/{b.tip_number}/links",
        json={"tip_number": c.tip_number, "decision": "confirmed"},
        headers=bearer(team.n1),
    )
    from_a = _related(client, team.n1, a.tip_number)
    assert from_a[c.tip_number]["why"] == "confirmed: same incident"  # through b
    assert from_a[b.tip_number]["is_confirmed"]
    assert d.tip_number not in from_a
    bad = client.post(
        path, json={"tip_number": a.tip_number, "decision": "confirmed"}, headers=bearer(team.n1)
    )
    assert bad.status_code == 400
