"""Gazetteer: turn a location text ("corner of Blue Hill Ave and Morton St") into places.

Matching works on normalised tokens (case, accents, punctuation, street-type abbreviations in
English and Spanish, ordinal and number words, "&"/"/"/"y" as "and", "@" as "at"). ``resolve``
reads a text with street rules first (two streets that meet, a house number on a street), then
single places; it returns every place the text may mean, and the caller routes only when they
all lie in one district (docs/routing.md). ``match`` is the older single-place reading: a place
matches when all its tokens appear in order in the text, each exactly or, for longer words, by
close spelling (rapidfuzz ratio); the score is the length-weighted mean similarity. A wrong
match misroutes a tip while no match sends it to triage, so both answer None rather than guess:
below the score threshold, when two places of the same rank are named, or when only a long
street (which may cross several districts) is named, including a street named after a place
("Hyde Park Ave" is not Hyde Park).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from rapidfuzz import fuzz, process
from shapely.geometry import LineString, MultiLineString, Point, shape
from shapely.geometry.base import BaseGeometry

from intake.routing.streets import StreetSegment

__all__ = [
    "Gazetteer",
    "Place",
    "PlaceFileError",
    "PlaceMatch",
    "Resolution",
    "StreetIndex",
    "load_places",
    "normalise_tokens",
]


class PlaceFileError(ValueError):
    """A places file cannot be used; the message says why and never quotes coordinates."""


@dataclass(frozen=True)
class Place:
    """A named place with a point (WGS84); streets may also carry their line for crossings."""

    name: str
    kind: str
    lat: float
    lon: float
    geometry: BaseGeometry | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class PlaceMatch:
    """The place found in a text, how sure the match is (0..1) and the words that matched."""

    place: Place
    score: float
    matched_text: str


# --- normalisation --------------------------------------------------------------------------

_ABBREVIATIONS = {
    "st": "street",
    "str": "street",
    "ave": "avenue",
    "av": "avenue",
    "avenida": "avenue",
    "rd": "road",
    "blvd": "boulevard",
    "sq": "square",
    "pl": "place",
    "dr": "drive",
    "ln": "lane",
    "ct": "court",
    "ter": "terrace",
    "terr": "terrace",
    "pkwy": "parkway",
    "hwy": "highway",
    "mt": "mount",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "calle": "street",
    # Spanish words for the kinds of landmark tips name ("frente a la escuela Wilson").
    "escuela": "school",
    "parque": "park",
    "biblioteca": "library",
    "iglesia": "church",
    "mercado": "market",
    "estacion": "station",
    "tienda": "store",
    # "St." is Saint as often as Street ("St. Mary's St."): both spellings become one token.
    "saint": "street",
    "cir": "circle",
    "y": "and",
    "&": "and",
    "+": "and",
    "/": "and",
    "@": "at",
}
_ORDINALS = {
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
    "fourth": "4th",
    "fifth": "5th",
    "sixth": "6th",
    "seventh": "7th",
    "eighth": "8th",
    "ninth": "9th",
    "tenth": "10th",
    "eleventh": "11th",
    "twelfth": "12th",
    "thirteenth": "13th",
    "fourteenth": "14th",
    "fifteenth": "15th",
    "sixteenth": "16th",
    "seventeenth": "17th",
    "eighteenth": "18th",
    "nineteenth": "19th",
    "twentieth": "20th",
    # Spanish ordinals, as in "la Quinta" (Fifth Avenue) or "Calle Primera".
    "primera": "1st",
    "primero": "1st",
    "segunda": "2nd",
    "segundo": "2nd",
    "tercera": "3rd",
    "tercero": "3rd",
    "cuarta": "4th",
    "cuarto": "4th",
    "quinta": "5th",
    "quinto": "5th",
    "sexta": "6th",
    "sexto": "6th",
    "septima": "7th",
    "septimo": "7th",
    "octava": "8th",
    "octavo": "8th",
    "novena": "9th",
    "noveno": "9th",
    "decima": "10th",
    "decimo": "10th",
}
# Number words ("Pier Four" is "Pier 4"); English and Spanish.
_NUMBERS = {
    word: str(value)
    for value, words in enumerate(
        [
            (),
            ("one", "uno"),
            ("two", "dos"),
            ("three", "tres"),
            ("four", "cuatro"),
            ("five", "cinco"),
            ("six", "seis"),
            ("seven", "siete"),
            ("eight", "ocho"),
            ("nine", "nueve"),
            ("ten", "diez"),
            ("eleven",),
            ("twelve", "doce"),
            ("thirteen",),
            ("fourteen",),
            ("fifteen",),
            ("sixteen",),
            ("seventeen",),
            ("eighteen",),
            ("nineteen",),
            ("twenty",),
        ]
    )
    for word in words
}
# Tokens dropped everywhere: they carry no place information and are often omitted.
_DROPPED = frozenset({"the"})
# Words never "corrected" into a place word by fuzzy matching: common English and Spanish words
# that sit one letter away from place words ("moron" / "morton", "center" / "centre").
_COMMON_WORDS = frozenset(
    {
        "about",
        "above",
        "after",
        "again",
        "along",
        "around",
        "avenue",
        "behind",
        "below",
        "beside",
        "between",
        "block",
        "blocks",
        "building",
        "calle",
        "close",
        "corner",
        "cerca",
        "from",
        "front",
        "house",
        "near",
        "next",
        "over",
        "park",
        "past",
        "place",
        "road",
        "square",
        "store",
        "street",
        "there",
        "their",
        "these",
        "those",
        "under",
        "where",
        "which",
        "while",
        "with",
        "within",
        "your",
        "esquina",
        "entre",
        "frente",
        "donde",
        "hacia",
        "hasta",
        "para",
        "sobre",
        "tienda",
        "casa",
        "barrio",
    }
)
# Street-type words: a street may be named without them inside an intersection ("Blue Hill and
# Morton"), never alone.
_STREET_TYPES = frozenset(
    {
        "street",
        "avenue",
        "road",
        "boulevard",
        "square",
        "place",
        "drive",
        "lane",
        "court",
        "terrace",
        "parkway",
        "highway",
        "way",
        "circle",
    }
)
# Words that make the name before them a long street ("Hyde Park Ave", "Dorchester Ave"):
# such a street crosses several districts, so the place it is named after is not the location.
_LINEAR_TYPES = frozenset(
    {"street", "avenue", "road", "boulevard", "parkway", "highway", "drive", "lane", "way"}
)
_CONNECTORS = frozenset({"and", "at", "con"})
_LANDMARK_TYPES = frozenset(
    {"school", "park", "library", "church", "market", "station", "store", "hospital", "mall"}
)
_TOKEN_PATTERN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*|[&+/@]")
_MIN_FUZZY_LENGTH = 4
_TOKEN_CUTOFF = 0.8
_RANK_BY_KIND = {
    "intersection": 0,
    "street": 2,
    "area": 3,
    "neighbourhood": 3,
    "neighborhood": 3,
    "district": 3,
}
_DEFAULT_RANK = 1  # landmarks and other points: more specific than an area
# Degrees; about 30 m and 250 m at Boston's latitude.
_NEAR_MISS = 0.0003
_CROSSING_SPREAD = 0.0025


def _fold(token: str) -> str:
    decomposed = unicodedata.normalize("NFKD", token.lower())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return folded.replace("'", "").replace("\u2019", "")


def _normalise_token(raw: str) -> str:
    token = _fold(raw)
    token = _ABBREVIATIONS.get(token, token)
    token = _NUMBERS.get(token, token)
    return _ORDINALS.get(token, token)


def _tokens_with_spans(text: str) -> list[tuple[str, int, int]]:
    spans = []
    for found in _TOKEN_PATTERN.finditer(text):
        token = _normalise_token(found.group())
        if token and token not in _DROPPED:
            spans.append((token, found.start(), found.end()))
    return spans


def normalise_tokens(text: str) -> tuple[str, ...]:
    """Return the normalised tokens of a text, as the gazetteer compares them."""
    return tuple(token for token, _, _ in _tokens_with_spans(text))


@lru_cache(maxsize=65536)
def _token_similarity(text_token: str, place_token: str) -> float:
    if text_token == place_token:
        return 1.0
    if (
        len(text_token) < _MIN_FUZZY_LENGTH
        or len(place_token) < _MIN_FUZZY_LENGTH
        or text_token in _COMMON_WORDS
        or any(ch.isdigit() for ch in text_token + place_token)
    ):
        return 0.0
    ratio = fuzz.ratio(text_token, place_token) / 100.0
    return ratio if ratio >= _TOKEN_CUTOFF else 0.0


# --- loading --------------------------------------------------------------------------------


def _kind_for(geometry: BaseGeometry) -> str:
    if geometry.geom_type in ("LineString", "MultiLineString"):
        return "street"
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return "area"
    return "place"


def _place_from_geometry(name: str, kind: str, geometry: BaseGeometry) -> Place:
    if kind == "street" and isinstance(geometry, (LineString, MultiLineString)):
        point = geometry.interpolate(0.5, normalized=True)
        return Place(name=name, kind=kind, lat=point.y, lon=point.x, geometry=geometry)
    if geometry.geom_type == "Point":
        point = geometry
    else:
        # Valid geometry first: representative_point on a bow-tie can fall outside it.
        repaired = geometry if geometry.is_valid else shapely.make_valid(geometry)
        point = repaired.representative_point()
    return Place(name=name, kind=kind, lat=point.y, lon=point.x)


def _places_from_geojson(
    data: Any, filename: str, name_property: str | None, kind_property: str
) -> list[Place]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise PlaceFileError(f"{filename}: expected a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise PlaceFileError(f"{filename}: the FeatureCollection has no features")
    names_to_try = [name_property] if name_property else ["name", "Name", "NAME"]
    places = []
    for number, feature in enumerate(features, start=1):
        where = f"{filename}: feature {number}"
        if not isinstance(feature, dict):
            raise PlaceFileError(f"{where} is not a GeoJSON Feature")
        properties = feature.get("properties") or {}
        name = next(
            (str(properties[key]).strip() for key in names_to_try if properties.get(key)), ""
        )
        if not name:
            wanted = " or ".join(repr(key) for key in names_to_try)
            raise PlaceFileError(f"{where} has no name property {wanted}")
        raw_geometry = feature.get("geometry")
        if not isinstance(raw_geometry, dict):
            raise PlaceFileError(f"{where} ({name!r}) has no geometry")
        try:
            geometry = shapely.force_2d(shape(raw_geometry))
        except Exception:  # noqa: BLE001 - shapely raises many types; the text may hold coordinates
            raise PlaceFileError(f"{where} ({name!r}) has a malformed geometry") from None
        if geometry.is_empty:
            raise PlaceFileError(f"{where} ({name!r}) has an empty geometry")
        kind = str(properties.get(kind_property) or _kind_for(geometry)).strip().lower()
        places.append(_place_from_geometry(name, kind, geometry))
    return places


def _coordinate(text: str, low: float, high: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if low <= value <= high else None


def _places_from_csv(text: str, filename: str) -> list[Place]:
    rows = [row for row in csv.reader(text.splitlines()) if any(cell.strip() for cell in row)]
    if rows and rows[0] and rows[0][0].strip().lower() == "name":
        rows = rows[1:]  # header
    if not rows:
        raise PlaceFileError(f"{filename}: no places")
    places = []
    for number, row in enumerate(rows, start=1):
        if len(row) < 3 or not row[0].strip():
            raise PlaceFileError(f"{filename}: row {number} is not name,lat,lon[,kind]")
        lat = _coordinate(row[1], -90.0, 90.0)
        lon = _coordinate(row[2], -180.0, 180.0)
        if lat is None or lon is None:
            raise PlaceFileError(f"{filename}: row {number} has no valid latitude and longitude")
        kind = row[3].strip().lower() if len(row) > 3 and row[3].strip() else "place"
        places.append(Place(name=row[0].strip(), kind=kind, lat=lat, lon=lon))
    return places


def load_places(
    path: str | Path, name_property: str | None = None, kind_property: str = "kind"
) -> list[Place]:
    """Read places from GeoJSON (points, lines, polygons) or CSV ``name,lat,lon[,kind]``.

    GeoJSON names come from ``name_property`` (default "name" or "Name"); the kind from
    ``kind_property`` if present, else from the geometry: point "place", line "street",
    polygon "area" (placed at its representative point, which is always inside it).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PlaceFileError(f"{path.name}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise PlaceFileError(f"{path.name}: not UTF-8 text") from None
    if path.suffix.lower() == ".csv":
        return _places_from_csv(text, path.name)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlaceFileError(
            f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None
    return _places_from_geojson(data, path.name, name_property, kind_property)


# --- matching -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """One way of naming a place: its token sequence, and whether it is a bare street core."""

    tokens: tuple[str, ...]
    place: Place
    is_core: bool  # street name without its type word: usable only inside an intersection


@dataclass(frozen=True)
class _Hit:
    entry: _Entry
    start: int  # token positions, end exclusive
    end: int
    score: float


def _merge_streets(places: Sequence[Place]) -> Place:
    lines = [p.geometry for p in places if p.geometry is not None]
    merged = shapely.line_merge(shapely.union_all(lines)) if lines else None
    first = places[0]
    if merged is None or merged.is_empty:
        return first
    point = merged.interpolate(0.5, normalized=True) if merged.length else merged.centroid
    return Place(name=first.name, kind=first.kind, lat=point.y, lon=point.x, geometry=merged)


class Gazetteer:
    """Match location texts against known places; None when not sure."""

    def __init__(
        self,
        places: Iterable[Place],
        min_score: float = 0.85,
        segments: Iterable[StreetSegment] = (),
    ) -> None:
        """Index the places and street segments; ``min_score`` is the least match score (0..1)."""
        self.min_score = min_score
        places = list(places)
        grouped: dict[tuple[str, ...], list[Place]] = {}
        for place in places:
            tokens = normalise_tokens(place.name)
            if tokens:
                grouped.setdefault(tokens, []).append(place)
        self.places: tuple[Place, ...] = ()
        self._ambiguous: set[Place] = set()
        self._same_name: dict[Place, tuple[Place, ...]] = {}
        by_first: dict[str, list[_Entry]] = {}
        kept: list[Place] = []
        for tokens, same_name in grouped.items():
            place = self._one_place(tokens, same_name)
            kept.append(place)
            for entry in self._entries(tokens, place):
                by_first.setdefault(entry.tokens[0], []).append(entry)
        self.places = tuple(kept)
        self._by_first = by_first
        self._first_tokens = tuple(by_first)
        # Entries by first word, then by second word (None: one-word names). With tens of
        # thousands of places a first word starts hundreds of names; only those whose second
        # word the text also has are scored.
        self._by_second: dict[str, dict[str | None, list[_Entry]]] = {}
        for first, entries in by_first.items():
            groups = self._by_second.setdefault(first, {})
            for entry in entries:
                second = entry.tokens[1] if len(entry.tokens) > 1 else None
                groups.setdefault(second, []).append(entry)
        self._second_cache: dict[tuple[str, str], tuple[str, ...]] = {}
        self._close_cache: dict[str, tuple[str, ...]] = {}
        listed = [p for p in places if p.kind == "intersection"]
        self._listed_ids = frozenset(id(p) for p in listed)
        self.streets = StreetIndex(
            [p for p in kept if p.kind == "street" and p.geometry is not None], segments, listed
        )

    def _one_place(self, tokens: tuple[str, ...], same_name: list[Place]) -> Place:
        streets = [p for p in same_name if p.geometry is not None]
        if streets:
            # Street files split a street into many segments; together they are one street.
            return _merge_streets(streets)
        first = same_name[0]
        if any(
            abs(p.lat - first.lat) > _CROSSING_SPREAD or abs(p.lon - first.lon) > _CROSSING_SPREAD
            for p in same_name[1:]
        ):
            # Two different places share this name (a "Washington Street" in two towns): which
            # one a tipster means is unknowable, so the name never matches on its own.
            self._ambiguous.add(first)
            self._same_name[first] = tuple(same_name)
        return first

    @staticmethod
    def _entries(tokens: tuple[str, ...], place: Place) -> list[_Entry]:
        entries = [_Entry(tokens, place, is_core=False)]
        if place.kind != "street" and len(tokens) > 1 and tokens[-1] in _LANDMARK_TYPES:
            # Spanish puts the kind first: "la escuela Wilson" is the Wilson School.
            entries.append(_Entry((tokens[-1], *tokens[:-1]), place, is_core=False))
        if "and" in tokens and place.kind != "street":
            # An intersection place also answers to its streets in the other order.
            cut = tokens.index("and")
            swapped = (*tokens[cut + 1 :], "and", *tokens[:cut])
            if swapped != tokens and tokens[:cut] and tokens[cut + 1 :]:
                entries.append(_Entry(swapped, place, is_core=False))
        if place.kind == "street" and len(tokens) > 1 and tokens[-1] in _STREET_TYPES:
            entries.append(_Entry(tokens[:-1], place, is_core=True))
        return entries

    def _candidates_for(self, token: str) -> tuple[str, ...]:
        """First words of place names that this text token equals or closely spells."""
        found = self._close_cache.get(token)
        if found is None:
            exact = (token,) if token in self._by_first else ()
            fuzzy: tuple[str, ...] = ()
            if not (
                len(token) < _MIN_FUZZY_LENGTH
                or token in _COMMON_WORDS
                or any(ch.isdigit() for ch in token)
            ):
                close = process.extract(
                    token,
                    self._first_tokens,
                    scorer=fuzz.ratio,
                    limit=5,
                    score_cutoff=_TOKEN_CUTOFF * 100,
                )
                fuzzy = tuple(t for t, _, _ in close if t != token)
            found = exact + fuzzy
            if len(self._close_cache) < 100_000:  # bounded: texts are unbounded input
                self._close_cache[token] = found
        return found

    def _seconds_for(self, first: str, token: str) -> tuple[str, ...]:
        """Second words of names starting with ``first`` that ``token`` equals or spells."""
        key = (first, token)
        found = self._second_cache.get(key)
        if found is None:
            groups = self._by_second[first]
            exact = (token,) if token in groups else ()
            fuzzy: tuple[str, ...] = ()
            if not (
                len(token) < _MIN_FUZZY_LENGTH
                or token in _COMMON_WORDS
                or any(ch.isdigit() for ch in token)
            ):
                close = process.extract(
                    token,
                    [second for second in groups if second is not None],
                    scorer=fuzz.ratio,
                    limit=5,
                    score_cutoff=_TOKEN_CUTOFF * 100,
                )
                fuzzy = tuple(t for t, _, _ in close if t != token)
            found = exact + fuzzy
            if len(self._second_cache) < 100_000:  # bounded: texts are unbounded input
                self._second_cache[key] = found
        return found

    def _entries_at(self, tokens: Sequence[str], start: int, first: str) -> Iterable[_Entry]:
        groups = self._by_second[first]
        yield from groups.get(None, ())
        if start + 1 < len(tokens):
            for second in self._seconds_for(first, tokens[start + 1]):
                yield from groups[second]

    def _hits(self, tokens: Sequence[str], include_ambiguous: bool = False) -> list[_Hit]:
        hits = []
        for start, token in enumerate(tokens):
            for first in self._candidates_for(token):
                for entry in self._entries_at(tokens, start, first):
                    end = start + len(entry.tokens)
                    if end > len(tokens):
                        continue
                    if entry.place in self._ambiguous and not include_ambiguous:
                        continue
                    score = _sequence_score(tokens[start:end], entry.tokens)
                    if score >= self.min_score:
                        hits.append(_Hit(entry, start, end, score))
        return hits

    def match(self, text: str) -> PlaceMatch | None:
        """Return the place a location text names, or None if nothing matches well enough."""
        spans = _tokens_with_spans(text)
        tokens = [token for token, _, _ in spans]
        hits = self._hits(tokens)
        if not hits:
            return None

        def matched_text(start: int, end: int) -> str:
            return text[spans[start][1] : spans[end - 1][2]]

        crossing = self._crossing(hits, tokens)
        if crossing is not None:
            place, score, start, end = crossing
            return PlaceMatch(place=place, score=score, matched_text=matched_text(start, end))
        best = _best_standalone(hits, tokens)
        if best is None:
            return None
        return PlaceMatch(
            place=best.entry.place,
            score=round(best.score, 3),
            matched_text=matched_text(best.start, best.end),
        )

    def resolve(self, text: str) -> Resolution | None:
        """Every place a location text may name and the rule that found them; None if none.

        Rules, most specific first: two streets that meet ("intersection" when listed,
        "street crossing" when found from street lines), a house number or block on a street
        ("address", "block"), a landmark or other point place ("place"), a street named in full
        ("street", whose line the caller checks against the districts), an area ("place").
        Misspelt street words are corrected only when one known word clearly wins.
        """
        spans = _tokens_with_spans(text)
        if not spans:
            return None
        tokens = tuple(token for token, _, _ in spans)
        raw = tuple(_fold(text[start:end]) for _, start, end in spans)

        def words(start: int, end: int) -> str:
            return text[spans[start][1] : spans[end - 1][2]]

        articled = frozenset(
            number
            for number, (_, start, _) in enumerate(spans)
            if _ARTICLE_BEFORE.search(text, max(0, start - 8), start)
        )
        corrected = self.streets.correct(tokens)
        attempts = [(tokens, 1.0)] if corrected == tokens else [(tokens, 1.0), (corrected, 0.9)]
        for attempt, score in attempts:
            crossing = self.streets.crossings_in(attempt, raw, articled)
            if crossing is not None:
                places, start, end = crossing
                listed = all(id(p) in self._listed_ids for p in places)
                rule = "intersection" if listed else "street crossing"
                return Resolution(rule, tuple(places), score, words(start, end))
            address = self.streets.addresses_in(attempt)
            if address is not None:
                rule, places, start, end = address
                return Resolution(rule, tuple(places), score, words(start, end))
        hits = self._hits(tokens, include_ambiguous=True)
        best = _best_standalone(hits, tokens) if hits else None
        if best is not None and _rank(best) < _RANK_BY_KIND["street"]:
            return self._standalone(best, words)
        for attempt, score in attempts:
            streets = self.streets.streets_in(attempt)
            if streets is not None:
                places, start, end = streets
                area = self._standalone(best, words) if best is not None else None
                return Resolution("street", tuple(places), score, words(start, end), area)
        if best is not None:
            return self._standalone(best, words)
        return None

    def _standalone(self, best: _Hit, words: Any) -> Resolution:
        place = best.entry.place
        candidates = self._same_name.get(place, (place,))
        return Resolution("place", candidates, round(best.score, 3), words(best.start, best.end))

    def _crossing(
        self, hits: list[_Hit], tokens: Sequence[str]
    ) -> tuple[Place, float, int, int] | None:
        streets = [h for h in hits if h.entry.place.kind == "street"]
        by_start: dict[int, list[_Hit]] = {}
        for hit in streets:
            by_start.setdefault(hit.start, []).append(hit)
        found: list[tuple[Place, float, int, int]] = []
        for left in streets:
            if left.end >= len(tokens) or tokens[left.end] not in _CONNECTORS:
                continue
            for right in by_start.get(left.end + 1, []):
                if right.entry.place == left.entry.place:
                    continue
                point = _crossing_point(left.entry.place, right.entry.place)
                if point is None:
                    continue
                name = f"{left.entry.place.name} & {right.entry.place.name}"
                place = Place(name=name, kind="intersection", lat=point.y, lon=point.x)
                score = round(min(left.score, right.score), 3)
                found.append((place, score, left.start, right.end))
        if not found:
            return None
        # Prefer full names over bare cores and higher scores; "X and Y" can only mean one pair.
        found.sort(key=lambda f: (-f[1], f[2] - f[3]))
        return found[0]


def _sequence_score(text_tokens: Sequence[str], place_tokens: Sequence[str]) -> float:
    total = 0.0
    weight = 0
    for text_token, place_token in zip(text_tokens, place_tokens, strict=True):
        similarity = _token_similarity(text_token, place_token)
        if similarity == 0.0:
            return 0.0
        total += similarity * len(place_token)
        weight += len(place_token)
    return total / weight


def _crossing_point(first: Place, second: Place) -> Point | None:
    if first.geometry is not None and second.geometry is not None:
        crossing = shapely.intersection(first.geometry, second.geometry)
        if crossing.is_empty:
            if shapely.distance(first.geometry, second.geometry) > _NEAR_MISS:
                return None
            # Street files often stop a line just short of the street it meets.
            gap = shapely.shortest_line(first.geometry, second.geometry)
            return gap.interpolate(0.5, normalized=True)
        minx, miny, maxx, maxy = crossing.bounds
        if maxx - minx > _CROSSING_SPREAD or maxy - miny > _CROSSING_SPREAD:
            return None  # the streets cross at several far-apart places: which one is unknown
        return crossing.centroid
    return None


def _rank(hit: _Hit) -> int:
    return _RANK_BY_KIND.get(hit.entry.place.kind, _DEFAULT_RANK)


def _best_standalone(hits: list[_Hit], tokens: Sequence[str]) -> _Hit | None:
    # A bare street core ("Morton") only means something inside an intersection, and a place
    # name followed by "Ave"/"St" names a street, not the place.
    usable = [
        h
        for h in hits
        if not h.entry.is_core and not (h.end < len(tokens) and tokens[h.end] in _LINEAR_TYPES)
    ]
    # A longer match hides a shorter one inside it ("South Boston Waterfront" / "South Boston").
    usable = [
        h
        for h in usable
        if not any(
            o is not h
            and o.start <= h.start
            and h.end <= o.end
            and (o.end - o.start) > (h.end - h.start)
            for o in usable
        )
    ]
    # A street alone is not a location: its middle may be in another district than the tip.
    usable = [h for h in usable if not (h.entry.place.kind == "street" and h.entry.place.geometry)]
    if not usable:
        return None
    best_rank = min(_rank(h) for h in usable)
    top = [h for h in usable if _rank(h) == best_rank]
    best_score = max(h.score for h in top)
    best = [h for h in top if h.score == best_score]
    if len({h.entry.place for h in top if h.score >= best_score - 0.05}) > 1:
        return None  # two places of the same rank named: the tip is ambiguous
    return best[0]


# --- streets: intersections, addresses and streets as residents write them ----------------

_DIRECTIONS = frozenset({"north", "south", "east", "west"})
# Quadrant suffixes some cities put after the street type (Atlanta, Washington DC).
_QUADRANTS = _DIRECTIONS | frozenset({"northeast", "northwest", "southeast", "southwest"})
_QUADRANT_ABBREVIATIONS = frozenset({"ne", "nw", "se", "sw"})
# Words joining two street names: "and" also stands for "&", "/", "y" and "+"; "at" for "@".
_PAIR_CONNECTORS = frozenset({"and", "at"})
# Single letters that join two streets in Portuguese/Italian ("e") and in texting ("n"); they
# are also the usual abbreviations of East and North, so they join only when both sides are
# streets that cross.
_RAW_CONNECTORS = frozenset({"e", "n"})
# Words that say "two streets follow": with them a bare street name that is also a common word
# ("Park", "School") is still read as a street.
_CORNER_CUES = frozenset({"corner", "esquina", "entre", "cruce", "intersection", "between"})
# Bare street names that are everyday words: "between the park and the school" is not the
# corner of Park St and School St unless a corner cue or a street-type word says so.
_EVERYDAY_CORES = _COMMON_WORDS | frozenset(
    {
        "a",
        "b",
        "center",
        "centre",
        "church",
        "school",
        "water",
        "market",
        "river",
        "green",
        "high",
        "hill",
        "spring",
        "summer",
        "winter",
        "pleasant",
        "prospect",
        "union",
        "central",
        "mill",
        "station",
        "garden",
        "bay",
        "court",
        "pond",
        "lake",
        "hospital",
        "library",
    }
)
_BLOCK_WORDS = frozenset({"block", "cuadra"})
# An article right before a word: "the park", "la escuela" (the word is a thing, not a street).
_ARTICLE_BEFORE = re.compile(r"(?<![^\W_])(?:the|la|el|los|las|a|an)\s+$", re.IGNORECASE)
_LONGEST_STREET_NAME = 6  # tokens
_STREET_FUZZY_CUTOFF = 85.0  # rapidfuzz ratio (0..100) for a misspelt street word
_STREET_FUZZY_MARGIN = 4.0  # the best correction must beat the second by this much
_ADDRESS_PATTERN = re.compile(r"^\d{1,6}$")


@dataclass(frozen=True)
class Resolution:
    """What a location text names: the rule that found it and every place it may mean.

    ``candidates`` holds one place when the text is clear and several when it names places in
    more than one spot (two streets crossing twice, a name used twice); the caller routes only
    when all of them lie in one district. A candidate of kind "street" carries its line.
    ``matched_text`` is the resident's words: for display to the operator, never to store.
    ``fallback`` is an area the text also names, for a street that crosses several districts
    ("on Washington St in Dorchester"): the caller may route on it, as it did before streets
    were read.
    """

    rule: str
    candidates: tuple[Place, ...]
    score: float
    matched_text: str
    fallback: Resolution | None = None

    @property
    def place(self) -> Place:
        """The first candidate (the only one when the text is clear)."""
        return self.candidates[0]


@dataclass
class _Street:
    """One street: its normalised name, display name, line parts and addressed segments."""

    key: tuple[str, ...]
    name: str
    parts: list[BaseGeometry] = field(default_factory=list)
    segments: list[StreetSegment] = field(default_factory=list)  # those with house numbers
    _geometry: BaseGeometry | None = None
    _tree: shapely.STRtree | None = None
    _parts_array: Any = None
    _place: Place | None = None

    def geometry(self) -> BaseGeometry | None:
        """All parts as one (multi)line, built on first use."""
        if self._geometry is None and self.parts:
            lines = shapely.get_parts(self.parts_array())
            self._geometry = shapely.multilinestrings(lines) if len(lines) > 1 else lines[0]
        return self._geometry

    def parts_array(self) -> Any:
        """The parts as a numpy array of geometries."""
        if self._parts_array is None:
            import numpy as np

            self._parts_array = np.array(self.parts, dtype=object)
        return self._parts_array

    def tree(self) -> shapely.STRtree:
        """An STRtree over the parts, built on first use (crossings query it)."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.parts_array())
        return self._tree

    def as_place(self) -> Place | None:
        """The street as a gazetteer place of kind "street" with its line, if it has one."""
        if self._place is None:
            geometry = self.geometry()
            if geometry is None:
                return None
            point = geometry.interpolate(0.5, normalized=True)
            self._place = Place(
                name=self.name, kind="street", lat=point.y, lon=point.x, geometry=geometry
            )
        return self._place


@dataclass(frozen=True)
class _Side:
    """A street name found next to a connector: the streets it may mean and where it lies."""

    keys: tuple[tuple[str, ...], ...]
    start: int
    end: int
    is_bare: bool  # written without its type word ("Morton", not "Morton St")
    is_everyday: bool  # and that bare name is an everyday word


def _split_at_connector(tokens: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    for position, token in enumerate(tokens):
        if token in _PAIR_CONNECTORS and 0 < position < len(tokens) - 1:
            return tokens[:position], tokens[position + 1 :]
    return None


def _clusters(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Group points closer than the crossing spread; one mean point per group, in input order."""
    groups: list[list[tuple[float, float]]] = []
    for x, y in points:
        for group in groups:
            gx, gy = group[0]
            if abs(gx - x) <= _CROSSING_SPREAD and abs(gy - y) <= _CROSSING_SPREAD:
                group.append((x, y))
                break
        else:
            groups.append([(x, y)])
    return [(sum(x for x, _ in g) / len(g), sum(y for _, y in g) / len(g)) for g in groups]


class StreetIndex:
    """Streets by every way residents name them, and the places where two of them meet."""

    def __init__(
        self,
        street_places: Iterable[Place],
        segments: Iterable[StreetSegment],
        listed: Iterable[Place],
    ) -> None:
        """Index street lines (places and segments) and listed intersections (points)."""
        self.streets: dict[tuple[str, ...], _Street] = {}
        for place in street_places:
            if place.geometry is not None:
                self._street(normalise_tokens(place.name), place.name).parts.append(place.geometry)
        for segment in segments:
            key = normalise_tokens(segment.name)
            if key:
                street = self._street(key, segment.name)
                street.parts.append(segment.geometry)
                if segment.ranges():
                    street.segments.append(segment)
        self._listed: dict[frozenset[tuple[str, ...]], list[Place]] = {}
        for place in listed:
            sides = _split_at_connector(normalise_tokens(place.name))
            if sides is None or sides[0] == sides[1]:
                continue
            for side in sides:
                self._street(side, "")
            self._listed.setdefault(frozenset(sides), []).append(place)
        self._variants: dict[tuple[str, ...], list[tuple[tuple[str, ...], bool]]] = {}
        for key in self.streets:
            for variant, is_bare in self._variants_of(key):
                entries = self._variants.setdefault(variant, [])
                if (key, is_bare) not in entries:
                    entries.append((key, is_bare))
        self._vocabulary = sorted({t for variant in self._variants for t in variant})
        self._vocabulary_set = frozenset(self._vocabulary)
        self._crossing_cache: dict[frozenset[tuple[str, ...]], tuple[Place, ...]] = {}
        self._correction_cache: dict[str, str] = {}

    def __len__(self) -> int:
        """Number of streets known (by line or by a listed intersection)."""
        return len(self.streets)

    def _street(self, key: tuple[str, ...], name: str) -> _Street:
        street = self.streets.get(key)
        if street is None:
            street = self.streets[key] = _Street(key=key, name=name or " ".join(key).title())
        elif name and not street.name:
            street.name = name
        return street

    @staticmethod
    def _variants_of(key: tuple[str, ...]) -> list[tuple[tuple[str, ...], bool]]:
        """Every way of writing a street: (tokens, written without its type word)."""
        if len(key) > 2 and key[-1] in _QUADRANTS and key[-2] in _STREET_TYPES:
            # "Moreland Avenue Southeast": residents leave the quadrant out, and the same avenue
            # often changes quadrant along its length, so the shorter name is weaker (bare).
            shorter = StreetIndex._variants_of(key[:-1])
            return [(key, False), *((variant, True) for variant, _ in shorter)]
        variants = [(key, False)]
        core, street_type = key, None
        if len(key) > 1 and key[-1] in _STREET_TYPES:
            core, street_type = key[:-1], key[-1]
            variants.append(((street_type, *core), False))  # "Calle Oak", "Avenida Columbus"
            variants.append((core, True))
        if len(core) > 1 and core[0] in _DIRECTIONS:
            # "7th St" for "West 7th St", "Broadway" for "West Broadway": weaker, so only as
            # one side of a crossing (where the other street narrows it down).
            variants.append((core[1:], True))
            if street_type is not None:
                variants.append(((*core[1:], street_type), True))
        return variants

    # -- crossings -------------------------------------------------------------------------

    def sites(self, first: tuple[str, ...], second: tuple[str, ...]) -> tuple[Place, ...]:
        """Where two streets meet: listed intersections, else crossings of their lines."""
        pair = frozenset((first, second))
        listed = self._listed.get(pair)
        if listed:
            return tuple(listed)
        cached = self._crossing_cache.get(pair)
        if cached is not None:
            return cached
        found = self._crossings(self.streets[first], self.streets[second])
        if len(self._crossing_cache) < 200_000:  # bounded: pairs come from unbounded texts
            self._crossing_cache[pair] = found
        return found

    @staticmethod
    def _crossings(a: _Street, b: _Street) -> tuple[Place, ...]:
        if not a.parts or not b.parts:
            return ()
        if len(a.parts) < len(b.parts):
            a, b = b, a
        near_b, near_a = a.tree().query(b.parts_array(), predicate="dwithin", distance=_NEAR_MISS)
        if not len(near_a):
            return ()
        parts_a, parts_b = a.parts_array()[near_a], b.parts_array()[near_b]
        crossing = shapely.intersection(parts_a, parts_b)
        coordinates = shapely.get_coordinates(crossing[~shapely.is_empty(crossing)])
        if not len(coordinates):
            # Street files often stop a line just short of the street it meets.
            gaps = shapely.shortest_line(parts_a, parts_b)
            coordinates = shapely.get_coordinates(
                shapely.line_interpolate_point(gaps, 0.5, normalized=True)
            )
        name = f"{a.name} & {b.name}" if a.key < b.key else f"{b.name} & {a.name}"
        return tuple(
            Place(name=name, kind="intersection", lat=y, lon=x)
            for x, y in _clusters([(float(x), float(y)) for x, y in coordinates])
        )

    def crossing_count(self) -> int:
        """How many street crossings the lines give (every pair of named streets that meet)."""
        import numpy as np

        owners: list[int] = []
        parts: list[BaseGeometry] = []
        for number, street in enumerate(self.streets.values()):
            for part in street.parts:
                owners.append(number)
                parts.append(part)
        if not parts:
            return 0
        owner = np.array(owners)
        tree = shapely.STRtree(parts)
        left, right = tree.query(
            np.array(parts, dtype=object), predicate="dwithin", distance=_NEAR_MISS
        )
        keep = owner[left] < owner[right]
        keys = list(self.streets)
        pairs = {
            (int(i), int(j)) for i, j in zip(owner[left][keep], owner[right][keep], strict=True)
        }
        return sum(len(self.sites(keys[i], keys[j])) for i, j in sorted(pairs))

    # -- reading a text ----------------------------------------------------------------------

    def correct(self, tokens: Sequence[str]) -> tuple[str, ...]:
        """The tokens with misspelt street words replaced when one known word clearly wins."""
        return tuple(self._correct_one(token) for token in tokens)

    def _correct_one(self, token: str) -> str:
        if (
            token in self._vocabulary_set
            or len(token) < _MIN_FUZZY_LENGTH + 1
            or token in _COMMON_WORDS
            or any(ch.isdigit() for ch in token)
        ):
            return token
        found = self._correction_cache.get(token)
        if found is None:
            best = process.extract(
                token,
                self._vocabulary,
                scorer=fuzz.ratio,
                limit=2,
                score_cutoff=_STREET_FUZZY_CUTOFF - _STREET_FUZZY_MARGIN,
            )
            found = token
            if (
                best
                and best[0][1] >= _STREET_FUZZY_CUTOFF
                and (len(best) == 1 or best[0][1] - best[1][1] >= _STREET_FUZZY_MARGIN)
            ):
                found = best[0][0]
            if len(self._correction_cache) < 100_000:  # bounded: texts are unbounded input
                self._correction_cache[token] = found
        return found

    def _side(self, tokens: Sequence[str], start: int, end: int) -> _Side | None:
        variants = self._variants.get(tuple(tokens[start:end]))
        if not variants:
            return None
        keys = tuple(dict.fromkeys(key for key, _ in variants))
        is_bare = all(bare for _, bare in variants)
        everyday = is_bare and end - start == 1 and tokens[start] in _EVERYDAY_CORES
        return _Side(keys, start, end, is_bare, everyday)

    def _left_side(self, tokens: Sequence[str], connector: int) -> _Side | None:
        for length in range(min(_LONGEST_STREET_NAME, connector), 0, -1):
            found = self._side(tokens, connector - length, connector)
            if found is not None:
                return found
        if connector > 1 and tokens[connector - 1] in _STREET_TYPES:
            # "Oak St" for a city that only has Oak Ave: read the name without its type.
            return self._left_side(tokens, connector - 1)
        if connector > 1 and tokens[connector - 1] in _QUADRANT_ABBREVIATIONS:
            # "Flat Shoals Ave SE & ...": the quadrant, abbreviated (only here: "se" is also
            # a common Spanish word, so it is not normalised everywhere).
            found = self._left_side(tokens, connector - 1)
            if found is not None:
                return _Side(found.keys, found.start, connector, True, found.is_everyday)
        return None

    def _right_side(self, tokens: Sequence[str], connector: int) -> _Side | None:
        start = connector + 1
        for length in range(min(_LONGEST_STREET_NAME, len(tokens) - start), 0, -1):
            found = self._side(tokens, start, start + length)
            if found is not None:
                return found
        if start + 1 < len(tokens) and tokens[start] in _STREET_TYPES:
            # "Calle" / "Avenida" before a name the city lists with another type.
            found = self._right_side(tokens, connector + 1)
            if found is not None:
                return _Side(found.keys, start, found.end, True, found.is_everyday)
        return None

    def crossings_in(
        self, tokens: Sequence[str], raw: Sequence[str], articled: frozenset[int] = frozenset()
    ) -> tuple[list[Place], int, int] | None:
        """Every place where two streets joined by a connector in the text meet.

        ``articled`` holds the positions of tokens written after an article ("the park"): a
        bare everyday word there is a thing, not a street, whatever cue the text has.
        """
        has_cue = any(token in _CORNER_CUES for token in tokens)
        found: list[Place] = []
        start, end = len(tokens), 0
        for connector, token in enumerate(tokens):
            if token not in _PAIR_CONNECTORS and raw[connector] not in _RAW_CONNECTORS:
                continue
            if not 0 < connector < len(tokens) - 1:
                continue
            left = self._left_side(tokens, connector)
            right = self._right_side(tokens, connector) if left is not None else None
            if left is None or right is None:
                continue
            everyday = left.is_everyday or right.is_everyday
            if everyday and left.is_bare and right.is_bare and not has_cue:
                continue  # "the school and the park" names no corner
            if (left.is_everyday and left.start in articled) or (
                right.is_everyday and right.start in articled
            ):
                continue  # "between the park and the school" neither
            sites = [
                site
                for first in left.keys
                for second in right.keys
                if first != second
                for site in self.sites(first, second)
            ]
            if sites:
                found.extend(sites)
                start, end = min(start, left.start), max(end, right.end)
        if not found:
            return None
        return _distinct(found), start, end

    def addresses_in(self, tokens: Sequence[str]) -> tuple[str, list[Place], int, int] | None:
        """A house number or block on a street ("215 Dartmouth St"): points on its segments."""
        for position, token in enumerate(tokens[:-1]):
            if not _ADDRESS_PATTERN.match(token):
                continue
            after = position + 1
            is_block = tokens[after] in _BLOCK_WORDS
            if is_block:
                after += 1
                if after < len(tokens) and tokens[after] in ("of", "de"):
                    after += 1
            side = None
            for length in range(min(_LONGEST_STREET_NAME, len(tokens) - after), 0, -1):
                side = self._side(tokens, after, after + length)
                if side is not None:
                    break
            if side is None or (side.is_bare and not is_block):
                continue  # "2 guys on Main": a bare word after a number is not an address
            number = int(token)
            points = [
                point
                for key in side.keys
                for point in self._on_street(self.streets[key], number, is_block)
            ]
            if points:
                return ("block" if is_block else "address"), points, position, side.end
        return None

    @staticmethod
    def _on_street(street: _Street, number: int, is_block: bool) -> list[Place]:
        low, high = (number, number + 99) if is_block else (number, number)
        points: list[tuple[float, float]] = []
        for segment in street.segments:
            for start, end in segment.ranges():
                lo, hi = min(start, end), max(start, end)
                if hi < low or lo > high:
                    continue
                wanted = min(max((low + high) / 2, lo), hi)
                fraction = 0.5 if start == end else (wanted - start) / (end - start)
                point = segment.geometry.interpolate(fraction, normalized=True)
                points.append((point.x, point.y))
                break
        # Named by the street alone: the house number is the resident's words (it may be their
        # own door) and the name travels into the routing reason.
        return [Place(name=street.name, kind="address", lat=y, lon=x) for x, y in _clusters(points)]

    def _named_street(self, tokens: Sequence[str], position: int) -> _Side | None:
        """A street written with a type word at ``position``: "Main St", "Calle Oak".

        A type word the city does not use for that name ("Calle Oak" for Oak Avenue) still
        names it: the type is written, so the words are a street, and the name is checked.
        """
        longest = min(_LONGEST_STREET_NAME, len(tokens) - position)
        for length in range(longest, 0, -1):
            side = self._side(tokens, position, position + length)
            if side is not None and not side.is_bare:
                return side
        if tokens[position] in _STREET_TYPES:
            for length in range(longest - 1, 0, -1):
                side = self._side(tokens, position + 1, position + 1 + length)
                if side is not None and not side.is_everyday:
                    return _Side(side.keys, position, side.end, False, False)
        for length in range(longest - 1, 0, -1):
            after = position + length
            if after < len(tokens) and tokens[after] in _STREET_TYPES:
                side = self._side(tokens, position, after)
                if side is not None and not side.is_everyday:
                    return _Side(side.keys, position, after + 1, False, False)
        return None

    def streets_in(self, tokens: Sequence[str]) -> tuple[list[Place], int, int] | None:
        """Streets named with a type word ("Main St", "Calle Oak") that have a line."""
        found: list[Place] = []
        start, end = len(tokens), 0
        position = 0
        while position < len(tokens):
            side = self._named_street(tokens, position)
            if side is None:
                position += 1
                continue
            places = [p for k in side.keys if (p := self.streets[k].as_place())]
            if places:
                found.extend(places)
                start, end = min(start, side.start), max(end, side.end)
            position = side.end
        if not found:
            return None
        return _distinct(found), start, end


def _distinct(places: Iterable[Place]) -> list[Place]:
    """Places in order, dropping repeats of the same place or of the same spot (within 30 m)."""
    kept: list[Place] = []
    for place in places:
        if not any(
            k.kind == place.kind
            and abs(k.lat - place.lat) <= _NEAR_MISS
            and abs(k.lon - place.lon) <= _NEAR_MISS
            for k in kept
        ):
            kept.append(place)
    return kept
