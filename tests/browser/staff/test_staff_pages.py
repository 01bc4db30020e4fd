"""The staff pages in a real headless Chromium: login with a second factor, queues, the tip page
and its actions, a reply read by the tipster on the public status page, reveal, forwarding."""

from __future__ import annotations

import time

import pyotp
import pytest
from sqlalchemy import select

from intake.identity.service import Contact
from intake.models import AuditEvent, Tip
from tests.staff.factories import H2_POINT, N1_POINT, make_tip, make_user

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_passwords")]


def _login(page, base: str, created) -> None:
    page.goto(f"{base}/staff/login")
    page.fill("#username", created.user.username)
    page.fill("#password", created.password)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/login/code**")
    page.fill("#code", pyotp.TOTP(created.totp_secret).now())
    page.click("button[type=submit]")


def _users(session, keyring):
    n1 = make_user(session, keyring, "det-n1", "detective", ("N1",))
    sup = make_user(session, keyring, "sup", "supervisor")
    # Attribute reads on these objects would open a transaction holding SQLite's write lock.
    session.commit()
    return n1, sup


def test_detective_works_a_tip_and_the_web_tipster_reads_the_reply(
    live_server, page, session, keyring
):
    n1, _ = _users(session, keyring)
    normal = make_tip(
        session, keyring, N1_POINT, channel="web", narrative="Cars race on Elm every night."
    )
    urgent = make_tip(
        session,
        keyring,
        N1_POINT,
        channel="web",
        narrative="He has a gun and will shoot people tonight.",
    )
    other = make_tip(session, keyring, H2_POINT, narrative="Drug sales on the pier.")
    session.commit()

    _login(page, live_server, n1)
    page.wait_for_url(f"{live_server}/staff/")
    assert page.title().startswith("My queues")
    urgent_rows = page.locator("section[aria-labelledby=urgent-h] tbody tr")
    assert urgent_rows.first.inner_text().startswith(urgent.tip_number)
    assert page.locator("table.queues").inner_text().count("N1") == 1
    assert "H2" not in page.locator("table.queues").inner_text()

    page.click("text=District Northside")
    rows = page.locator("table.tips tbody tr")
    assert rows.count() == 2
    # The queue's rows start with a box to tick for the bulk form, then the tip.
    assert rows.nth(0).locator("td[data-label=Tip]").inner_text().startswith(urgent.tip_number)
    assert rows.nth(1).locator("td[data-label=Tip]").inner_text().startswith(normal.tip_number)
    assert rows.nth(1).get_by_label(f"Select tip {normal.tip_number}").is_visible()

    page.get_by_role("link", name=normal.tip_number, exact=True).click()
    assert page.inner_text("#narrative") == "Cars race on Elm every night."
    page.click("#claim")
    assert page.inner_text("#tip-status") == "assigned"
    assert page.inner_text("#tip-assignee") == "det-n1"
    # Each box has one accessible name of its own: a screen reader cannot mix them up.
    reply_box = page.get_by_role("textbox", name="Message to the tipster (visible to the tipster)")
    note_box = page.get_by_role(
        "textbox", name="Internal note (staff only, never sent to the tipster)"
    )
    assert reply_box.count() == 1 and note_box.count() == 1
    assert reply_box.get_attribute("id") != note_box.get_attribute("id")
    assert page.get_by_role("textbox", name="Internal note", exact=False).count() == 1
    note_box.fill("Neighbour at 12 Elm may have camera footage.")
    page.click("#add-note")
    assert "camera footage" in page.inner_text("#notes")
    assert "camera footage" not in page.inner_text("#thread")
    reply_box = page.get_by_role("textbox", name="Message to the tipster (visible to the tipster)")
    reply_box.fill("Which night is it worst? Please answer here.")
    page.click("#send-reply")
    # Nothing is sent before the exact text is shown and confirmed.
    assert page.inner_text("#exact-text") == "Which night is it worst? Please answer here."
    assert page.title().startswith("Check the reply")
    page.click("#confirm-send")
    page.wait_for_load_state()  # the form posts: read the answer, not the page mid-load
    assert "Reply sent to the tipster." in page.content()
    assert "Which night is it worst?" in page.inner_text("#thread")

    page.select_option("select[name=status]", "closed")
    page.click("#change-status")
    page.wait_for_load_state()  # the form posts: read the answer, not the page mid-load
    assert "needs a disposition" in page.content()
    page.select_option("select[name=status]", "investigating")
    page.click("#change-status")
    page.select_option("select[name=status]", "closed")
    page.select_option("select[name=disposition]", "referred")
    page.click("#change-status")
    assert page.inner_text("#tip-status") == "closed (referred)"

    response = page.goto(f"{live_server}/staff/tips/{other.tip_number}")
    assert response.status == 404

    # The tipster, in another browser context, reads the reply with the receipt.
    tipster = page.context.browser.new_context().new_page()
    tipster.goto(f"{live_server}/check?lang=en")
    tipster.fill("#tip_number", normal.tip_number)
    tipster.fill("#receipt", normal.receipt)
    tipster.click("button[type=submit]")
    assert "Which night is it worst? Please answer here." in tipster.inner_text("ol.thread")
    assert "camera footage" not in tipster.content()
    tipster.context.close()


def test_supervisor_reroutes_and_reveals_with_a_reason(live_server, page, session, keyring):
    _, sup = _users(session, keyring)
    created = make_tip(
        session,
        keyring,
        N1_POINT,
        channel="web",
        narrative="The photo is called invoice\u202egpj.exe on his phone.",
        contact=Contact(phone="+16175550188"),
    )
    session.commit()
    _login(page, live_server, sup)
    page.wait_for_url(f"{live_server}/staff/")
    page.goto(f"{live_server}/staff/tips/{created.tip_number}")
    assert "+16175550188" not in page.content()

    page.select_option("select[name=queue]", "H2")
    page.fill("input[name=reason]", "The address is across the district line")
    page.click("#reroute")
    assert "(H2)" in page.inner_text("#tip-queue")

    # The override shows as a visible tag instead of turning the name around.
    assert "invoice[U+202E]gpj.exe" in page.inner_text("#narrative")

    # Each click posts the form: wait for the answer page to load before reading it (read
    # mid-navigation, the page's content is empty).
    page.click("#reveal")  # no reason
    page.wait_for_load_state()
    assert "at least 10 characters" in page.content()
    page.fill("textarea[name=reason]", "Court order 2024-17 for the witness contact")
    page.click("#reveal")  # no code: the session's second factor is not enough
    page.wait_for_load_state()
    assert "6-digit code" in page.content() and "+16175550188" not in page.content()
    page.fill("textarea[name=reason]", "Court order 2024-17 for the witness contact")
    # A code of the next time step (accepted; the login already spent the current one).
    page.fill("input[name=totp]", pyotp.TOTP(sup.totp_secret).at(time.time() + 30))
    page.click("#reveal")
    assert "+16175550188" in page.inner_text("#identity")
    tip_id = session.scalar(select(Tip.id).where(Tip.tip_number == created.tip_number))
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.tip_id == tip_id)).all()
    session.commit()
    assert "tip.rerouted" in actions and "identity.revealed" in actions


def test_social_media_team_forwards_a_post(live_server, page, session, keyring):
    social = make_user(session, keyring, "soc", "social_media")
    session.commit()
    _login(page, live_server, social)
    page.wait_for_url(f"{live_server}/staff/forward/")
    page.select_option("#platform", "facebook")
    page.fill("#url", "https://www.facebook.com/portalderpd/posts/123")
    page.fill("#handle", "@someone_private")
    page.fill("#text", "Comment: there is a stolen car parked behind the school on Elm.")
    page.fill("#posted_at", "2024-05-01T18:30")
    page.click("#forward")
    notice = page.inner_text("p.flash.notice")
    assert notice.startswith("Tip ") and "created in queue" in notice
    number = notice.split()[1]
    # The paste-ready replies carry the number and the code, in English and Spanish.
    receipt = page.inner_text("#fw-receipt")
    for box in ("#reply-en", "#reply-es"):
        reply = page.input_value(box)
        assert number in reply and receipt in reply and "/check" in reply
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    channel, platform = tip.channel, tip.source_platform
    session.commit()
    assert (channel, platform) == ("forward", "facebook")
    assert page.goto(f"{live_server}/staff/").status == 403


def test_a_post_forwarded_twice_is_flagged_and_both_show_on_my_forwards(
    live_server, page, session, keyring
):
    social = make_user(session, keyring, "soc", "social_media")
    session.commit()
    _login(page, live_server, social)
    page.wait_for_url(f"{live_server}/staff/forward/")
    numbers = []
    for link in (
        "https://www.facebook.com/portalderpd/posts/123?fbclid=IwAR0",
        "http://m.facebook.com/PortAlderPD/posts/123/",
    ):
        page.fill("#url", link)
        page.fill("#text", "Comment: a stolen car is parked behind the school on Elm.")
        page.click("#forward")
        numbers.append(page.inner_text("#fw-number"))
    flagged = page.get_by_role("status").filter(has_text="Forwarded before")
    assert f"Forwarded before as tip {numbers[0]}" in flagged.inner_text()
    page.click("text=What I forwarded, and its status")
    page.wait_for_url(f"{live_server}/staff/forwards")
    rows = page.locator("table.tips tbody tr")
    assert rows.count() == 2
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(2)] == numbers[::-1]
    assert rows.first.locator("td").last.inner_text() == "received"


def test_an_admin_lands_on_their_account_page(live_server, page, session, keyring):
    admin = make_user(session, keyring, "adm", "admin")
    session.commit()
    page.goto(f"{live_server}/staff/")  # sent to the login page, then back to /staff/ ...
    page.fill("#username", admin.user.username)
    page.fill("#password", admin.password)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/login/code**")
    page.fill("#code", pyotp.TOTP(admin.totp_secret).now())
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/staff/account/")  # ... which admins may not open
    assert page.title().startswith("My account")
    assert page.inner_text("#role") == "admin"
    assert "flask intake" in page.inner_text("#administration")
    page.click("a.brand")
    assert page.url == f"{live_server}/staff/account/"
