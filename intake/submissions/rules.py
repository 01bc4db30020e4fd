"""Tip numbers and receipts: generated, formatted and normalised (pure functions).

Both use Crockford's base-32 alphabet (no I, L, O, U), so they can be read over the phone and
typed back without confusing 0/O or 1/I/L.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TIP_NUMBER_LENGTH = 8  # 40 bits: unguessable in practice, and a receipt is still needed
RECEIPT_LENGTH = 16  # 80 bits
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SEPARATORS = re.compile(r"[\s\-_.]+")
_VALID = re.compile(f"^[{ALPHABET}]+$")


def _random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def _group(code: str, size: int = 4) -> str:
    return "-".join(code[i : i + size] for i in range(0, len(code), size))


def new_tip_number() -> str:
    """A new tip number in display form, like ``K7QM-4821``; always holds a digit.

    The digit lets a number written without its dash be told from an ordinary eight-letter word
    in a text message (:func:`find_tip_number`).
    """
    while True:
        code = _random_code(TIP_NUMBER_LENGTH)
        if any(ch.isdigit() for ch in code):
            return _group(code)


def new_receipt() -> str:
    """A new secret receipt in display form, like ``7KQ2-M9XD-3RTW-HB5N``."""
    return _group(_random_code(RECEIPT_LENGTH))


def _normalise(value: str, length: int) -> str | None:
    code = _SEPARATORS.sub("", value.strip().upper()).translate(_CONFUSABLE)
    if len(code) != length or not _VALID.match(code):
        return None
    return code


def normalise_tip_number(value: str) -> str | None:
    """The canonical display form of what a person typed, or None if it cannot be one."""
    code = _normalise(value, TIP_NUMBER_LENGTH)
    return _group(code) if code else None


def normalise_receipt(value: str) -> str | None:
    """The canonical display form of a typed receipt, or None if it cannot be one."""
    code = _normalise(value, RECEIPT_LENGTH)
    return _group(code) if code else None


def find_tip_number(text: str) -> str | None:
    """A tip number mentioned inside a message ("about K7QM-4821 ..."), if any."""
    for match in re.finditer(r"\b([0-9A-Za-z]{4})([\s\-]?)([0-9A-Za-z]{4})\b", text):
        candidate = normalise_tip_number(match.group(1) + match.group(3))
        # Written with its dash it is a tip number; run together it needs a digit to be one.
        if candidate and (match.group(2) == "-" or any(ch.isdigit() for ch in candidate)):
            return candidate
    return None
