"""The resident's pages in a real Chromium: JavaScript on and off, English and Spanish."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from intake.models import Attachment, Tip
from tests.factories import jpeg_with_gps


def _shot(page: Any, name: str) -> None:
    import os

    directory = os.environ.get("INTAKE_SCREENSHOTS")
    if directory:
        page.screenshot(path=f"{directory}/{name}.png", full_page=True)


@pytest.fixture
def context_factory(_browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = _browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def _send_and_check_back(
    page: Any, base: str, *, lang: str, narrative: str, place: str
) -> tuple[str, str]:
    page.goto(f"{base}/?lang={lang}")
    page.fill("#narrative", narrative)
    page.fill("#location_text", place)
    page.locator("button[type=submit]").click()
    page.wait_for_selector("#receipt")
    number = page.inner_text("#tip-number").strip()
    receipt = page.inner_text("#receipt").strip()
    _shot(page, f"confirmation-{lang}")
    page.locator("main a.button").click()
    page.fill("#tip_number", number)
    page.fill("#receipt", receipt)
    page.locator("button[type=submit]").click()
    page.wait_for_selector("#status")
    _shot(page, f"status-{lang}")
    return number, receipt


def test_english_with_javascript(live_server, context_factory, session) -> None:
    context = context_factory(locale="en-US")
    page = context.new_page()
    number, _ = _send_and_check_back(
        page,
        live_server,
        lang="en",
        place="Harbor Market",
        narrative="Two guys dealing fentanyl out of a grey van behind Harbor Market",
    )
    assert page.inner_text("#status") == "Received"
    assert page.locator("h1").inner_text() == f"Tip {number}"
    page.fill("#body", "The van has Maine plates.")
    page.locator("form button[type=submit]").click()
    page.wait_for_selector("text=Your message was added to the tip.")
    assert "The van has Maine plates." in page.inner_text("ol.thread")
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    assert tip.queue.code == "H2" and tip.channel == "web"
    assert [c["name"] for c in context.cookies()] == ["intake_csrf"]


def test_spanish_without_javascript(live_server, context_factory, session) -> None:
    context = context_factory(java_script_enabled=False, locale="es-MX")
    page = context.new_page()
    page.goto(live_server + "/")
    assert (
        page.locator("h1").inner_text() == "Envíe un aviso anónimo o una denuncia de forma segura"
    )
    # The location button needs JavaScript: without it, it stays hidden.
    assert not page.locator("#use-location").is_visible()
    number, _ = _send_and_check_back(
        page,
        live_server,
        lang="es",
        place="Riverside Mall",
        narrative="Unos muchachos venden perico en el estacionamiento de Riverside Mall",
    )
    assert page.inner_text("#status") == "Recibida"
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    assert tip.language == "es" and tip.queue.code == "R4"


def test_language_switch_keeps_the_page(live_server, context_factory) -> None:
    page = context_factory(locale="en-US").new_page()
    page.goto(live_server + "/check")
    page.click("a[hreflang=es]")
    page.wait_for_selector("text=Consultar una denuncia")
    assert "lang=es" in page.url and page.url.split("?")[0].endswith("/check")


def test_current_location_button_fills_the_point(live_server, context_factory, session) -> None:
    context = context_factory(
        locale="en-US",
        geolocation={"latitude": 44.03, "longitude": -70.16},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(live_server + "/")
    page.click("#use-location")
    page.wait_for_selector("text=Location added.")
    page.fill("#narrative", "Someone keeps breaking car windows on this block at night")
    page.locator("button[type=submit]").click()
    page.wait_for_selector("#receipt")
    tip = session.scalar(select(Tip).where(Tip.tip_number == page.inner_text("#tip-number")))
    assert tip.queue.code == "S3" and tip.location_source == "pin"


def test_photo_upload_with_javascript_off(live_server, context_factory, session, tmp_path) -> None:
    photo = tmp_path / "IMG_4410.jpg"
    photo.write_bytes(jpeg_with_gps())
    page = context_factory(java_script_enabled=False).new_page()
    page.goto(live_server + "/?lang=en")
    page.fill("#narrative", "This is the car they used, photo attached")
    page.set_input_files("#photo", str(photo))
    page.locator("button[type=submit]").click()
    page.wait_for_selector("#receipt")
    attachment = session.scalar(select(Attachment))
    assert attachment is not None and attachment.content_type == "image/jpeg"


def test_empty_form_shows_an_error_and_keeps_nothing(live_server, context_factory, session) -> None:
    page = context_factory(java_script_enabled=False).new_page()
    page.goto(live_server + "/?lang=es")
    page.locator("button[type=submit]").click()
    page.wait_for_selector("text=Cuéntenos lo que sabe.")
    _shot(page, "error-es")
    assert session.scalar(select(Tip)) is None
