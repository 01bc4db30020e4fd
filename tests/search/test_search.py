"""Search over sealed tips: what a detective finds, what they never find, what is stored."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from intake.crypto import search_token
from intake.models import Queue, SearchToken, Tip
from intake.search import service as search
from intake.submissions.service import add_followup
from intake.tips import service as tips_service
from tests.queues.test_oversight import COMPLAINT
from tests.staff.factories import H2_POINT, N1_POINT, bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")
SEARCH = "/api/v1/staff/tips"


@pytest.fixture
def team(session, keyring) -> SimpleNamespace:
    return SimpleNamespace(
        n1=make_user(session, keyring, "det-n1", "detective", ("N1",)),
        h2=make_user(session, keyring, "det-h2", "detective", ("H2",)),
        sup=make_user(session, keyring, "sup", "supervisor"),
    )


def _numbers(client, user, q, **params):
    response = client.get(SEARCH, query_string={"q": q, **params}, headers=bearer(user))
    assert response.status_code == 200, response.get_json()
    return [item["tip_number"] for item in response.get_json()["items"]]


def test_a_plate_written_with_a_space_is_found_without_one(client, session, keyring, team):
    plate = make_tip(
        session, keyring, N1_POINT, narrative="A grey sedan, plate 7XKD 392, drops bags off."
    )
    make_tip(session, keyring, N1_POINT, narrative="A grey sedan parks by the school.")
    body = client.get(SEARCH, query_string={"q": "7xkd392"}, headers=bearer(team.n1)).get_json()
    assert [(i["tip_number"], i["matched"]) for i in body["items"]] == [
        (plate.tip_number, ["narrative"])
    ]
    assert _numbers(client, team.n1, "7XKD-392") == [plate.tip_number]


def test_spanish_words_match_with_or_without_accents(client, session, keyring, team):
    tip = make_tip(
        session,
        keyring,
        N1_POINT,
        language="es",
        narrative="Un camión blanco vende drogas frente a la panadería.",
    )
    for query in ("camion", "CAMIÓN", "panaderia", "Camión blanco"):
        assert _numbers(client, team.n1, query) == [tip.tip_number], query
    assert _numbers(client, team.n1, "camion rojo") == []


def test_tips_of_queues_the_caller_cannot_see_are_never_found(client, session, keyring, team):
    mine = make_tip(session, keyring, N1_POINT, narrative="Plate 7XKD 392 at the pier.")
    theirs = make_tip(session, keyring, H2_POINT, narrative="Plate 7XKD 392 at the mill.")
    conduct = make_tip(
        session,
        keyring,
        N1_POINT,
        narrative=f"{COMPLAINT} His cruiser was 7XKD 392.",
        channel="web",
    )
    assert conduct.queue_code == "oversight"
    assert _numbers(client, team.n1, "7xkd392") == [mine.tip_number]
    assert _numbers(client, team.h2, "7xkd392") == [theirs.tip_number]
    seen_by_supervisor = _numbers(client, team.sup, "7xkd392")
    assert set(seen_by_supervisor) == {mine.tip_number, theirs.tip_number}
    assert conduct.tip_number not in seen_by_supervisor
    oversight = make_user(session, keyring, "ia", "oversight")
    assert _numbers(client, oversight, "7xkd392") == [conduct.tip_number]


def test_follow_ups_notes_and_replies_are_searchable_in_their_transaction(
    client, session, keyring, team
):
    created = make_tip(session, keyring, N1_POINT, narrative="Someone sells bikes.")
    tip = session.scalar(select(Tip).where(Tip.tip_number == created.tip_number))
    add_followup(session, keyring, tip, "The van is a Ford Transit.", channel="api")
    session.commit()
    tips_service.add_note(
        session, keyring, team.n1.user, created.tip_number, "matches case 2026-4411"
    )
    session.rollback()  # a note that is not committed leaves no token behind
    assert _numbers(client, team.n1, "2026-4411") == []
    tips_service.add_note(
        session, keyring, team.n1.user, created.tip_number, "matches case 2026-4411"
    )
    session.commit()
    body = client.get(SEARCH, query_string={"q": "transit"}, headers=bearer(team.n1)).get_json()
    assert body["items"][0]["matched"] == ["followup"]
    body = client.get(SEARCH, query_string={"q": "2026 4411"}, headers=bearer(team.n1)).get_json()
    assert [i["matched"] for i in body["items"]] == [["note"]]


def test_results_are_newest_first_and_keyset_paged(client, session, keyring, team):
    numbers = [
        make_tip(session, keyring, N1_POINT, narrative=f"Red scooter number {n} stolen.").tip_number
        for n in range(5)
    ]
    first = client.get(
        SEARCH, query_string={"q": "scooter", "limit": 2}, headers=bearer(team.n1)
    ).get_json()
    seen = [i["tip_number"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(
            SEARCH,
            query_string={"q": "scooter", "limit": 2, "cursor": cursor},
            headers=bearer(team.n1),
        ).get_json()
        seen += [i["tip_number"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert seen == list(reversed(numbers))


def test_bad_queries_get_the_one_error_shape_without_echo(client, team):
    for params in ({"q": "the"}, {"q": "scooter", "status": "new"}, {"q": "x", "cursor": "zz"}):
        response = client.get(SEARCH, query_string=params, headers=bearer(team.n1))
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["code"] and "scooter" not in str(error)


def test_the_index_holds_no_plaintext_and_uses_the_search_key(session, keyring, team):
    make_tip(session, keyring, N1_POINT, narrative="Plate 7XKD 392 near Camden Street.")
    rows = session.scalars(select(SearchToken)).all()
    assert rows and all(len(r.token) == 16 for r in rows)
    blob = b"".join(r.token for r in rows).lower()
    for word in (b"7xkd", b"camden", b"street", b"plate"):
        assert word not in blob
    assert search_token(keyring, "camden") in {r.token for r in rows}


def test_reindex_rebuilds_tokens_from_the_sealed_text(app, client, session, keyring, team):
    created = make_tip(session, keyring, N1_POINT, narrative="Blue kayak taken from the dock.")
    tips_service.add_note(
        session, keyring, team.n1.user, created.tip_number, "Harbour cam 12 saw it"
    )
    session.commit()
    before = sorted((r.token, r.field) for r in session.scalars(select(SearchToken)))
    session.execute(SearchToken.__table__.delete())
    session.commit()
    assert _numbers(client, team.n1, "kayak") == []
    result = app.test_cli_runner().invoke(args=["intake", "search", "reindex"])
    assert result.exit_code == 0 and "Reindexed 1 tips." in result.output
    session.expire_all()
    assert sorted((r.token, r.field) for r in session.scalars(select(SearchToken))) == before
    assert _numbers(client, team.n1, "harbour") == [created.tip_number]


def test_the_search_page_finds_words_and_goes_to_a_tip_number(own_app, session, keyring, team):
    from tests.queues.test_audit_page import _signed_in

    web = own_app()
    mine = make_tip(session, keyring, N1_POINT, narrative="Plate 7XKD 392 behind the rink.")
    theirs = make_tip(session, keyring, H2_POINT, narrative="Plate 7XKD 392 at the mill.")
    client = _signed_in(web, session, team.n1)
    home = client.get("/staff/").get_data(as_text=True)
    assert 'role="search"' in home and 'for="bar-q"' in home
    page = client.get("/staff/search", query_string={"q": "7xkd 392"}).get_data(as_text=True)
    assert mine.tip_number in page and theirs.tip_number not in page
    assert "narrative" in page
    lowercase = mine.tip_number.lower().replace("-", "")
    jump = client.get("/staff/search", query_string={"q": lowercase})
    assert jump.status_code == 302 and jump.location.endswith(f"/staff/tips/{mine.tip_number}")
    # Another queue's tip number is searched as words: nothing tells that it exists.
    other = client.get("/staff/search", query_string={"q": theirs.tip_number})
    assert other.status_code == 200 and "No tip matches" in other.get_data(as_text=True)
    empty = client.get("/staff/search", query_string={"q": "the"}).get_data(as_text=True)
    assert "at least one word" in empty


def test_pieces_read_as_one_plate_are_searched_apart_when_that_finds_nothing(
    client, session, keyring, team
):
    apart = make_tip(
        session, keyring, N1_POINT, narrative="Plate ABC, then 1234, a white Ford. XYZ, 5678."
    )
    together = make_tip(session, keyring, N1_POINT, narrative="A white Ford ABC 1234 again.")
    # Read as the plate "abc1234" first, which only the second tip holds.
    assert _numbers(client, team.n1, "abc 1234") == [together.tip_number]
    assert _numbers(client, team.n1, "white 1234") == [together.tip_number, apart.tip_number]
    # No tip holds the plate "xyz5678": its pieces are searched as two words.
    assert _numbers(client, team.n1, "xyz 5678") == [apart.tip_number]


def test_a_rerouted_tip_is_found_in_its_new_queue_only(client, session, keyring, team):
    created = make_tip(session, keyring, N1_POINT, narrative="Plate 7XKD 392 by the pier.")
    assert _numbers(client, team.n1, "7xkd392") == [created.tip_number]
    moved = client.patch(
        f"/api/v1/staff/tips/{created.tip_number}",
        json={"queue": "H2", "reason": "It is in H2."},
        headers=bearer(team.sup),
    )
    assert moved.status_code == 200
    assert _numbers(client, team.n1, "7xkd392") == []
    assert _numbers(client, team.h2, "7xkd392") == [created.tip_number]
    session.expire_all()
    queues_of_tokens = {r.queue_id for r in session.scalars(select(SearchToken))}
    assert len(queues_of_tokens) == 1  # every token followed the tip


def test_a_detective_of_two_queues_pages_through_both_merged_newest_first(
    client, session, keyring, team
):
    both = make_user(session, keyring, "det-both", "detective", ("N1", "H2"))
    numbers = [
        make_tip(
            session, keyring, point, narrative=f"Blue moped number {n} taken from the yard."
        ).tip_number
        for n, point in enumerate([N1_POINT, H2_POINT, H2_POINT, N1_POINT, H2_POINT, N1_POINT])
    ]
    make_tip(session, keyring, N1_POINT, narrative="A red moped by the gate.")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"q": "blue moped", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(SEARCH, query_string=params, headers=bearer(both)).get_json()
        seen += [i["tip_number"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(numbers))
    only_n1 = [n for n, i in zip(numbers, [0, 1, 1, 0, 1, 0], strict=True) if i == 0]
    assert _numbers(client, team.n1, "blue moped") == list(reversed(only_n1))


def test_the_word_with_fewer_rows_where_the_walk_goes_drives_it(
    client, session, keyring, team, monkeypatch
):
    monkeypatch.setattr(search, "RARITY_SAMPLE", 2)
    texts = ["Red scooter by the gate."] * 2 + ["A scooter by the gate."] * 3
    numbers = [make_tip(session, keyring, N1_POINT, narrative=t).tip_number for t in texts]
    red, scooter, gate = (search_token(keyring, w) for w in ("red", "scooter", "gate"))
    n1 = session.scalar(select(Queue.id).where(Queue.code == "N1"))
    # "scooter" and "gate" have their second-newest row in the newest tips, "red" further back.
    assert search._rarest_first(session, [scooter, red, gate], n1, None)[0] == red
    # Two common words: both are past the sample, the order of the others is kept.
    assert search._rarest_first(session, [gate, scooter], n1, None) == [gate, scooter]
    assert _numbers(client, team.n1, "scooter red") == numbers[1::-1]
