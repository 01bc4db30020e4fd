"""A resident who fills in every field, in a real Chromium: English and Spanish, JavaScript on and
off. The tip is saved with its contact, place, time and photos; an error round names the photo to
choose again; the confirmation counts the photos; the language switch keeps what was typed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from intake.identity.service import read_identity
from intake.models import Tip
from tests.factories import jpeg_with_gps

pytestmark = pytest.mark.browser

TEXTS = {
    "en": {
        "narrative": "Two men unload guns from a white van behind the laundromat every Friday",
        "place": "Alder Park",
        "name": "Dana Resident",
        "count": "2 photos are attached to your tip.",
        "again": "Choose them again before you send.",
    },
    "es": {
        "narrative": "Dos hombres descargan armas de una camioneta blanca detrás de la lavandería",
        "place": "Alder Park",
        "name": "Dana Vecina",
        "count": "Su aviso tiene 2 fotos.",
        "again": "Elíjalas de nuevo antes de enviar.",
    },
}


@pytest.fixture
def photos(tmp_path: Path) -> list[str]:
    paths = []
    for name, size in (("porch.jpg", (64, 48)), ("van.jpg", (80, 60))):
        path = tmp_path / name
        path.write_bytes(jpeg_with_gps(size))
        paths.append(str(path))
    return paths


@pytest.fixture
def browser_context(_browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = _browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def _fill_everything(page: Any, texts: dict[str, str], photos: list[str], *, when: str) -> None:
    page.fill("#narrative", texts["narrative"])
    page.fill("#location_text", texts["place"])
    page.fill("#occurred_at", when)
    page.set_input_files("#photo", photos)
    page.fill("#contact_phone", "(503) 555-0142")
    page.fill("#contact_email", "dana.resident@example.org")
    page.fill("#contact_name", texts["name"])


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_every_optional_field_with_photos_through_an_error_round(
    live_server, browser_context, session, keyring, photos, lang, javascript
) -> None:
    texts = TEXTS[lang]
    page = browser_context(java_script_enabled=javascript).new_page()
    page.goto(f"{live_server}/?lang={lang}")
    # A date in the future: the error round.
    _fill_everything(page, texts, photos, when="2099-01-01T10:00")
    page.locator("form#tip-form button[type=submit]").click()
    page.wait_for_selector("#error-summary")
    assert page.title().startswith("Error:")
    again = page.inner_text("#photo-again")
    assert "porch.jpg" in again and "van.jpg" in again and texts["again"] in again
    # What was typed is still there; the photos are chosen again, the date corrected.
    assert page.input_value("#narrative") == texts["narrative"]
    assert page.input_value("#contact_email") == "dana.resident@example.org"
    page.fill("#occurred_at", "2026-11-28T21:30")
    page.set_input_files("#photo", photos)
    page.locator("form#tip-form button[type=submit]").click()
    page.wait_for_selector("#receipt")
    assert texts["count"] in page.inner_text("main")
    number = page.inner_text("#tip-number").strip()

    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    assert tip is not None and tip.language == lang and tip.channel == "web"
    assert len(tip.attachments) == 2
    assert tip.occurred_at is not None
    identity = read_identity(keyring, tip.reporter)
    assert identity["email"] == "dana.resident@example.org"
    assert identity["name"] == texts["name"]
    assert identity["phone"] == "+15035550142"
    session.commit()


def test_the_language_switch_keeps_a_half_written_tip(live_server, browser_context) -> None:
    page = browser_context(locale="en-US").new_page()
    page.goto(f"{live_server}/")
    page.fill("#narrative", "Half a tip about the blue house on Elm")
    page.fill("#location_text", "Elm and 3rd")
    page.click("a[hreflang=es]")
    page.wait_for_selector("html[lang=es]")
    assert page.input_value("#narrative") == "Half a tip about the blue house on Elm"
    assert page.input_value("#location_text") == "Elm and 3rd"
