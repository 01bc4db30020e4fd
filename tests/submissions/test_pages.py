"""The resident's web pages, driven through the test client without JavaScript."""

from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import func, select

from intake.attachments.service import read_attachment
from intake.models import Attachment, Tip
from tests.factories import jpeg_with_gps, png_bomb


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "form has no CSRF token"
    return match.group(1)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    assert match, f"form has no {name}"
    return match.group(1)


def open_form(client, lang: str | None = None) -> str:
    response = client.get("/" + (f"?lang={lang}" if lang else ""))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post_tip(client, html: str, **fields):
    data = {
        "csrf_token": csrf_token(html),
        "submission_id": hidden(html, "submission_id"),
        "narrative": "A man keeps a pistol in the mailbox at Alder Park",
        **fields,
    }
    return client.post("/", data=data, content_type="multipart/form-data")


def test_form_submits_without_javascript_and_shows_receipt(client, session) -> None:
    response = post_tip(client, open_form(client), location_text="Alder Park")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    number = re.search(r'id="tip-number">([^<]+)<', html).group(1)
    receipt = re.search(r'id="receipt">([^<]+)<', html).group(1)
    assert re.fullmatch(r"\w{4}-\w{4}", number) and len(receipt) == 19
    assert response.headers["Cache-Control"] == "no-store"
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    assert tip.channel == "web"
    assert tip.queue.code == "N1"


def test_pressing_submit_twice_makes_one_tip_with_the_same_receipt(client, session) -> None:
    html = open_form(client)
    first = post_tip(client, html).get_data(as_text=True)
    second = post_tip(client, html).get_data(as_text=True)
    receipt = re.compile(r'id="receipt">([^<]+)<')
    assert receipt.search(first).group(1) == receipt.search(second).group(1)
    assert session.scalar(select(func.count()).select_from(Tip)) == 1


def test_spanish_from_browser_preference_and_from_the_switch(client) -> None:
    by_header = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert "Envíe un aviso anónimo o una denuncia" in by_header.get_data(as_text=True)
    assert '<html lang="es">' in by_header.get_data(as_text=True)
    by_switch = client.get("/?lang=es", headers={"Accept-Language": "en"})
    assert "¿Qué sabe?" in by_switch.get_data(as_text=True)
    english = client.get("/?lang=en", headers={"Accept-Language": "es"})
    assert "What do you know?" in english.get_data(as_text=True)


def test_spanish_submission_is_confirmed_in_spanish(client, session) -> None:
    html = open_form(client, "es")
    response = post_tip(
        client, html, lang="es", narrative="Venden droga en la esquina de Main Street y Elm Street"
    )
    page = response.get_data(as_text=True)
    assert "Gracias. Recibimos su denuncia." in page
    assert session.scalar(select(Tip.language)) == "es"


def test_missing_csrf_token_is_refused_and_nothing_is_saved(client, session) -> None:
    response = client.post("/", data={"narrative": "hello"})
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(Tip)) == 0


def test_empty_narrative_redisplays_the_form_with_an_error(client, session) -> None:
    response = post_tip(client, open_form(client), narrative="")
    assert response.status_code == 400
    assert "Tell us what you know." in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Tip)) == 0


def test_the_same_form_sent_again_with_other_content_replays_nothing(client, session) -> None:
    html = open_form(client)
    first = post_tip(client, html).get_data(as_text=True)
    receipt = re.search(r'id="receipt">([^<]+)<', first).group(1)

    again = post_tip(client, html, narrative="Actually it was a rifle, in the blue car")
    page = again.get_data(as_text=True)
    assert again.status_code == 409
    assert receipt not in page
    assert "already sent with other content" in page
    assert "Actually it was a rifle" in page  # what they wrote is kept on the page
    assert hidden(page, "submission_id") != hidden(html, "submission_id")
    assert session.scalar(select(func.count()).select_from(Tip)) == 1

    resent = post_tip(client, page, narrative="Actually it was a rifle, in the blue car")
    assert resent.status_code == 200
    assert session.scalar(select(func.count()).select_from(Tip)) == 2


def test_photo_is_stored_without_its_location(client, session, keyring) -> None:
    html = open_form(client)
    response = post_tip(client, html, photo=(io.BytesIO(jpeg_with_gps()), "IMG_0001.jpg"))
    assert response.status_code == 200
    attachment = session.scalar(select(Attachment))
    data = read_attachment(keyring, attachment)
    assert not Image.open(io.BytesIO(data)).getexif()
    assert b"PhoneModel" not in attachment.data_ct and b"PhoneModel" not in data


def test_a_decompression_bomb_is_refused_without_being_decoded(
    client, session, no_decoding
) -> None:
    html = open_form(client)
    response = post_tip(client, html, photo=(io.BytesIO(png_bomb()), "IMG_0002.png"))
    assert response.status_code == 400
    assert "not a photo we can accept" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Tip)) == 0


def test_a_file_that_is_not_a_photo_is_refused_with_the_text_kept(client, session) -> None:
    html = open_form(client)
    response = post_tip(
        client, html, narrative="keep my words", photo=(io.BytesIO(b"%PDF-1.4"), "doc.pdf")
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "not a photo we can accept" in page
    assert "keep my words" in page
    assert session.scalar(select(func.count()).select_from(Tip)) == 0


def test_check_back_read_reply_and_answer(client, session, keyring) -> None:
    confirmation = post_tip(client, open_form(client)).get_data(as_text=True)
    number = re.search(r'id="tip-number">([^<]+)<', confirmation).group(1)
    receipt = re.search(r'id="receipt">([^<]+)<', confirmation).group(1)

    # A detective's question, as the workspace stores it.
    from intake.models import Message

    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    question = Message(tip=tip, direction="outbound", channel="web", delivery_status="available")
    question.body.seal(keyring, "Which mailbox, the blue one?")
    session.add(question)
    session.commit()

    check_page = client.get("/check").get_data(as_text=True)
    status = client.post(
        "/check",
        data={
            "csrf_token": csrf_token(check_page),
            "tip_number": number.lower(),
            "receipt": receipt,
        },
    )
    page = status.get_data(as_text=True)
    assert status.status_code == 200
    assert "Which mailbox, the blue one?" in page
    assert status.headers["Cache-Control"] == "no-store"

    answer = client.post(
        "/check/reply",
        data={
            "csrf_token": csrf_token(page),
            "tip_number": number,
            "receipt": receipt,
            "body": "Yes, the blue one by the gate.",
        },
    )
    assert answer.status_code == 200
    assert "Yes, the blue one by the gate." in answer.get_data(as_text=True)
    assert "Your message was added" in answer.get_data(as_text=True)


def test_wrong_receipt_on_the_check_page_says_so_without_detail(client) -> None:
    post_tip(client, open_form(client))
    page = client.get("/check").get_data(as_text=True)
    response = client.post(
        "/check",
        data={"csrf_token": csrf_token(page), "tip_number": "AAAA-1111", "receipt": "x" * 19},
    )
    assert response.status_code == 404
    assert "No tip matches" in response.get_data(as_text=True)


def test_pages_set_only_the_csrf_cookie_and_strict_headers(client) -> None:
    response = client.get("/")
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("intake_csrf=")
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_load_no_third_party_asset(client) -> None:
    for path in ("/", "/check", "/privacy", "/?lang=es"):
        html = client.get(path).get_data(as_text=True)
        # What the page loads (scripts, styles, images) is ours; links only lead elsewhere when
        # followed (the quick exit, a phone number).
        loaded = re.findall(r'\ssrc="([^"]+)"', html) + re.findall(
            r'<link[^>]*href="([^"]+)"', html
        )
        assert loaded
        for url in loaded:
            assert url.startswith("/") and not url.startswith("//"), url
        for url in re.findall(r'<a[^>]*href="([^"]+)"', html):
            assert url.startswith(("/", "#", "?", "tel:", "https://www.google.com/")), url


def test_privacy_page_says_what_is_kept(client) -> None:
    html = client.get("/privacy").get_data(as_text=True)
    assert "IP address" in html
    assert "removed before a photo is stored" in html


def test_unknown_page_is_an_html_404(client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_oversized_upload_is_refused_before_reading(client, make_app) -> None:
    small = make_app(max_upload_bytes=100_000).test_client()
    html = small.get("/").get_data(as_text=True)
    response = small.post(
        "/",
        data={
            "csrf_token": csrf_token(html),
            "narrative": "x",
            "photo": (io.BytesIO(b"0" * 300_000), "big.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
