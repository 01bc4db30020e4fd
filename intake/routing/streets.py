"""Street centreline files: segments with their names and, where the file has them, address ranges.

Cities publish their streets as GeoJSON LineStrings, one feature per block-long segment, often
with the house-number range on each side. Loading the segments (instead of listing intersections
by hand) lets the gazetteer find every crossing with shapely and place "215 Dartmouth St" on its
block. Errors name the file and the feature number, never coordinates.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import LineString, MultiLineString, shape

__all__ = [
    "ADDRESS_PROPERTY_SETS",
    "StreetFileError",
    "StreetSegment",
    "load_street_segments",
]

# Address-range property names as common street files spell them, in the order
# (from left, to left, from right, to right): City of Boston SAM segments, US Census TIGER,
# and generic ArcGIS exports.
ADDRESS_PROPERTY_SETS: tuple[tuple[str, str, str, str], ...] = (
    ("FROM_LEFT", "TO_LEFT", "FROM_RIGHT", "TO_RIGHT"),
    ("LFROMADD", "LTOADD", "RFROMADD", "RTOADD"),
    ("L_F_ADD", "L_T_ADD", "R_F_ADD", "R_T_ADD"),
    ("from_left", "to_left", "from_right", "to_right"),
)
MAX_HOUSE_NUMBER = 1_000_000  # larger numbers in a range are data errors, not addresses


class StreetFileError(ValueError):
    """A street file cannot be used; the message says why and never quotes coordinates."""


@dataclass(frozen=True)
class StreetSegment:
    """One piece of a street's centreline (WGS84) and its house-number ranges, if known.

    A range runs from the number at the segment's first vertex to the one at its last.
    """

    name: str
    geometry: LineString | MultiLineString = field(compare=False, repr=False)
    from_left: int | None = None
    to_left: int | None = None
    from_right: int | None = None
    to_right: int | None = None

    def ranges(self) -> list[tuple[int, int]]:
        """The (from, to) house-number ranges this segment carries, left side first."""
        found = []
        for start, end in ((self.from_left, self.to_left), (self.from_right, self.to_right)):
            if start is not None and end is not None and (start or end):
                found.append((start, end))
        return found


def _house_number(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(float(str(value).strip()))
    except ValueError:
        return None
    return number if 0 <= number <= MAX_HOUSE_NUMBER else None


def _address_properties(
    features: Sequence[Any], wanted: Sequence[str] | None, filename: str
) -> tuple[str, ...] | None:
    if wanted is not None:
        if len(wanted) not in (2, 4):
            raise StreetFileError(
                "--address-properties takes 2 (from,to) or 4 (from left,to left,"
                "from right,to right) property names"
            )
        return tuple(wanted)
    for feature in features[:50]:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(properties, dict):
            for names in ADDRESS_PROPERTY_SETS:
                if all(name in properties for name in names):
                    return names
    return None


def load_street_segments(
    path: str | Path, name_property: str, address_properties: Sequence[str] | None = None
) -> list[StreetSegment]:
    """Read street segments from a GeoJSON FeatureCollection of LineStrings.

    The street's name comes from ``name_property``; a feature without a name (an unnamed
    driveway, a ramp) is skipped, because it can never be written by a resident. House-number
    ranges come from ``address_properties`` (2 or 4 names) or from a known set of names.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise StreetFileError(f"{path.name}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise StreetFileError(f"{path.name}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise StreetFileError(
            f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise StreetFileError(f"{path.name}: expected a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise StreetFileError(f"{path.name}: the FeatureCollection has no features")
    ranges = _address_properties(features, address_properties, path.name)
    segments: list[StreetSegment] = []
    for number, feature in enumerate(features, start=1):
        where = f"{path.name}: feature {number}"
        if not isinstance(feature, dict):
            raise StreetFileError(f"{where} is not a GeoJSON Feature")
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise StreetFileError(f"{where} has no properties object")
        name = str(properties.get(name_property) or "").strip()
        if not name:
            continue
        raw_geometry = feature.get("geometry")
        if not isinstance(raw_geometry, dict):
            raise StreetFileError(f"{where} ({name!r}) has no geometry")
        try:
            geometry = shapely.force_2d(shape(raw_geometry))
        except Exception:  # noqa: BLE001 - shapely raises many types; the text may hold coordinates
            raise StreetFileError(f"{where} ({name!r}) has a malformed geometry") from None
        if not isinstance(geometry, LineString | MultiLineString) or geometry.is_empty:
            raise StreetFileError(
                f"{where} ({name!r}) is a {geometry.geom_type}; street segments must be "
                "LineStrings or MultiLineStrings"
            )
        minx, miny, maxx, maxy = geometry.bounds
        if not (-180.0 <= minx <= maxx <= 180.0 and -90.0 <= miny <= maxy <= 90.0):
            raise StreetFileError(
                f"{where} ({name!r}) is not in WGS84 longitude/latitude degrees (EPSG:4326)"
            )
        numbers: list[int | None] = [None, None, None, None]
        if ranges is not None:
            values = [_house_number(properties.get(key)) for key in ranges]
            numbers = values * 2 if len(values) == 2 else values
        segments.append(StreetSegment(name[:200], geometry, *numbers))
    if not segments:
        raise StreetFileError(f"{path.name}: no feature has a value for {name_property!r}")
    return segments
