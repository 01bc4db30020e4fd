"""The one table of tipster-facing texts: every text has its Spanish, in every context."""

from __future__ import annotations

import pytest

from intake.channels import texts


@pytest.mark.parametrize("key", sorted(texts.TEXTS))
def test_every_text_is_translated_in_each_of_its_contexts(key: str) -> None:
    for context, english in texts.TEXTS[key]:
        assert texts.tipster_text(key, "en", context, tip_number="K7QM") == english.format(
            tip_number="K7QM"
        )
        spanish = texts.tipster_text(key, "es", context, tip_number="K7QM")
        # A missing catalogue entry falls back to the English msgid.
        assert spanish != english.format(tip_number="K7QM")
        assert ("K7QM" in spanish) == ("{tip_number}" in english)


def test_a_context_without_its_own_text_uses_the_shared_one() -> None:
    assert texts.tipster_text("followup", "es", texts.DM, tip_number="K7QM") == (
        texts.tipster_text("followup", "es", texts.SMS, tip_number="K7QM")
    )
    assert not texts.has_text("stop", texts.SMS)  # the carrier confirms an SMS STOP
    assert texts.has_text("stop", texts.DM)


def test_an_answer_is_one_paragraph_by_sms_and_blocks_in_a_dm() -> None:
    sms = texts.compose("empty", ("en", "es"), texts.SMS)
    assert sms.split("\n\n")[0] == "Text us what you know. If anyone is in danger now, call 911."
    dm = texts.compose("new_tip", ("en",), texts.DM, tip_number="K7QM", is_emergency=True)
    assert dm.split("\n\n")[0] == "If anyone is in danger right now, call 911 at once."
    assert "K7QM" in dm.split("\n\n")[1]
