"""Every field of the staff forms that the other browser tests leave out, filled in Chromium and
submitted, each checked by what it changed: the queue page's filters (all eight) and its bulk
form, the search page, the surge view, the tip page's corrections, case number and canned reply,
a related link confirmed and the whole-incident form, the canned-reply and on-call pages, and the
audit log's filters (all six)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from intake.models import AuditEvent, Queue, Tip, TipCorrection
from tests.browser.staff.test_staff_pages import _login
from tests.staff.factories import H2_POINT, N1_POINT, make_tip, make_user

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_passwords")]


def _days_around_today() -> tuple[str, str]:
    """Yesterday and tomorrow (UTC): today in the city's zone lies between, whatever the hour."""
    today = datetime.now(UTC).date()
    return (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()


def _tip(session, number: str) -> Tip:
    # Read afresh: the test's session keeps what it loaded before the browser changed it.
    tip = session.scalar(
        select(Tip).where(Tip.tip_number == number).execution_options(populate_existing=True)
    )
    assert tip is not None
    return tip


def test_a_detective_fills_every_queue_filter_the_bulk_form_search_and_surge(
    live_server, page, session, keyring
) -> None:
    detective = make_user(session, keyring, "det-n1", "detective", ("N1",))
    answered = make_tip(
        session, keyring, N1_POINT, channel="web", narrative="Cars race on Elm at night, 7XKD 392."
    )
    quiet = make_tip(
        session, keyring, N1_POINT, channel="web", narrative="Cars race on Elm at night again."
    )
    make_tip(
        session, keyring, H2_POINT, channel="web", narrative="Cars race on the pier, 7XKD 392."
    )
    session.commit()
    category, urgency = _tip(session, answered.tip_number).category_code, "normal"
    session.commit()  # ends the read (a rollback would expire the users the test reads later)

    # The tipster writes back on the public status page: the tip is now "awaiting you".
    tipster = page.context.browser.new_context().new_page()
    tipster.goto(f"{live_server}/check?lang=en")
    tipster.fill("#tip_number", answered.tip_number)
    tipster.fill("#receipt", answered.receipt)
    tipster.click("button[type=submit]")
    tipster.fill("#reply-form textarea[name=body]", "It is a grey sedan, every Friday.")
    tipster.click("#reply-form button[type=submit]")
    tipster.context.close()

    _login(page, live_server, detective)
    page.wait_for_url(f"{live_server}/staff/")
    page.goto(f"{live_server}/staff/queues/N1")
    start, end = _days_around_today()
    page.select_option("select[name=status]", "open")
    page.select_option("select[name=urgency]", urgency)
    page.select_option("select[name=category]", category)
    page.select_option("select[name=channel]", "web")
    page.fill("input[name=from]", start)
    page.fill("input[name=to]", end)
    page.select_option("select[name=assigned]", "none")
    page.check("input[name=awaiting]")
    page.click("form.filters button[type=submit]")
    for pair in (
        "status=open",
        f"urgency={urgency}",
        f"category={category}",
        "channel=web",
        f"from={start}",
        f"to={end}",
        "assigned=none",
        "awaiting=true",
    ):
        assert pair in page.url
    rows = page.locator("table.tips tbody tr")
    assert rows.count() == 1
    assert answered.tip_number in rows.first.inner_text()
    # The filters are still shown as chosen.
    assert page.locator("input[name=awaiting]").is_checked()
    assert page.input_value("select[name=assigned]") == "none"

    # The bulk form, with every field a detective is offered: tick, action, disposition.
    page.goto(f"{live_server}/staff/queues/N1")
    page.get_by_label(f"Select tip {answered.tip_number}").check()
    page.get_by_label(f"Select tip {quiet.tip_number}").check()
    page.select_option("#bulk-form select[name=action]", "close")
    page.select_option("#bulk-form select[name=disposition]", "referred")
    page.click("#bulk-form button[type=submit]")
    assert "2" in page.inner_text("p.flash")
    closed = {_tip(session, n).status for n in (answered.tip_number, quiet.tip_number)}
    dispositions = {_tip(session, n).disposition for n in (answered.tip_number, quiet.tip_number)}
    session.commit()
    assert closed == {"closed"} and dispositions == {"referred"}

    # The search page: a plate typed without its space finds the N1 tip and not the H2 one.
    page.goto(f"{live_server}/staff/search")
    page.fill("#search-page-q", "7xkd392")
    page.click("form.search-big button[type=submit]")
    found = page.locator("table.tips tbody tr")
    assert found.count() == 1
    assert answered.tip_number in found.first.inner_text()
    # The bar's box takes a tip number straight to the tip.
    page.fill("#bar-q", quiet.tip_number)
    page.press("#bar-q", "Enter")
    page.wait_for_url(f"**/staff/tips/{quiet.tip_number}")

    # The surge view with both of its fields.
    page.goto(f"{live_server}/staff/surge/")
    since = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#surge-since", since)
    page.select_option("#surge-category", category)
    page.click("form.filters button[type=submit]")
    assert f"category={category}" in page.url and "since=" in page.url
    counts = page.inner_text("#surge-counts")
    assert counts.startswith("2 tips since"), counts
    assert answered.tip_number in page.content() and quiet.tip_number in page.content()


def test_a_supervisor_fills_every_form_of_the_tip_page_canned_oncall_and_audit(
    live_server, page, session, keyring
) -> None:
    supervisor = make_user(session, keyring, "sup", "supervisor")
    make_user(session, keyring, "det-n1", "detective", ("N1",))
    first = make_tip(
        session, keyring, N1_POINT, channel="web", narrative="A silver van with plate 8RTY 114."
    )
    second = make_tip(
        session, keyring, N1_POINT, channel="web", narrative="Same van again, plate 8RTY-114."
    )
    session.commit()
    _login(page, live_server, supervisor)
    page.wait_for_url(f"{live_server}/staff/")

    # A canned reply, every field: title, language, text.
    page.goto(f"{live_server}/staff/canned/")
    page.fill("#title", "Pedir la hora")
    page.select_option("#language", "es")
    page.fill("#canned-body", "Gracias. ¿A qué hora vio la camioneta?")
    page.click("#add-canned")
    page.wait_for_load_state()  # the form posts: read the answer, not the page mid-load
    assert "Pedir la hora" in page.content()

    # The on-call roster: tier 1 of N1.
    page.goto(f"{live_server}/staff/oncall/")
    page.fill("#u-N1-1", "det-n1")
    page.locator("#u-N1-1").locator("xpath=..").locator("button[type=submit]").click()
    assert "det-n1" in page.locator("section[aria-labelledby=q-N1] tbody tr").first.inner_text()

    # The tip page: the corrections, the case number and the canned reply.
    page.goto(f"{live_server}/staff/tips/{first.tip_number}")
    corrected = (
        "vehicle_theft"
        if _tip(session, first.tip_number).category_code != "vehicle_theft"
        else "traffic"
    )
    session.commit()  # ends the read
    page.select_option("select[name=category]", corrected)
    page.click("#change-category")
    page.select_option("select[name=urgency]", "high")
    page.click("#change-urgency")
    page.fill("input[name=rms_case_number]", "2026-004411")
    page.click("#save-case")
    page.select_option("#canned", label="Pedir la hora (Spanish)")
    page.click("#use-canned")
    reply_box = page.get_by_role("textbox", name="Message to the tipster (visible to the tipster)")
    assert reply_box.input_value() == "Gracias. ¿A qué hora vio la camioneta?"
    page.click("#send-reply")
    assert page.inner_text("#exact-text") == "Gracias. ¿A qué hora vio la camioneta?"
    page.click("#confirm-send")
    assert "¿A qué hora vio la camioneta?" in page.inner_text("#thread")
    tip = _tip(session, first.tip_number)
    changed = (tip.category_code, tip.urgency, tip.rms_case_number)
    corrections = session.scalars(
        select(TipCorrection.field).where(TipCorrection.tip_id == tip.id)
    ).all()
    session.commit()
    assert changed == (corrected, "high", "2026-004411")
    assert sorted(corrections) == ["category", "urgency"]

    # The same plate links the two tips; confirming it makes a cluster, moved as one.
    page.click(f"text=Same incident as {second.tip_number}")
    page.select_option("#cluster-action", "reroute")
    page.select_option("#cluster-assignee", "det-n1")  # ignored by a move, still sent
    page.select_option("#cluster-queue", "H2")
    page.fill("#cluster-reason", "Both sightings are across the district line")
    page.select_option("#cluster-disposition", "referred")  # ignored by a move, still sent
    page.click("#cluster-form button[type=submit]")
    queues = set(
        session.scalars(
            select(Queue.code)
            .join(Tip, Tip.queue_id == Queue.id)
            .where(Tip.tip_number.in_([first.tip_number, second.tip_number]))
        )
    )
    session.commit()
    assert queues == {"H2"}

    # The audit log, every filter: tip, user, action, days, openings included.
    start, end = _days_around_today()
    page.goto(f"{live_server}/staff/audit/")
    page.fill("#tip", second.tip_number)
    page.fill("#audit-user", "sup")
    page.select_option("#audit-action", "tip.rerouted")
    page.fill("#audit-from", start)
    page.fill("#audit-to", end)
    page.check("#audit-views")
    page.click("form.filters button[type=submit]")
    shown = page.locator("table.audit tbody tr")
    assert shown.count() == 1
    assert second.tip_number in shown.first.inner_text()
    expected = session.scalar(
        select(AuditEvent.seq).where(
            AuditEvent.action == "tip.rerouted",
            AuditEvent.tip_id == _tip(session, second.tip_number).id,
        )
    )
    session.commit()
    assert shown.first.locator("td.n").inner_text() == str(expected)
