"""Previous and next pages, sorting and "1–50 of 166": keyset paging in every order."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from intake.errors import InvalidInputError
from intake.models import URGENCY_RANK, Tip
from intake.queues import service
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import H2_POINT, N1_POINT, bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

BASE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
# (urgency, minutes after BASE): two share an instant, ranks are mixed.
SHAPE = [
    ("normal", 0),
    ("high", 5),
    ("normal", 10),
    ("emergency", 10),
    ("normal", 10),
    ("high", 30),
    ("normal", 40),
]


def _tips(session, keyring, shape=SHAPE, point=N1_POINT) -> list[str]:
    numbers = []
    for urgency, minutes in shape:
        number = make_tip(
            session, keyring, point, narrative="Cars race on Elm at night."
        ).tip_number
        session.execute(
            update(Tip)
            .where(Tip.tip_number == number)
            .values(
                urgency=urgency,
                urgency_rank=URGENCY_RANK[urgency],
                created_at=BASE + timedelta(minutes=minutes),
                # Activity runs the other way round, with its own tie.
                updated_at=BASE + timedelta(hours=2, minutes=-min(minutes, 30)),
            )
        )
        numbers.append(number)
    session.commit()
    return numbers


def _expected(session, sort: str) -> list[str]:
    rows = session.execute(
        select(Tip.tip_number, Tip.urgency_rank, Tip.created_at, Tip.updated_at, Tip.id)
    ).all()
    session.rollback()
    if sort == "activity":
        rows.sort(key=lambda r: (-r.updated_at.timestamp(), -r.id.int))
    elif sort == "urgency":
        rows.sort(key=lambda r: (r.urgency_rank, -r.created_at.timestamp(), -r.id.int))
    elif sort == "newest":
        rows.sort(key=lambda r: (-r.created_at.timestamp(), -r.id.int))
    else:
        rows.sort(key=lambda r: (r.created_at.timestamp(), r.id.int))
    return [r.tip_number for r in rows]


def _numbers(page) -> list[str]:
    return [item.tip_number for item in page.items]


@pytest.mark.parametrize("sort", ["urgency", "newest", "oldest", "activity"])
def test_every_order_pages_forward_and_back_over_the_same_pages(session, keyring, sort):
    _tips(session, keyring)
    user = make_user(session, keyring, "det", "detective", ("N1",)).user
    forward, cursor = [], None
    while True:
        page = service.list_tips(session, user, cursor=cursor, limit=2, sort=sort)
        assert (page.prev_cursor is None) == (cursor is None)  # no previous on the first page
        forward.append(_numbers(page))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [n for p in forward for n in p] == _expected(session, sort)
    assert len(forward) == 4 and len(forward[-1]) == 1

    backward, cursor = [], page.prev_cursor
    while cursor is not None:
        page = service.list_tips(session, user, cursor=cursor, limit=2, sort=sort)
        assert page.next_cursor is not None
        backward.append(_numbers(page))
        cursor = page.prev_cursor
    assert list(reversed(backward)) == forward[:-1]


def test_tips_arriving_between_clicks_neither_repeat_nor_vanish(session, keyring):
    _tips(session, keyring)
    user = make_user(session, keyring, "det", "detective", ("N1",)).user
    first = service.list_tips(session, user, limit=2, sort="newest")
    second = service.list_tips(session, user, cursor=first.next_cursor, limit=2, sort="newest")
    arrived = make_tip(session, keyring, N1_POINT).tip_number  # newest of all

    back = service.list_tips(session, user, cursor=second.prev_cursor, limit=2, sort="newest")
    assert _numbers(back) == _numbers(first)
    # The newcomer is one more page back, and that page is the first.
    newest = service.list_tips(session, user, cursor=back.prev_cursor, limit=2, sort="newest")
    assert _numbers(newest)[0] == arrived and newest.prev_cursor is None
    on = service.list_tips(session, user, cursor=second.next_cursor, limit=2, sort="newest")
    assert not set(_numbers(on)) & set(_numbers(second) + _numbers(first))


def test_a_short_page_back_is_the_first_page(session, keyring):
    numbers = _tips(session, keyring)
    user = make_user(session, keyring, "det", "detective", ("N1",)).user
    first = service.list_tips(session, user, limit=3, sort="oldest")
    second = service.list_tips(session, user, cursor=first.next_cursor, limit=3, sort="oldest")
    # Two of the first page's tips close: the page before the second has one tip left.
    closed = _numbers(first)[:2]
    session.execute(update(Tip).where(Tip.tip_number.in_(closed)).values(status="closed"))
    session.commit()
    back = service.list_tips(
        session,
        user,
        cursor=second.prev_cursor,
        limit=3,
        sort="oldest",
        filters=service.TipFilters(status="new"),
    )
    assert back.prev_cursor is None and len(back.items) == 3
    assert _numbers(back)[0] == _numbers(first)[2]
    assert set(numbers) >= set(_numbers(back))


def test_orders_merge_the_queues_of_a_detective_of_two_districts(session, keyring):
    _tips(session, keyring)
    _tips(session, keyring, [("high", 7), ("normal", 10), ("emergency", 50)], point=H2_POINT)
    user = make_user(session, keyring, "det", "detective", ("N1", "H2")).user
    for sort in ("urgency", "newest", "oldest", "activity"):
        seen, cursor = [], None
        for _ in range(10):
            page = service.list_tips(session, user, cursor=cursor, limit=3, sort=sort)
            seen += _numbers(page)
            if (cursor := page.next_cursor) is None:
                break
        assert seen == _expected(session, sort), sort


def test_a_cursor_works_only_with_its_order_and_orders_are_checked(session, keyring):
    _tips(session, keyring)
    user = make_user(session, keyring, "det", "detective", ("N1",)).user
    page = service.list_tips(session, user, limit=2, sort="newest")
    with pytest.raises(InvalidInputError):
        service.list_tips(session, user, cursor=page.next_cursor, sort="urgency")
    with pytest.raises(InvalidInputError):
        service.list_tips(session, user, sort="random")


def test_the_count_follows_filters_and_visible_queues_and_is_capped(session, keyring):
    _tips(session, keyring)
    _tips(session, keyring, [("high", 7), ("normal", 10)], point=H2_POINT)
    n1 = make_user(session, keyring, "det-n1", "detective", ("N1",)).user
    sup = make_user(session, keyring, "sup", "supervisor").user
    assert service.count_tips(session, n1) == service.TipCount(7, False)
    assert service.count_tips(session, sup) == service.TipCount(9, False)
    assert service.count_tips(session, sup, queue_code="H2").total == 2
    high = service.TipFilters(urgency="high")
    assert service.count_tips(session, n1, filters=high).total == 2
    assert service.count_tips(session, n1, cap=5) == service.TipCount(5, True)


def test_the_api_sorts_and_pages_back(client, session, keyring):
    _tips(session, keyring)
    detective = make_user(session, keyring, "det", "detective", ("N1",))
    first = client.get("/api/v1/staff/tips?sort=oldest&limit=3", headers=bearer(detective))
    body = first.get_json()
    assert [i["tip_number"] for i in body["items"]] == _expected(session, "oldest")[:3]
    assert body["prev_cursor"] is None
    second = client.get(
        f"/api/v1/staff/queues/N1/tips?sort=oldest&limit=3&cursor={body['next_cursor']}",
        headers=bearer(detective),
    ).get_json()
    back = client.get(
        f"/api/v1/staff/tips?sort=oldest&limit=3&cursor={second['prev_cursor']}",
        headers=bearer(detective),
    ).get_json()
    assert back["items"] == body["items"]

    bad = client.get("/api/v1/staff/tips?sort=%3Cscript%3Ezz", headers=bearer(detective))
    assert bad.status_code == 400
    error = bad.get_json()["error"]
    assert set(error) == {"status", "code", "message", "fields"} and "sort" in error["fields"]
    assert "script" not in bad.get_data(as_text=True)
    mixed = client.get(
        f"/api/v1/staff/tips?sort=newest&cursor={body['next_cursor']}", headers=bearer(detective)
    )
    assert mixed.status_code == 400 and "cursor" in mixed.get_json()["error"]["fields"]


def _pager(html: str) -> str:
    found = re.search(r'<p class="pager" id="shown">([^<]*)</p>', html)
    assert found is not None
    return found.group(1)


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_queue_page_shows_where_you_are_with_previous_and_next(
    own_app, session, keyring, monkeypatch
):
    monkeypatch.setattr(service, "LISTING_PAGE", 3)
    _tips(session, keyring)
    web = own_app()
    client = _signed_in(web, session, make_user(session, keyring, "det", "detective", ("N1",)))

    html = client.get("/staff/queues/N1?sort=newest").get_data(as_text=True)
    assert _pager(html) == "1–3 of 7" and _link(html, "prev") is None
    html = client.get(_link(html, "next")).get_data(as_text=True)
    assert _pager(html) == "4–6 of 7" and "sort=newest" in _link(html, "next")
    last = client.get(_link(html, "next")).get_data(as_text=True)
    assert _pager(last) == "7–7 of 7" and _link(last, "next") is None
    html = client.get(_link(last, "prev")).get_data(as_text=True)
    assert _pager(html) == "4–6 of 7"
    html = client.get(_link(html, "prev")).get_data(as_text=True)
    assert _pager(html) == "1–3 of 7" and _link(html, "prev") is None
    # The numbers a hand-edited link claims are not believed on a first page.
    assert _pager(client.get("/staff/queues/N1?start=40").get_data(as_text=True)) == "1–3 of 7"
    # A filter counts only what it lists; a count past the cap says so.
    assert _pager(client.get("/staff/queues/N1?urgency=high").get_data(as_text=True)) == (
        "1–2 of 2"
    )
    monkeypatch.setattr(service, "COUNT_CAP", 5)
    assert _pager(client.get("/staff/queues/N1").get_data(as_text=True)) == "1–3 of 5+"


def test_column_headers_sort_with_aria_sort(own_app, session, keyring):
    _tips(session, keyring)
    web = own_app()
    client = _signed_in(web, session, make_user(session, keyring, "det", "detective", ("N1",)))
    default = client.get("/staff/queues/N1?urgency=high").get_data(as_text=True)
    assert re.search(r'<th scope="col" aria-sort="descending"><a [^>]*>Urgency', default)
    received = re.search(r'<th scope="col"><a href="([^"]+)">Received', default)
    assert received is not None and "sort=newest" in received.group(1)
    assert "urgency=high" in received.group(1)  # the filters stay
    newest = client.get(received.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert re.search(r'<th scope="col" aria-sort="descending"><a href="[^"]*sort=oldest', newest)
    oldest = client.get("/staff/queues/N1?sort=oldest").get_data(as_text=True)
    assert 'aria-sort="ascending"' in oldest
    rows = re.findall(r'href="/staff/tips/([^"]+)"', oldest)
    assert rows == _expected(session, "oldest")[:7]
    # An unknown order is the default one, never an error page that repeats it.
    odd = client.get("/staff/queues/N1?sort=%3Cb%3Ebold")
    assert odd.status_code == 200 and "<b>bold" not in odd.get_data(as_text=True)


def test_a_tip_that_changes_moves_to_the_top_of_last_activity(client, session, keyring):
    numbers = _tips(session, keyring)
    detective = make_user(session, keyring, "det", "detective", ("N1",))
    oldest_activity = _expected(session, "activity")[-1]
    claimed = client.post(f"/api/v1/staff/tips/{oldest_activity}/claim", headers=bearer(detective))
    assert claimed.status_code == 200
    listing = client.get("/api/v1/staff/tips?sort=activity", headers=bearer(detective)).get_json()
    assert listing["items"][0]["tip_number"] == oldest_activity
    assert listing["items"][0]["last_activity_at"] is not None
    assert {i["tip_number"] for i in listing["items"]} == set(numbers)


def test_the_last_activity_header_sorts(own_app, session, keyring):
    _tips(session, keyring)
    web = own_app()
    client = _signed_in(web, session, make_user(session, keyring, "det", "detective", ("N1",)))
    html = client.get("/staff/queues/N1?sort=activity").get_data(as_text=True)
    assert re.search(r'<th scope="col" aria-sort="descending"><a [^>]*>Last activity', html)
    rows = re.findall(r'href="/staff/tips/([^"]+)"', html)
    assert rows == _expected(session, "activity")
