"""axe-core (from npm, pinned in package-lock.json) finds no violation on the public and staff
pages, in English and Spanish, on a desktop and a 360 px phone; and every page reflows at 200%
zoom (320 CSS pixels wide) without scrolling sideways."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from intake.forwards.service import ForwardedPost, forward_post
from tests.staff.factories import N1_POINT, fast_passwords, make_tip, make_user  # noqa: F401

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 360)
FORWARDED_LINK = "https://www.facebook.com/portalderpd/posts/4411"
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fast_passwords")]


def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make axe` (npm ci)", pytrace=False)
    return AXE.read_text()


def violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page as it stands; the rules of WCAG 2.1 A and AA and best practice."""
    page.add_script_tag(content=_axe_source())
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
        }"""
    )
    return list(result)


def sideways_scroll(page: Any) -> int:
    """How many CSS pixels the page is wider than the window."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))


@pytest.fixture
def context_factory(_browser: Any) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        # axe is injected as an inline script: the test context bypasses the page's CSP for it.
        context = _browser.new_context(bypass_csp=True, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def _check(page: Any, label: str) -> None:
    found = violations(page)
    assert found == [], f"{label}: {json.dumps(found, indent=1)}"


def _public_pages(page: Any, base: str, lang: str) -> Iterator[str]:
    """Walk every public page a resident meets; yields a label once each is showing."""
    page.goto(f"{base}/?lang={lang}")
    yield "form"
    page.locator("button[type=submit]").last.click()  # nothing filled: the error round
    page.wait_for_selector("#error-summary")
    yield "form with errors"
    page.fill("#narrative", "Someone keeps breaking into cars on Elm at night")
    page.fill("#contact_email", "a.resident@example.org")
    page.locator("form#tip-form button[type=submit]").click()
    page.wait_for_selector("#receipt")
    yield "confirmation"
    number = page.inner_text("#tip-number").strip()
    receipt = page.inner_text("#receipt").strip()
    page.goto(f"{base}/check?lang={lang}")
    yield "check"
    page.fill("#tip_number", number)
    page.fill("#receipt", "WRNG-WRNG-WRNG-WRNG")
    page.locator("main button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    yield "check not found"
    page.fill("#tip_number", number)
    page.fill("#receipt", receipt)
    page.locator("main button[type=submit]").click()
    page.wait_for_selector("#status")
    yield "status"
    page.click("#forget")
    page.wait_for_selector("#confirm-forget")
    yield "forget: confirm"
    page.click("#confirm-forget")
    page.wait_for_selector("#forget-outcome")
    yield "forget: done"
    page.goto(f"{base}/privacy?lang={lang}")
    yield "privacy"
    # The first release of a year is computed on this request (suppression solves the published
    # totals); on a loaded test machine that can take longer than a page usually may.
    page.goto(f"{base}/stats?lang={lang}", timeout=90_000)
    page.wait_for_selector("table.figures")
    yield "statistics"
    page.goto(f"{base}/stats/priorities?lang={lang}", timeout=90_000)
    yield "priorities aggregate"
    page.goto(f"{base}/priorities?lang={lang}")
    page.locator("main button[type=submit]").click()  # nothing chosen: the error round
    page.wait_for_selector("#error-summary")
    yield "priorities with errors"
    page.locator("input[name=district]").first.check()
    page.locator("input[name=concerns]").first.check()
    page.locator("main button[type=submit]").click()
    page.wait_for_selector("main [role=status]")
    yield "priorities thanks"


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("width", WIDTHS)
def test_public_pages_have_no_axe_violations(live_server, context_factory, lang, width) -> None:
    page = context_factory(viewport={"width": width, "height": 900}).new_page()
    seen = []
    for label in _public_pages(page, live_server, lang):
        _check(page, f"{label} ({lang}, {width} px)")
        seen.append(label)
    assert len(seen) == 13


@pytest.mark.parametrize("lang", ["en", "es"])
def test_public_pages_reflow_at_200_percent_zoom(live_server, context_factory, lang) -> None:
    page = context_factory(viewport={"width": 320, "height": 640}).new_page()
    for label in _public_pages(page, live_server, lang):
        assert sideways_scroll(page) <= 0, f"{label} scrolls sideways at 320 px"


def _staff_login(page: Any, base: str, created: Any) -> None:
    page.goto(f"{base}/staff/login")
    page.fill("#username", created.user.username)
    page.fill("#password", created.password)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/login/code**")
    page.fill("#code", pyotp.TOTP(created.totp_secret).now())
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _staff_pages(page: Any, base: str, session: Any, keyring: Any) -> Iterator[str]:
    supervisor = make_user(session, keyring, "sup-a11y", "supervisor")
    tip = make_tip(session, keyring, N1_POINT, channel="web", narrative="Cars race on Elm.")
    number = tip.tip_number
    urgent = make_tip(
        session, keyring, N1_POINT, narrative="He has a gun and will shoot at Alder Park tonight."
    )
    # A forward of the supervisor's (supervisors forward too): the status page has a row.
    forward_post(
        session,
        keyring,
        supervisor.user,
        ForwardedPost("facebook", FORWARDED_LINK, None, "Comment: cars race on Elm.", None),
    )
    session.commit()
    page.goto(f"{base}/staff/login")
    yield "login"
    _staff_login(page, base, supervisor)
    yield "home"
    for path, label in (
        (f"/staff/tips/{number}", "tip"),
        (f"/staff/tips/{urgent.tip_number}", "urgent tip"),
        ("/staff/urgent", "urgent board"),
        ("/staff/oncall/", "on-call roster"),
        (f"/staff/tips/{number}/export", "export"),
        (f"/staff/tips/{number}/summary?notes=1", "case summary"),
        ("/staff/queues/N1", "queue"),
        ("/staff/audit/", "audit"),
        ("/staff/account/", "account"),
        ("/staff/forward/", "forward"),
        ("/staff/forwards", "forwards"),
        ("/staff/rewards/", "rewards"),
        ("/staff/community/", "community"),
        ("/staff/canned/", "canned"),
        ("/staff/search?q=cars+elm", "search"),
        ("/staff/surge/", "surge"),
    ):
        response = page.goto(f"{base}{path}")
        if response is not None and response.status == 404:
            continue  # a page this role does not have
        yield label
    page.goto(f"{base}/staff/forward/")
    page.fill("#url", FORWARDED_LINK)
    page.fill("#text", "The same post, seen again.")
    page.click("#forward")
    page.wait_for_selector("#forwarded-before")
    yield "forwarded before"
    page.goto(f"{base}/staff/tips/{number}")
    page.get_by_role("textbox", name="Message to the tipster (visible to the tipster)").fill("Hi")
    page.click("#send-reply")
    page.wait_for_load_state()
    yield "reply-confirm"


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_pages_have_no_axe_violations(
    live_server, context_factory, session, keyring, width
) -> None:
    page = context_factory(viewport={"width": width, "height": 900}).new_page()
    seen = []
    for label in _staff_pages(page, live_server, session, keyring):
        _check(page, f"staff {label} ({width} px)")
        seen.append(label)
    expected = {"login", "home", "tip", "audit", "account", "urgent board", "on-call roster"}
    expected |= {"rewards", "community", "canned", "search", "surge", "reply-confirm"}
    assert expected <= set(seen)
    assert {"forward", "forwards", "forwarded before"} <= set(seen)


def test_staff_pages_reflow_at_200_percent_zoom(
    live_server, context_factory, session, keyring
) -> None:
    page = context_factory(viewport={"width": 320, "height": 640}).new_page()
    for label in _staff_pages(page, live_server, session, keyring):
        assert sideways_scroll(page) <= 0, f"staff {label} scrolls sideways at 320 px"


def _boxes_wider_than_themselves(page: Any) -> list[str]:
    """Elements of the main content that scroll sideways inside themselves (a squeezed table)."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll("main table, main form, main section")]
                .filter(e => e.scrollWidth > e.clientWidth + 1)
                .map(e => e.tagName.toLowerCase() + "." + e.className)"""
        )
    )


def test_the_queue_and_tip_pages_reflow_at_640_px_without_scrolling_sideways(
    live_server, context_factory, session, keyring
) -> None:
    # 200% zoom on a 1280 px wide screen: the listing stacks its rows instead of scrolling.
    page = context_factory(viewport={"width": 640, "height": 800}).new_page()
    supervisor = make_user(session, keyring, "sup-640", "supervisor")
    long_words = "A grey van parks behind the laundromat on Elm Street every night " * 3
    tips = [make_tip(session, keyring, N1_POINT, narrative=long_words) for _ in range(3)]
    session.commit()
    _staff_login(page, live_server, supervisor)
    for path in (
        "/staff/queues/N1",
        "/staff/queues/N1?sort=oldest",
        f"/staff/tips/{tips[0].tip_number}",
    ):
        page.goto(f"{live_server}{path}")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (
            f"{path} scrolls sideways at 640 px"
        )
        assert _boxes_wider_than_themselves(page) == [], path
    page.goto(f"{live_server}/staff/queues/N1")
    # Stacked: each row is a block as wide as the page, and its labels are shown.
    assert (
        page.evaluate(
            "() => getComputedStyle(document.querySelector('table.tips tbody tr')).display"
        )
        == "block"
    )
    page.get_by_label(f"Select tip {tips[1].tip_number}").check()
    page.select_option("#action", "claim")
    page.click("form.bulk button[type=submit]")
    page.wait_for_load_state()
    assert "Claimed 1 tip." in page.inner_text("main")
