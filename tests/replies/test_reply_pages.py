"""The reply to the tipster and the internal note are two forms that cannot be confused; a reply
is sent only from a confirmation page showing its exact text; canned replies by supervisors."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from intake.models import Message, Note, OutboxMessage, Tip
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import N1_POINT, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")


def _workspace(own_app, session, keyring):
    web = own_app()
    web.config["WTF_CSRF_ENABLED"] = False
    detective = make_user(session, keyring, "det-n1", "detective", ("N1",))
    created = make_tip(session, keyring, N1_POINT, channel="web", narrative="Bikes sold at dawn.")
    session.commit()
    return web, detective, created


def _labels_for(page: str) -> dict[str, list[str]]:
    labels: dict[str, list[str]] = {}
    for target, text in re.findall(r'<label for="([^"]+)">([^<]*)</label>', page):
        labels.setdefault(target, []).append(text)
    return labels


def test_reply_and_note_have_their_own_ids_and_one_label_each(own_app, session, keyring):
    web, detective, created = _workspace(own_app, session, keyring)
    client = _signed_in(web, session, detective)
    page = client.get(f"/staff/tips/{created.tip_number}").get_data(as_text=True)
    ids = re.findall(r'id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "duplicate ids on the tip page"
    labels = _labels_for(page)
    assert labels["reply-body"] == ["Message to the tipster (visible to the tipster)"]
    assert labels["note-body"] == ["Internal note (staff only, never sent to the tipster)"]
    assert 'name="body"' not in page
    assert "Visible to the tipster" in page and "Staff only" in page


def test_a_reply_is_only_sent_from_the_confirmation_page(own_app, session, keyring):
    web, detective, created = _workspace(own_app, session, keyring)
    client = _signed_in(web, session, detective)
    base = f"/staff/tips/{created.tip_number}/replies"
    text = "Which gate was it? Please answer here."

    shown = client.post(base, data={"reply_body": f"  {text}\n"})
    assert shown.status_code == 200
    page = shown.get_data(as_text=True)
    assert f'id="exact-text" dir="auto">{text}</blockquote>' in page
    assert session.scalars(select(Message).where(Message.direction == "outbound")).all() == []
    session.rollback()  # the test's read must not hold SQLite's lock while the app writes

    sent = client.post(base, data={"reply_body": text, "confirmed": "yes"})
    assert sent.status_code == 302
    tip = session.scalar(select(Tip).where(Tip.tip_number == created.tip_number))
    outbound = session.scalars(select(Message).where(Message.tip_id == tip.id)).all()
    assert [m.body.read(keyring) for m in outbound if m.direction == "outbound"] == [text]


def test_a_note_never_reaches_the_tipster(own_app, session, keyring):
    web, detective, created = _workspace(own_app, session, keyring)
    client = _signed_in(web, session, detective)
    base = f"/staff/tips/{created.tip_number}"
    assert client.post(f"{base}/notes", data={"note_body": "matches case 2026-4411"}).status_code
    # The old shared field name no longer posts anywhere by accident.
    client.post(f"{base}/replies", data={"body": "matches case 2026-4411", "confirmed": "yes"})
    assert len(session.scalars(select(Note)).all()) == 1
    assert session.scalars(select(Message).where(Message.direction == "outbound")).all() == []
    assert session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reply")).all() == []


def test_supervisors_manage_canned_replies_that_prefill_a_reply(own_app, session, keyring):
    web, detective, created = _workspace(own_app, session, keyring)
    supervisor = make_user(session, keyring, "sup", "supervisor")
    session.commit()
    boss = _signed_in(web, session, supervisor)
    assert (
        boss.post(
            "/staff/canned/",
            data={
                "title": "Thanks",
                "language": "en",
                "body": "Thank you, we are looking into it.",
            },
        ).status_code
        == 302
    )
    assert (
        boss.post(
            "/staff/canned/",
            data={"title": "Gracias", "language": "es", "body": "Gracias, lo estamos revisando."},
        ).status_code
        == 302
    )
    listing = boss.get("/staff/canned/").get_data(as_text=True)
    assert "Gracias, lo estamos revisando." in listing

    client = _signed_in(web, session, detective)
    assert client.get("/staff/canned/").status_code == 403
    assert (
        client.post(
            "/staff/canned/", data={"title": "x", "language": "en", "body": "y"}
        ).status_code
        == 403
    )
    page = client.get(f"/staff/tips/{created.tip_number}").get_data(as_text=True)
    assert "Thanks (English)" in page and "Gracias (Spanish)" in page
    canned_id = re.search(r'<option value="(\d+)">Gracias', page).group(1)
    filled = client.get(f"/staff/tips/{created.tip_number}?canned={canned_id}").get_data(
        as_text=True
    )
    assert re.search(r'id="reply-body"[^>]*>\s*Gracias, lo estamos revisando\.</textarea>', filled)

    boss.post("/staff/canned/retire", data={"canned_id": canned_id})
    page = client.get(f"/staff/tips/{created.tip_number}").get_data(as_text=True)
    assert "Gracias (Spanish)" not in page
