"""What a resident meets on the public pages: every problem at once and in their language, photos
never dropped silently, follow-ups sent once, who runs the site, and a way out."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from intake.config import ConfigError, load_settings
from intake.models import Message, Tip
from tests.factories import jpeg_with_gps
from tests.submissions.test_pages import csrf_token, hidden, open_form, post_tip

ENGLISH_ERRORS = (
    "This date is in the future.",
    "does not look right",
    "Not a valid",
    "There is a problem",
    "Field cannot be longer",
    "This field is required",
)


def _number_and_receipt(html: str) -> tuple[str, str]:
    number = re.search(r'id="tip-number">([^<]+)<', html).group(1)
    receipt = re.search(r'id="receipt">([^<]+)<', html).group(1)
    return number, receipt


def _future() -> str:
    return (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")


def test_every_problem_is_shown_at_once_in_the_gov_uk_pattern(client, session) -> None:
    response = post_tip(
        client,
        open_form(client),
        occurred_at=_future(),
        contact_phone="12",
        contact_email="nobody-at-nowhere",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r"<title>Error: ", html)
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    for field in ("occurred_at", "contact_phone", "contact_email"):
        assert f'href="#{field}"' in summary
        tag = re.search(rf'<input[^>]*id="{field}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in tag
        assert f"{field}-error" in tag
        # The message comes before its input.
        assert html.index(f'id="{field}-error"') < html.index(f'id="{field}"')
    assert session.scalar(select(func.count()).select_from(Tip)) == 0


def test_spanish_form_errors_are_all_in_spanish(client, session) -> None:
    html = open_form(client, "es")
    response = client.post(
        "/?lang=es",
        data={
            "csrf_token": csrf_token(html),
            "submission_id": hidden(html, "submission_id"),
            "narrative": "",
            "occurred_at": _future(),
            "contact_phone": "12",
            "contact_email": "nadie",
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Hay un problema" in page and "Esta fecha está en el futuro." in page
    for english in ENGLISH_ERRORS:
        assert english not in page


def test_a_photo_chosen_before_an_error_is_named_to_choose_again(client, session) -> None:
    response = post_tip(
        client,
        open_form(client),
        occurred_at=_future(),
        photo=(io.BytesIO(jpeg_with_gps()), "porch-door.jpg"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "porch-door.jpg" in html and "Choose it again" in html
    assert session.scalar(select(func.count()).select_from(Tip)) == 0


def test_several_photos_are_kept_and_the_confirmation_counts_them(client, session) -> None:
    html = open_form(client)
    response = client.post(
        "/",
        data={
            "csrf_token": csrf_token(html),
            "submission_id": hidden(html, "submission_id"),
            "narrative": "Two men unloading boxes from a van with no plates",
            "photo": [
                (io.BytesIO(jpeg_with_gps()), "one.jpg"),
                (io.BytesIO(jpeg_with_gps((80, 60))), "two.jpg"),
            ],
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 photos are attached to your tip." in page
    number, _ = _number_and_receipt(page)
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    assert len(tip.attachments) == 2


def test_a_tip_without_a_photo_says_so(client) -> None:
    page = post_tip(client, open_form(client)).get_data(as_text=True)
    assert "No photo is attached to your tip." in page


def test_more_photos_than_allowed_are_refused_with_the_text_kept(client, session) -> None:
    html = open_form(client)
    response = client.post(
        "/",
        data={
            "csrf_token": csrf_token(html),
            "submission_id": hidden(html, "submission_id"),
            "narrative": "The same car every night at the corner",
            "photo": [(io.BytesIO(jpeg_with_gps()), f"{i}.jpg") for i in range(6)],
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose at most 5 photos." in page
    assert "The same car every night at the corner" in page


def test_long_text_is_never_cut_by_the_browser_and_the_server_says_why(client, session) -> None:
    form = open_form(client)
    textarea = re.search(r"<textarea[^>]*>", form).group(0)
    assert "maxlength" not in textarea
    assert 'data-limit="10000"' in textarea
    response = post_tip(client, form, narrative="word " * 2300)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "longer than 10,000 characters" in page
    assert session.scalar(select(func.count()).select_from(Tip)) == 0


def _status(client, number: str, receipt: str, lang: str = "en") -> str:
    page = client.get(f"/check?lang={lang}").get_data(as_text=True)
    response = client.post(
        f"/check?lang={lang}",
        data={"csrf_token": csrf_token(page), "tip_number": number, "receipt": receipt},
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_follow_up_sent_twice_by_a_refresh_is_added_once_and_the_box_empties(
    client, session
) -> None:
    number, receipt = _number_and_receipt(post_tip(client, open_form(client)).get_data(True))
    page = _status(client, number, receipt)
    data = {
        "csrf_token": csrf_token(page),
        "tip_number": number,
        "receipt": receipt,
        "reply_id": hidden(page, "reply_id"),
        "body": "The van came back at nine.",
    }
    first = client.post("/check/reply", data=data)
    again = client.post("/check/reply", data=data)
    assert first.status_code == again.status_code == 200
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    inbound = session.scalars(
        select(Message).where(Message.tip_id == tip.id, Message.direction == "inbound")
    ).all()
    assert len(inbound) == 1
    box = re.search(r"<textarea[^>]*>([^<]*)</textarea>", first.get_data(as_text=True)).group(1)
    assert box.strip() == ""
    assert hidden(first.get_data(as_text=True), "reply_id") != data["reply_id"]


def test_switching_language_keeps_what_was_typed(app, client) -> None:
    # No session fixture here: its app context would hold the first request's language.
    html = open_form(client)
    response = client.post(
        "/form?lang=es",
        data={
            "csrf_token": csrf_token(html),
            "submission_id": hidden(html, "submission_id"),
            "narrative": "Hay un coche quemado frente a la tienda",
            "location_text": "Alder Park",
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="es">' in page
    assert "Hay un coche quemado frente a la tienda" in page
    assert 'value="Alder Park"' in page
    with app.app_context():
        from intake.extensions import db

        assert db.session.scalar(select(func.count()).select_from(Tip)) == 0


def test_switching_language_on_the_status_page_keeps_the_page_and_the_draft(client) -> None:
    number, receipt = _number_and_receipt(post_tip(client, open_form(client)).get_data(True))
    page = _status(client, number, receipt)
    assert 'data-carry-form="reply-form"' in page
    response = client.post(
        "/check?lang=es",
        data={
            "csrf_token": csrf_token(page),
            "tip_number": number,
            "receipt": receipt,
            "reply_id": hidden(page, "reply_id"),
            "body": "Vi la furgoneta otra vez",
        },
    )
    spanish = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Denuncia {number}" in spanish
    assert "Vi la furgoneta otra vez" in spanish


def test_every_public_page_has_a_quick_exit_a_skip_link_and_a_tap_to_call_911(client) -> None:
    for path in ("/", "/check", "/privacy", "/?lang=es"):
        html = client.get(path).get_data(as_text=True)
        assert 'id="quick-exit"' in html
        assert 'href="#main"' in html and 'id="main"' in html
        assert 'href="tel:911"' in html
        assert re.search(r'<aside class="emergency" aria-label="[^"]+">', html)
    form = client.get("/").get_data(as_text=True)
    assert form.index("not watched every minute") < form.index("Send tip</button>")


def test_the_department_is_named_on_every_public_page(make_app) -> None:
    app = make_app(
        site_name="Port Alder Police Department",
        non_emergency_phone="(503) 555-0100",
        department_url="https://police.portalder.example",
        site_logo_url="/static/logo.png",
    )
    client = app.test_client()
    for path in ("/", "/check", "/privacy"):
        html = client.get(path).get_data(as_text=True)
        assert "Port Alder Police Department" in html
        assert 'href="tel:5035550100"' in html and "(503) 555-0100" in html
        assert 'href="https://police.portalder.example"' in html
        assert '<img src="/static/logo.png"' in html


@pytest.mark.parametrize(
    ("name", "value"),
    [("SITE_LOGO_URL", "https://cdn.example.com/logo.png"), ("SITE_LOGO_URL", "//evil/logo")],
)
def test_a_logo_from_another_site_is_refused_at_start_up(name, value) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value, "INTAKE_ENV": "testing"})


def test_status_page_times_are_in_the_city_time_zone(client, session, keyring) -> None:
    number, receipt = _number_and_receipt(post_tip(client, open_form(client)).get_data(True))
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    question = Message(tip=tip, direction="outbound", channel="web", delivery_status="available")
    question.body.seal(keyring, "Was it the blue van?")
    question.created_at = datetime(2026, 7, 4, 2, 30, tzinfo=UTC)
    session.add(question)
    session.commit()
    page = _status(client, number, receipt)
    # 02:30 UTC on 4 July is 22:30 the evening before in New York (EDT).
    assert "2026-07-03 22:30 EDT" in page
    assert "UTC</time>" not in page


def _heic_photo() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 200)).save(buffer, format="HEIF")
    return buffer.getvalue()


def test_an_iphone_heic_photo_is_accepted_and_kept_as_jpeg(client, session, keyring) -> None:
    from intake.attachments.service import read_attachment

    response = post_tip(
        client, open_form(client), photo=(io.BytesIO(_heic_photo()), "IMG_0042.HEIC")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:400]
    assert "1 photo is attached to your tip." in page
    number, _ = _number_and_receipt(page)
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    (attachment,) = tip.attachments
    assert attachment.content_type == "image/jpeg"
    assert read_attachment(keyring, attachment)[:3] == b"\xff\xd8\xff"


def test_a_follow_up_from_the_status_page_can_carry_photos(client, session) -> None:
    number, receipt = _number_and_receipt(post_tip(client, open_form(client)).get_data(True))
    page = _status(client, number, receipt)
    assert 'enctype="multipart/form-data"' in page
    response = client.post(
        "/check/reply",
        data={
            "csrf_token": csrf_token(page),
            "tip_number": number,
            "receipt": receipt,
            "reply_id": hidden(page, "reply_id"),
            "body": "Here is the car, it came back.",
            "photo": [(io.BytesIO(jpeg_with_gps()), "car.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    session.refresh(tip)
    assert len(tip.attachments) == 1
    assert tip.attachments[0].message_id is not None


def test_over_the_limit_the_form_keeps_the_text_and_says_when_to_retry(make_app) -> None:
    app = make_app(non_emergency_phone="(503) 555-0100")
    client = app.test_client()
    for attempt in range(10):
        assert post_tip(client, open_form(client), narrative=f"tip {attempt}").status_code == 200
    response = post_tip(client, open_form(client), narrative="The eleventh tip, still typed")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert re.search(r"<title>Error: ", page)
    assert "The eleventh tip, still typed" in page
    assert re.search(r"send it again after \d\d:\d\d", page)
    assert 'href="tel:911"' in page and "(503) 555-0100" in page
    assert int(response.headers["Retry-After"]) > 0
    # Someone else behind the same address (a library, a shelter) can still send a tip.
    neighbour = app.test_client()
    assert (
        post_tip(neighbour, open_form(neighbour), narrative="another resident").status_code == 200
    )


def test_no_english_text_is_left_on_a_spanish_page(client) -> None:
    """Every catalogue message that Spanish says differently must not appear in English."""
    from babel.messages.pofile import read_po

    from tests.test_translations import CATALOG

    with CATALOG.open("rb") as handle:
        english = {
            m.id
            for m in read_po(handle)
            if isinstance(m.id, str) and len(m.id.split()) >= 3 and m.string and m.string != m.id
        }
    number, receipt = _number_and_receipt(post_tip(client, open_form(client)).get_data(True))
    pages = [client.get(path).get_data(as_text=True) for path in ("/?lang=es", "/check?lang=es")]
    pages.append(client.get("/privacy?lang=es").get_data(as_text=True))
    pages.append(_status(client, number, receipt, "es"))
    html = open_form(client, "es")
    pages.append(
        client.post(
            "/?lang=es",
            data={"csrf_token": csrf_token(html), "narrative": "", "occurred_at": _future()},
            content_type="multipart/form-data",
        ).get_data(as_text=True)
    )
    for page in pages:
        text = re.sub(r"<[^>]+>", " ", page)
        leaks = sorted(m for m in english if "<" not in m and "%(" not in m and m in text)
        assert leaks == []
