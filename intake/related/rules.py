"""Pure rules for related tips: which words identify something, photo hashes, distances."""

from __future__ import annotations

import io
import math

import imagehash
from PIL import Image

from intake.search.rules import ADDRESS_PREFIX, NAME_PREFIX, index_words, named_things

NEARBY_METRES = 250
NEARBY_HOURS = 48
MAX_IDENTIFIERS = 20
PHOTO_PREFIX = "photo:"


def identifiers(text: str) -> set[str]:
    """Words of ``text`` that name one thing: plate-like (letters and digits, 5-10 long) or
    phone-number-like (7 digits or more) words, people's names and street addresses, as the
    search index holds them."""
    found = named_things(text)
    for word in index_words(text):
        has_digit = any(c.isdigit() for c in word)
        has_letter = any(c.isalpha() for c in word)
        plate = has_digit and has_letter and 5 <= len(word) <= 10 and word.isascii()
        phone = word.isdigit() and 7 <= len(word) <= 10
        if plate or phone:
            found.add(word)
    return found


def photo_word(data: bytes) -> str:
    """The index word of a photo: its 64-bit perceptual hash (re-encoded or resized copies of a
    photo share it, unlike a SHA-256)."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("L", (256, 256))  # JPEG decodes at a fraction of its size: enough for a hash
        return PHOTO_PREFIX + str(imagehash.phash(image.convert("L")))


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres (haversine; the city is small, the error is tiny)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def neighbour_cells(cell: str, step: float = 0.01) -> list[str]:
    """The 0.01° cell and its eight neighbours (a point 250 m away may sit across an edge)."""
    south, west = (float(v) for v in cell.split(","))
    return [
        f"{south + dy * step:.2f},{west + dx * step:.2f}" for dy in (-1, 0, 1) for dx in (-1, 0, 1)
    ]


def identifier_reason(word: str) -> str:
    """Why a shared identifier relates two tips, in words (the viewer's own tip's words)."""
    if word.startswith(NAME_PREFIX):
        return f"same name {word.removeprefix(NAME_PREFIX).title()}"
    if word.startswith(ADDRESS_PREFIX):
        return f"same address {word.removeprefix(ADDRESS_PREFIX).title()}"
    return f"same plate or number {word.upper()}"
