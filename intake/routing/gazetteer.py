"""Gazetteer: turn a location text ("corner of Blue Hill Ave and Morton St") into a point.

Matching works on normalised tokens (case, accents, punctuation, street-type abbreviations,
ordinal words, "&"/"y" as "and"). A place matches when all its tokens appear in order in the text,
each exactly or, for longer words, by close spelling (difflib ratio); the score is the
length-weighted mean similarity. A wrong match misroutes a tip while no match sends it to triage,
so the gazetteer answers None rather than guess: below the score threshold, when two places of
the same rank are named, or when only a long street (which may cross several districts) is named,
including a street named after a place ("Hyde Park Ave" is not Hyde Park).
"""

from __future__ import annotations

import csv
import difflib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import LineString, MultiLineString, Point, shape
from shapely.geometry.base import BaseGeometry

__all__ = [
    "Gazetteer",
    "Place",
    "PlaceFileError",
    "PlaceMatch",
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
    "y": "and",
    "&": "and",
    "+": "and",
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
    }
)
# Words that make the name before them a long street ("Hyde Park Ave", "Dorchester Ave"):
# such a street crosses several districts, so the place it is named after is not the location.
_LINEAR_TYPES = frozenset(
    {"street", "avenue", "road", "boulevard", "parkway", "highway", "drive", "lane", "way"}
)
_CONNECTORS = frozenset({"and", "at", "con"})
_TOKEN_PATTERN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*|[&+]")
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
    ratio = difflib.SequenceMatcher(None, text_token, place_token, autojunk=False).ratio()
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

    def __init__(self, places: Iterable[Place], min_score: float = 0.85) -> None:
        """Index the places; ``min_score`` is the least match score returned (0..1)."""
        self.min_score = min_score
        grouped: dict[tuple[str, ...], list[Place]] = {}
        for place in places:
            tokens = normalise_tokens(place.name)
            if tokens:
                grouped.setdefault(tokens, []).append(place)
        self.places: tuple[Place, ...] = ()
        self._ambiguous: set[Place] = set()
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
        self._close_cache: dict[str, tuple[str, ...]] = {}

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
            # one a tipster means is unknowable, so the name never matches.
            self._ambiguous.add(first)
        return first

    @staticmethod
    def _entries(tokens: tuple[str, ...], place: Place) -> list[_Entry]:
        entries = [_Entry(tokens, place, is_core=False)]
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
                close = difflib.get_close_matches(
                    token, self._first_tokens, n=5, cutoff=_TOKEN_CUTOFF
                )
                fuzzy = tuple(t for t in close if t != token)
            found = exact + fuzzy
            if len(self._close_cache) < 100_000:  # bounded: texts are unbounded input
                self._close_cache[token] = found
        return found

    def _hits(self, tokens: Sequence[str]) -> list[_Hit]:
        hits = []
        for start, token in enumerate(tokens):
            for first in self._candidates_for(token):
                for entry in self._by_first[first]:
                    end = start + len(entry.tokens)
                    if end > len(tokens) or entry.place in self._ambiguous:
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
