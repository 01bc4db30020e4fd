"""Every string of the public pages has a Spanish translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "intake" / "translations" / "es" / "LC_MESSAGES" / "messages.po"


def test_spanish_catalogue_translates_every_message() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == []


def test_catalogue_covers_every_string_in_the_code() -> None:
    with CATALOG.open("rb") as handle:
        known = {m.id for m in read_po(handle) if m.id}
    method_map = [("intake/**.py", "python"), ("intake/templates/**.html", "jinja2")]
    found = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(
            str(ROOT),
            method_map,
            keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None},
        )
    }
    missing = sorted(found - known)
    assert missing == [], "run `make messages` and translate the new strings"


def test_compiled_catalogue_matches_the_source() -> None:
    """The committed .mo (what every deployment serves, with or without make) is up to date."""
    from babel.messages.mofile import read_mo

    def entries(messages) -> dict:
        return {
            (tuple(m.id) if isinstance(m.id, list | tuple) else m.id, m.context): (
                tuple(m.string) if isinstance(m.string, list | tuple) else m.string
            )
            for m in messages
            if m.id and not m.fuzzy
        }

    with CATALOG.open("rb") as handle:
        source = entries(read_po(handle))
    with CATALOG.with_suffix(".mo").open("rb") as handle:
        compiled = entries(read_mo(handle))
    assert compiled == source, "run `make translations` and commit messages.mo"
