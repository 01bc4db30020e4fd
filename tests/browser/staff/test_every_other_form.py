"""The remaining forms, every field filled in Chromium and checked by what it changed: the
residents' priorities survey, a tipster forgetting their contact details, a supervisor's legal
hold and prosecutor's export, a reward from proposal to payment (two supervisors and the tipster's
claim code), and a staff member changing their password."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import func, select

from intake.identity.service import Contact
from intake.models import LegalHold, PriorityChoice, PriorityResponse, Reward
from tests.browser.staff.test_every_staff_form import _tip
from tests.browser.staff.test_staff_pages import _login
from tests.staff.factories import N1_POINT, make_tip, make_user

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_passwords")]


def _status_page(browser, base: str, created):
    tipster = browser.new_context().new_page()
    tipster.goto(f"{base}/check?lang=es")
    tipster.fill("#tip_number", created.tip_number)
    tipster.fill("#receipt", created.receipt)
    tipster.click("button[type=submit]")
    return tipster


def test_a_resident_answers_the_priorities_survey_with_every_field(
    live_server, page, session
) -> None:
    page.goto(f"{live_server}/priorities?lang=es")
    page.locator("#district input[type=radio]").first.check()
    concerns = page.locator("#concerns input[type=checkbox]")
    for index in range(3):
        concerns.nth(index).check()
    page.fill("textarea[name=free_text]", "Venden droga en la esquina de la escuela cada tarde.")
    page.click("form button[type=submit]")
    assert page.locator("form textarea[name=free_text]").count() == 0  # the thanks page
    answers = session.scalar(select(func.count()).select_from(PriorityResponse))
    picked = session.scalar(
        select(func.count()).select_from(PriorityChoice).where(PriorityChoice.source == "picked")
    )
    language = session.scalar(select(PriorityResponse.language))
    session.commit()
    assert (answers, picked, language) == (1, 3, "es")
    # The same device is thanked, not counted twice.
    page.goto(f"{live_server}/priorities?lang=es")
    assert page.locator("p.notice[role=status]").count() == 1


def test_a_tipster_forgets_their_contact_details(live_server, page, session, keyring) -> None:
    created = make_tip(
        session,
        keyring,
        N1_POINT,
        channel="web",
        language="es",
        narrative="Venden droga en la esquina todas las noches.",
        contact=Contact(phone="+16175550142"),
    )
    assert _tip(session, created.tip_number).reporter_id is not None
    session.commit()
    tipster = _status_page(page.context.browser, live_server, created)
    tipster.click("#forget")
    tipster.click("#confirm-forget")
    assert tipster.locator("#forget").count() == 0
    tipster.context.close()
    reporter = _tip(session, created.tip_number).reporter_id
    session.commit()
    assert reporter is None


def test_supervisors_hold_export_and_pay_a_reward_with_every_field(
    live_server, page, session, keyring, tmp_path: Path
) -> None:
    first = make_user(session, keyring, "sup-a", "supervisor")
    second = make_user(session, keyring, "sup-b", "supervisor")
    created = make_tip(
        session,
        keyring,
        N1_POINT,
        channel="web",
        narrative="The man who robbed the store on Elm keeps the gun in a blue car.",
        contact=Contact(phone="+16175550177"),
    )
    session.commit()
    _login(page, live_server, first)
    page.wait_for_url(f"{live_server}/staff/")

    # Legal hold, with its reason.
    page.goto(f"{live_server}/staff/tips/{created.tip_number}")
    page.fill("#hold-reason", "Pending trial 2026-CR-118")
    page.click("#legal-hold")
    held = session.scalar(
        select(func.count())
        .select_from(LegalHold)
        .where(LegalHold.tip_id == _tip(session, created.tip_number).id)
    )
    session.commit()
    assert held == 1

    # The prosecutor's copy, with its reason: the content, never the identity.
    page.goto(f"{live_server}/staff/tips/{created.tip_number}/export")
    page.check("input[name=kind][value=prosecutor]")
    page.fill("textarea[name=reason]", "Discovery for case 2026-CR-118")
    with page.expect_download() as download:
        page.click("#export")
    saved = tmp_path / "copy.json"
    download.value.save_as(saved)
    copy = json.loads(saved.read_text(encoding="utf-8"))
    text = saved.read_text(encoding="utf-8")
    assert copy["export"] == "prosecutor"
    assert "blue car" in text and "+16175550177" not in text and "5550177" not in text

    # A reward: proposed with every field by one supervisor ...
    page.goto(f"{live_server}/staff/rewards/")
    page.fill("#tip_number", created.tip_number)
    page.fill("#amount", "150.00")
    page.fill("#reason", "Led to the arrest")
    page.click("form[action$='/staff/rewards/'] button[type=submit]")
    page.wait_for_load_state()  # the form posts: read the answer, not the page mid-load
    assert "$150.00" in page.content()
    # ... approved by another ...
    other = page.context.browser.new_context().new_page()
    _login(other, live_server, second)
    other.wait_for_url(f"{live_server}/staff/")
    other.goto(f"{live_server}/staff/rewards/")
    other.get_by_role("button", name="Approve", exact=True).click()
    other.context.close()
    # ... whose claim code the tipster reads on their status page ...
    tipster = _status_page(page.context.browser, live_server, created)
    code = tipster.inner_text("#claim-code")
    tipster.context.close()
    # ... and which the first marks paid with that code.
    page.goto(f"{live_server}/staff/rewards/")
    page.fill("#claim_code", code)
    page.click("form[action$='/payments'] button[type=submit]")
    status = session.scalar(
        select(Reward.status).execution_options(populate_existing=True).limit(1)
    )
    session.commit()
    assert status == "paid"


def test_a_detective_changes_their_password_with_every_field(
    live_server, page, session, keyring
) -> None:
    detective = make_user(session, keyring, "det-n1", "detective", ("N1",))
    session.commit()
    _login(page, live_server, detective)
    page.wait_for_url(f"{live_server}/staff/")
    page.goto(f"{live_server}/staff/account/")
    form = page.locator("#password-form")
    form.locator("input[name=current_password]").fill(detective.password)
    # A code of the next time step: the login spent the current one.
    form.locator("input[name=code]").fill(pyotp.TOTP(detective.totp_secret).at(time.time() + 30))
    form.locator("input[name=new_password]").fill("a new long passphrase for the desk")
    form.locator("input[name=confirm]").fill("a new long passphrase for the desk")
    form.locator("button[type=submit]").click()
    page.locator("form[action$='/logout'] button").click()
    # The old password no longer opens the account; the new one does.
    page.goto(f"{live_server}/staff/login")
    page.fill("#username", "det-n1")
    page.fill("#password", detective.password)
    page.click("button[type=submit]")
    assert "/staff/login/code" not in page.url
    page.fill("#username", "det-n1")
    page.fill("#password", "a new long passphrase for the desk")
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/login/code**")
