"""District boundaries: loading GeoJSON, a spatial index for point lookups, serialisation.

Coordinates are WGS84 longitude/latitude (x = lon, y = lat), as GeoJSON writes them. Public
functions take ``lat, lon`` in that order because that is how tips, phones and maps give them.

Tie-break: a point on an edge shared by two districts (or inside an overlap left by sloppy
digitising) goes to the district with the lexicographically smallest code among those whose
boundary *covers* the point (interior or edge). ``locate`` and ``locate_many`` apply the same rule,
so re-routing history in bulk gives the answers single lookups gave.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

__all__ = [
    "Boundary",
    "BoundaryFileError",
    "DistrictIndex",
    "DistrictIndexError",
    "GeometryFormatError",
    "geometry_from_geojson",
    "geometry_from_wkb",
    "geometry_to_geojson",
    "geometry_to_wkb",
    "load_boundaries",
    "parse_points",
    "polygonal_part",
]


class BoundaryFileError(ValueError):
    """A boundary file cannot be used; the message says why and never quotes coordinates."""


class DistrictIndexError(ValueError):
    """The boundaries given to the index are inconsistent (for example two share a code)."""


class GeometryFormatError(ValueError):
    """A stored geometry (GeoJSON text or WKB) cannot be read back as a polygon."""


@dataclass(frozen=True)
class Boundary:
    """One district: its code (also its queue code), display name and WGS84 polygon."""

    code: str
    name: str
    geometry: Polygon | MultiPolygon


def polygonal_part(geometry: BaseGeometry) -> Polygon | MultiPolygon | None:
    """Return the valid polygonal part of a geometry (repairing it), or None if there is none."""
    geometry = shapely.force_2d(geometry)
    if not geometry.is_valid:
        # make_valid can turn a bow-tie or a spike into polygons plus stray lines or points;
        # only the area can contain a point, so the rest is dropped.
        geometry = shapely.make_valid(geometry)
    polygons: list[Polygon] = []
    for part in shapely.get_parts(geometry).tolist():
        if isinstance(part, Polygon):
            polygons.append(part)
        elif isinstance(part, MultiPolygon):
            polygons.extend(part.geoms)
        elif part.geom_type == "GeometryCollection":
            found = polygonal_part(part)
            if found is not None:
                polygons.extend(shapely.get_parts(found).tolist())
    polygons = [p for p in polygons if not p.is_empty and p.area > 0]
    if not polygons:
        return None
    if len(polygons) == 1:
        return polygons[0]
    return MultiPolygon(polygons)


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BoundaryFileError(f"{path.name}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise BoundaryFileError(f"{path.name}: not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        # The position is enough to find the problem; the offending text may be coordinates.
        raise BoundaryFileError(
            f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None


def _features(data: Any, filename: str) -> list[dict[str, Any]]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryFileError(f"{filename}: expected a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryFileError(f"{filename}: the FeatureCollection has no features")
    return features


def _property_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _within_wgs84(geometry: BaseGeometry) -> bool:
    minx, miny, maxx, maxy = geometry.bounds
    return bool(-180.0 <= minx <= maxx <= 180.0 and -90.0 <= miny <= maxy <= 90.0)


def load_boundaries(
    path: str | Path, code_property: str, name_property: str | None = None
) -> list[Boundary]:
    """Read district boundaries from a GeoJSON FeatureCollection, repairing invalid rings."""
    path = Path(path)
    features = _features(_read_json(path), path.name)
    boundaries: list[Boundary] = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        where = f"{path.name}: feature {number}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise BoundaryFileError(f"{where} is not a GeoJSON Feature")
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise BoundaryFileError(f"{where} has no properties object")
        code = _property_text(properties.get(code_property))
        if code is None:
            available = ", ".join(sorted(map(str, properties))) or "none"
            raise BoundaryFileError(
                f"{where} has no value for the code property {code_property!r} "
                f"(properties present: {available})"
            )
        if code in seen:
            raise BoundaryFileError(
                f"{where} repeats the district code {code!r} of feature {seen[code]}; "
                "each district must be one feature (use a MultiPolygon for several parts)"
            )
        seen[code] = number
        name = code
        if name_property is not None:
            found_name = _property_text(properties.get(name_property))
            if found_name is None:
                raise BoundaryFileError(
                    f"{where} (district {code!r}) has no value for the name property "
                    f"{name_property!r}"
                )
            name = found_name
        raw_geometry = feature.get("geometry")
        if not isinstance(raw_geometry, dict):
            raise BoundaryFileError(f"{where} (district {code!r}) has no geometry")
        try:
            geometry = shape(raw_geometry)
        except Exception:  # noqa: BLE001 - shapely raises many types; the text may hold coordinates
            raise BoundaryFileError(
                f"{where} (district {code!r}) has a malformed "
                f"{raw_geometry.get('type', 'unknown')} geometry"
            ) from None
        polygon = polygonal_part(geometry)
        if polygon is None:
            raise BoundaryFileError(
                f"{where} (district {code!r}) has no polygon area "
                f"(geometry type {geometry.geom_type}); districts must be Polygons or MultiPolygons"
            )
        if not _within_wgs84(polygon):
            raise BoundaryFileError(
                f"{where} (district {code!r}) is not in WGS84 longitude/latitude degrees "
                "(EPSG:4326); reproject the file first"
            )
        boundaries.append(Boundary(code=code, name=name, geometry=polygon))
    return boundaries


class DistrictIndex:
    """Point-to-district lookup over prepared geometries in an STRtree."""

    def __init__(self, boundaries: Sequence[Boundary]) -> None:
        """Index the boundaries; prefer ``DistrictIndex.build``."""
        ordered = sorted(boundaries, key=lambda b: b.code)
        codes = [b.code for b in ordered]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise DistrictIndexError(f"district codes repeated: {', '.join(duplicates)}")
        self.boundaries: tuple[Boundary, ...] = tuple(ordered)
        self.codes: tuple[str, ...] = tuple(codes)
        # Tree positions follow code order, so "smallest tree index among hits" is the tie-break.
        self._geometries = np.array([b.geometry for b in ordered], dtype=object)
        shapely.prepare(self._geometries)
        self._tree = shapely.STRtree(self._geometries)
        # The extra trailing None lets "no district" (index len(codes)) map through one take().
        self._code_lookup = np.array([*codes, None], dtype=object)
        self._cells = _CellTable(self._geometries, self._tree) if codes else None

    @classmethod
    def build(cls, boundaries: Iterable[Boundary]) -> DistrictIndex:
        """Build the index for these boundaries (fast: well under a second for a city)."""
        return cls(list(boundaries))

    def __len__(self) -> int:
        """Number of districts indexed."""
        return len(self.codes)

    def locate(self, lat: float, lon: float) -> str | None:
        """Return the code of the district covering (lat, lon), or None outside every district."""
        cells = self._cells
        if cells is None:
            return None
        entry = cells.entry(lon, lat)
        if entry is None:
            return None
        if isinstance(entry, int):
            return self.codes[entry]
        point = Point(lon, lat)
        for position in entry:  # ascending, i.e. code order: the first hit is the tie-break
            # Prepared geometry: intersects on a point is "covers", edges included.
            if self._geometries[position].intersects(point):
                return self.codes[position]
        return None

    def locate_indices(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.intp]:
        """Return, per point, the index into ``codes`` of its district, or -1 if there is none."""
        lat_array = np.asarray(lats, dtype=np.float64).ravel()
        lon_array = np.asarray(lons, dtype=np.float64).ravel()
        if lat_array.shape != lon_array.shape:
            raise ValueError("lats and lons must have the same length")
        count = len(lat_array)
        missing = len(self.codes)
        result = np.full(count, missing, dtype=np.intp)
        usable = np.flatnonzero(
            (lat_array >= -90.0)
            & (lat_array <= 90.0)
            & (lon_array >= -180.0)
            & (lon_array <= 180.0)
        )
        if len(usable) and len(self.codes):
            x = lon_array[usable]
            y = lat_array[usable]
            # Bounding-box candidates from the tree, then one vectorised exact test per pair.
            point_rows, tree_rows = self._tree.query(shapely.points(x, y))
            hit = shapely.intersects_xy(self._geometries[tree_rows], x[point_rows], y[point_rows])
            np.minimum.at(result, usable[point_rows[hit]], tree_rows[hit])
        result[result == missing] = -1
        return result

    def locate_many(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> list[str | None]:
        """Vectorised ``locate`` for many points; NaN or out-of-range coordinates give None."""
        indices = self.locate_indices(lats, lons)
        indices[indices < 0] = len(self.codes)
        codes: list[str | None] = self._code_lookup[indices].tolist()
        return codes

    def districts_along(self, geometry: BaseGeometry) -> tuple[str | None, ...]:
        """Codes of every district a line enters or touches, in code order; None at the end
        when part of it lies outside every district.

        A street running along a district edge touches both districts: a tip "on" it may be on
        either side, so callers route on a street only when this names a single district.
        """
        positions = sorted(self._tree.query(geometry, predicate="intersects").tolist())
        codes: list[str | None] = [self.codes[int(p)] for p in positions]
        if not positions or (
            len(positions) == 1 and not self._geometries[positions[0]].covers(geometry)
        ):
            codes.append(None)
        return tuple(codes)

    def name_of(self, code: str) -> str | None:
        """Return the display name of a district code, or None if it is not indexed."""
        for boundary in self.boundaries:
            if boundary.code == code:
                return boundary.name
        return None


class _CellTable:
    """A uniform grid over the districts answering most single lookups without geometry.

    Building a shapely Point costs more than the rest of an indexed lookup, so ``locate`` first
    looks the point's cell up in a plain list. A cell that no district boundary crosses is
    covered throughout by the same districts, so its answer is stored once (the smallest
    position among them, or None). Only cells crossed by a boundary keep candidate positions for
    an exact test. Cells are widened by a hair so rounding in the cell arithmetic is harmless.
    """

    _CELLS_ALONG_LONGEST_SIDE = 128
    _MARGIN = 1e-9  # degrees; far above float rounding, far below any surveyed edge

    def __init__(self, geometries: npt.NDArray[np.object_], tree: shapely.STRtree) -> None:
        minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(geometries))
        size = max(maxx - minx, maxy - miny) / self._CELLS_ALONG_LONGEST_SIDE or 1.0
        self.minx, self.miny, self.maxx, self.maxy = minx, miny, maxx, maxy
        self.inverse_size = 1.0 / size
        self.columns = max(1, math.ceil((maxx - minx) / size))
        self.rows = max(1, math.ceil((maxy - miny) / size))
        column, row = np.meshgrid(np.arange(self.columns), np.arange(self.rows))
        x0 = minx + column.ravel() * size
        y0 = miny + row.ravel() * size
        margin = self._MARGIN
        boxes = shapely.box(x0 - margin, y0 - margin, x0 + size + margin, y0 + size + margin)
        crossed = np.zeros(len(boxes), dtype=bool)
        crossed[shapely.STRtree(boxes).query(_boundary_segments(geometries), "intersects")[1]] = (
            True
        )
        # Uncrossed cells: what covers the centre covers the whole cell.
        centre_x, centre_y = x0 + size / 2, y0 + size / 2
        point_rows, tree_rows = tree.query(shapely.points(centre_x, centre_y))
        hit = shapely.intersects_xy(
            geometries[tree_rows], centre_x[point_rows], centre_y[point_rows]
        )
        answer = np.full(len(boxes), len(geometries), dtype=np.intp)
        np.minimum.at(answer, point_rows[hit], tree_rows[hit])
        table: list[int | tuple[int, ...] | None] = [
            None if position == len(geometries) else position for position in answer.tolist()
        ]
        crossed_cells = np.flatnonzero(crossed)
        candidates: dict[int, list[int]] = {int(cell): [] for cell in crossed_cells}
        cell_rows, polygon_rows = tree.query(boxes[crossed_cells])
        for cell_row, polygon in zip(cell_rows.tolist(), polygon_rows.tolist(), strict=True):
            candidates[int(crossed_cells[cell_row])].append(polygon)
        for cell, positions in candidates.items():
            table[cell] = tuple(sorted(positions))
        self.table = table

    def entry(self, x: float, y: float) -> int | tuple[int, ...] | None:
        """The stored answer (a position), the candidates to test, or None for this point."""
        if not (self.minx <= x <= self.maxx and self.miny <= y <= self.maxy):  # NaN: False
            return None
        column = min(int((x - self.minx) * self.inverse_size), self.columns - 1)
        row = min(int((y - self.miny) * self.inverse_size), self.rows - 1)
        return self.table[row * self.columns + column]


def _boundary_segments(geometries: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Every edge of every ring of the polygons, as two-point line strings."""
    parts = shapely.get_parts(geometries)
    rings = shapely.get_rings(parts)
    coordinates, ring_of = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring_of[1:] == ring_of[:-1]
    segments = np.stack([coordinates[:-1][same_ring], coordinates[1:][same_ring]], axis=1)
    return np.asarray(shapely.linestrings(segments))


def geometry_to_geojson(geometry: BaseGeometry) -> str:
    """Serialise a geometry as a GeoJSON geometry object (text) for storage."""
    return str(shapely.to_geojson(geometry))


def geometry_from_geojson(text: str) -> Polygon | MultiPolygon:
    """Read back a stored GeoJSON polygon geometry, repairing it if needed."""
    try:
        data = json.loads(text)
        geometry = shape(data)
    except Exception:  # noqa: BLE001 - malformed input of any kind; the text may hold coordinates
        raise GeometryFormatError("stored GeoJSON geometry is malformed") from None
    polygon = polygonal_part(geometry)
    if polygon is None:
        raise GeometryFormatError("stored GeoJSON geometry has no polygon area")
    return polygon


def geometry_to_wkb(geometry: BaseGeometry) -> bytes:
    """Serialise a geometry as WKB bytes (compact and exact) for storage."""
    return bytes(shapely.to_wkb(geometry))


def geometry_from_wkb(data: bytes) -> Polygon | MultiPolygon:
    """Read back a stored WKB polygon geometry."""
    try:
        geometry = shapely.from_wkb(data)
    except Exception:  # noqa: BLE001 - shapely raises GEOSException and others
        raise GeometryFormatError("stored WKB geometry is malformed") from None
    polygon = polygonal_part(geometry)
    if polygon is None:
        raise GeometryFormatError("stored WKB geometry has no polygon area")
    return polygon


def _parse_point_line(line: str) -> tuple[float, float]:
    lat_text, comma, lon_text = line.partition(",")
    if not comma:
        return math.nan, math.nan
    try:
        return float(lat_text), float(lon_text)
    except ValueError:
        return math.nan, math.nan


def parse_points(
    lines: Iterable[str],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[int]]:
    """Parse "lat,lon" lines into arrays aligned with the input and the 1-based bad line numbers.

    A bad line (empty, not two numbers, out of range, NaN) keeps its place in the arrays as NaN,
    so output stays one-to-one with input; ``locate_many`` gives None for it.
    """
    stripped = [line.strip() for line in lines]
    count = len(stripped)
    lats: npt.NDArray[np.float64]
    lons: npt.NDArray[np.float64]
    joined = ",".join(stripped)
    try:
        # Fast path: exactly one comma per line, every field a number; numpy parses in C.
        if joined.count(",") != 2 * count - 1:
            raise ValueError("not one comma per line")
        pairs = np.array(joined.split(","), dtype=np.float64).reshape(count, 2)
        lats, lons = pairs[:, 0].copy(), pairs[:, 1].copy()
    except ValueError:
        parsed = [_parse_point_line(line) for line in stripped]
        lats = np.array([p[0] for p in parsed], dtype=np.float64)
        lons = np.array([p[1] for p in parsed], dtype=np.float64)
    good = (lats >= -90.0) & (lats <= 90.0) & (lons >= -180.0) & (lons <= 180.0)
    lats[~good] = np.nan
    lons[~good] = np.nan
    bad_line_numbers = (np.flatnonzero(~good) + 1).tolist()
    return lats, lons, bad_line_numbers
