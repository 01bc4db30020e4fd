"""Residents name their priorities; the district's aggregate shows them once enough answered."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from intake.models import PriorityChoice, PriorityResponse
from intake.priorities.rules import COOKIE_NAME
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import make_user
from tests.submissions.test_pages import csrf_token


def _month() -> str:
    return datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m")


def _answer(client, district="N1", concerns=("drugs",), free_text="", lang="en"):
    """One resident's answer; ``client`` stands for a new device each time (no cookie kept)."""
    client.delete_cookie(COOKIE_NAME, path="/priorities")
    return _post(client, district, concerns, free_text, lang)


def _post(client, district="N1", concerns=("drugs",), free_text="", lang="en"):
    page = client.get(f"/priorities?lang={lang}").get_data(as_text=True)
    return client.post(
        f"/priorities?lang={lang}",
        data={
            "csrf_token": csrf_token(page),
            "district": district,
            "concerns": list(concerns),
            "free_text": free_text,
        },
    )


def _aggregate_cell(client, concern_label: str, column: int) -> str:
    html = client.get("/stats/priorities").get_data(as_text=True)
    row = re.search(rf"<tr><th scope=\"row\">{concern_label}</th>(.*?)</tr>", html).group(1)
    cells = re.findall(r'<td class="n">(.*?)</td>', row)
    return re.sub(r"<span class=\"visually-hidden\">.*?</span>|<[^>]+>", "", cells[column]).strip()


def test_an_answer_appears_in_its_district_once_the_threshold_is_met(client, session):
    # Ten residents on ten devices; the districts are in code order: H2, N1, R4, S3.
    for _ in range(9):
        assert _answer(client).status_code == 200
    assert _aggregate_cell(client, "Drugs", 1) == "*"
    assert _answer(client).status_code == 200
    assert _aggregate_cell(client, "Drugs", 1) == "10"
    assert _aggregate_cell(client, "Drugs", 0) == "*"  # H2: nobody, shown as hidden


def test_one_answer_per_device_per_month_with_a_cookie_holding_only_the_month(client, session):
    first = _answer(client, concerns=("drugs", "theft"))
    assert first.status_code == 200
    cookie = client.get_cookie(COOKIE_NAME, path="/priorities")
    assert cookie is not None and cookie.http_only
    # Signed, and holding the month alone: another resident gets the very same value.
    payload, _signature = cookie.value.split(".")  # no timestamp part
    assert re.fullmatch(r"\d{4}-\d{2}", URLSafeSerializer("x").loads_unsafe(cookie.value)[1])
    assert base64.urlsafe_b64decode(payload + "==") == f'"{_month()}"'.encode()
    first_value = cookie.value
    _answer(client, district="H2")  # another device: no cookie yet
    assert client.get_cookie(COOKIE_NAME, path="/priorities").value == first_value
    page = client.get("/check").get_data(as_text=True)  # the priorities form is gone: any token
    again = client.post(
        "/priorities", data={"csrf_token": csrf_token(page), "district": "N1", "concerns": "arson"}
    )
    assert "already answered" in again.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(PriorityResponse)) == 2
    # A forged cookie (another month, or no signature) does not count as an answer.
    client.set_cookie(COOKIE_NAME, "2020-01", path="/priorities")
    assert "already answered" not in client.get("/priorities").get_data(as_text=True)


def test_free_text_is_classified_and_never_stored(client, session):
    words = "People sell crack on the corner every night near the school"
    response = _answer(client, concerns=(), free_text=words)
    assert response.status_code == 200
    choices = session.execute(select(PriorityChoice.category_code, PriorityChoice.source)).all()
    assert choices == [("drugs", "free_text")]
    # Nothing of the words is kept anywhere in the answer's rows.
    for row in session.execute(select(PriorityResponse.__table__)).all():
        assert "crack" not in repr(row)


def test_more_than_three_concerns_or_none_are_refused_in_spanish(client, session):
    response = _answer(client, concerns=("drugs", "theft", "arson", "gang"), lang="es")
    assert response.status_code == 400
    assert "Elija como máximo 3" in response.get_data(as_text=True)
    response = _answer(client, concerns=(), lang="es")
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(PriorityResponse)) == 0


def test_a_prosecutor_compares_priorities_with_tips_for_their_districts(
    own_app, session, keyring, fast_passwords
):
    web = own_app()
    resident = web.test_client()
    for _ in range(2):
        _answer(resident, district="N1", concerns=("drugs",))
    _answer(resident, district="H2", concerns=("arson",))
    prosecutor = make_user(session, keyring, "da-n1", "prosecutor", ("N1",))
    page = _signed_in(web, session, prosecutor).get("/staff/community/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # Unsuppressed (2 is below the public minimum), and N1 alone.
    assert "Northside" in html and "Harbor" not in html
    assert re.search(r"Drugs</th><td>0</td><td>[^<]*</td><td>2</td>", html)
