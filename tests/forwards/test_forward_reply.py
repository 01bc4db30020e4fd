"""A forward answers with the tip number, the secret code (once) and a reply to paste back to the
person who wrote, in English and Spanish; the code then opens the tip on the public check page."""

from __future__ import annotations

import re

import pytest

from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import bearer, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

BODY = {
    "platform": "facebook",
    "url": "https://www.facebook.com/portalderpd/posts/123",
    "handle": "@vecina_del_5b",
    "text": "Comentario: venden droga en la esquina de Elm todas las noches, desde las 10.",
}


def test_the_api_answers_with_the_code_and_two_replies(app, session, keyring):
    social = make_user(session, keyring, "soc", "social_media")
    answer = app.test_client().post("/api/v1/staff/forwards", json=BODY, headers=bearer(social))
    assert answer.status_code == 201
    body = answer.get_json()
    number, receipt = body["tip_number"], body["receipt"]
    assert re.fullmatch(r"\S{8,}", receipt)
    assert body["check_url"].endswith("/check")
    for reply in (body["reply_en"], body["reply_es"]):
        assert number in reply and receipt in reply and body["check_url"] in reply
        assert len(reply) <= 400  # fits a DM
    assert body["reply_en"].startswith("Thank you.") and body["reply_es"].startswith("Gracias.")
    assert "@vecina" not in str(body)

    # The person who wrote can check back with what the team pasted.
    public = app.test_client()
    page = public.get("/check").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    status = public.post(
        "/check", data={"csrf_token": token, "tip_number": number, "receipt": receipt}
    )
    assert status.status_code == 200 and number in status.get_data(as_text=True)


def test_the_page_shows_the_code_once_and_not_cached(own_app, session, keyring):
    web = own_app()
    social = make_user(session, keyring, "soc", "social_media")
    client = _signed_in(web, session, social)
    form = client.get("/staff/forward/").get_data(as_text=True)
    text_field = re.search(r"<textarea[^>]*id=\"text\"[^>]*>", form).group(0)
    assert " required" in text_field  # the required field is marked for everyone
    url_field = re.search(r"<input[^>]*id=\"url\"[^>]*>", form).group(0)
    assert "required" not in url_field  # and only that one
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    answer = client.post(
        "/staff/forward/",
        data={"csrf_token": token, "platform": "facebook", "text": BODY["text"]},
    )
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    html = answer.get_data(as_text=True)
    assert re.search(r'<p class="flash notice"[^>]*>Tip \S+ created in queue', html), html[-3000:]
    receipt = re.search(r'id="fw-receipt">([^<]+)<', html).group(1)
    assert 'id="reply-en"' in html and 'id="reply-es"' in html and html.count(receipt) >= 3
    again = client.get("/staff/forward/").get_data(as_text=True)
    assert receipt not in again  # nothing keeps it: not the flash, not the session
