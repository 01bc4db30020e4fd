"""Tip numbers and receipts: readable, unguessable, forgiving to type."""

from __future__ import annotations

import re

from intake.submissions import rules


def test_formats_are_grouped_and_use_the_unambiguous_alphabet() -> None:
    for _ in range(200):
        number, receipt = rules.new_tip_number(), rules.new_receipt()
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", number)
        assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){3}[0-9A-HJKMNP-TV-Z]{4}", receipt)


def test_receipt_carries_at_least_64_bits() -> None:
    assert rules.RECEIPT_LENGTH * 5 >= 64
    assert len({rules.new_receipt() for _ in range(1000)}) == 1000


def test_normalisation_forgives_case_spaces_and_lookalikes() -> None:
    assert rules.normalise_tip_number("k7qm 4821") == "K7QM-4821"
    assert rules.normalise_tip_number("K7QM-482I") == "K7QM-4821"
    assert rules.normalise_receipt("7kq2 m9xd 3rtw hb5n") == "7KQ2-M9XD-3RTW-HB5N"
    assert rules.normalise_receipt("0O00-0000-0000-0000") == "0000-0000-0000-0000"
    assert rules.normalise_tip_number("K7QM-48") is None
    assert rules.normalise_tip_number("K7Q!-4821") is None


def test_a_tip_number_is_found_inside_a_message() -> None:
    assert rules.find_tip_number("about tip k7qm-4821, he moved") == "K7QM-4821"
    assert rules.find_tip_number("hello there friend") is None


def test_every_new_tip_number_can_be_found_in_a_message() -> None:
    for _ in range(500):
        number = rules.new_tip_number()
        assert rules.find_tip_number(f"more about {number} please") == number
        assert rules.find_tip_number(f"more about {number.replace('-', '')}") == number


def test_a_dashed_number_without_digits_is_still_found() -> None:
    assert rules.find_tip_number("re FCBP-EBSS: he is back") == "FCBP-EBSS"
    assert rules.find_tip_number("tonight everybody outside") is None
