"""The helpers every adapter shares."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from webhooks.base import (
    MAX_ID_LENGTH,
    PayloadError,
    as_id,
    from_epoch,
    load_json_object,
    secrets_equal,
)


def test_secrets_equal_handles_non_ascii_and_bytes() -> None:
    assert secrets_equal("contraseña", "contraseña")
    assert not secrets_equal("contraseña", "contrasena")
    assert secrets_equal(b"\x00\xff", b"\x00\xff")
    assert not secrets_equal("abc", b"abd")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("m_123", "m_123"),
        (" 42 ", "42"),
        (104512345678901, "104512345678901"),
        ("", None),
        ("   ", None),
        (None, None),
        (True, None),
        (1.5, None),
        ({"id": "1"}, None),
        ("x" * (MAX_ID_LENGTH + 1), None),
        (10 ** (MAX_ID_LENGTH + 1), None),
    ],
)
def test_as_id(value: object, expected: str | None) -> None:
    assert as_id(value) == expected


@pytest.mark.parametrize(
    ("value", "milliseconds", "expected"),
    [
        (1718206100, False, datetime(2024, 6, 12, 15, 28, 20, tzinfo=UTC)),
        ("1718206100", False, datetime(2024, 6, 12, 15, 28, 20, tzinfo=UTC)),
        ("1718206100500", True, datetime(2024, 6, 12, 15, 28, 20, 500000, tzinfo=UTC)),
        ("soon", False, None),
        (None, True, None),
        (True, False, None),
        (10**30, False, None),
    ],
)
def test_from_epoch(value: object, milliseconds: bool, expected: datetime | None) -> None:
    assert from_epoch(value, milliseconds=milliseconds) == expected


def test_load_json_object_accepts_objects_only() -> None:
    assert load_json_object(b'{"a": 1}') == {"a": 1}
    with pytest.raises(PayloadError, match="not a JSON object"):
        load_json_object(b"[1, 2]")
    with pytest.raises(PayloadError, match="not valid JSON"):
        load_json_object(b"{")
    with pytest.raises(PayloadError, match="not valid JSON"):
        load_json_object(b"[" * 100_000 + b"]" * 100_000)
