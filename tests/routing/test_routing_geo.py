"""District boundaries and the point-to-district index, on the real Boston files."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from intake.routing.geo import (
    Boundary,
    BoundaryFileError,
    DistrictIndex,
    DistrictIndexError,
    GeometryFormatError,
    geometry_from_geojson,
    geometry_from_wkb,
    geometry_to_geojson,
    geometry_to_wkb,
    load_boundaries,
    parse_points,
)

BOSTON_CODES = {"A1", "A7", "A15", "B2", "B3", "C6", "C11", "D4", "D14", "E5", "E13", "E18"}

OUTSIDE_BOSTON = {
    "Atlantic Ocean east of the harbour islands": (42.35, -70.85),
    "Harvard Square, Cambridge": (42.3736, -71.1190),
    "Brookline Village (surrounded by Boston)": (42.3329, -71.1167),
    "Chelsea City Hall": (42.3918, -71.0328),
    "Quincy Center": (42.2519, -71.0054),
    "Times Square, New York": (40.7580, -73.9855),
}


def _points_well_inside(
    geometry: Polygon | MultiPolygon, rng: np.random.Generator, wanted: int, margin: float = 0.002
) -> list[tuple[float, float]]:
    """Random (lat, lon) points at least ``margin`` degrees inside the geometry's edge."""
    inner = geometry.buffer(-margin)
    assert not inner.is_empty
    minx, miny, maxx, maxy = inner.bounds
    found: list[tuple[float, float]] = [
        (inner.representative_point().y, inner.representative_point().x)
    ]
    while len(found) < wanted:
        xs = rng.uniform(minx, maxx, 2000)
        ys = rng.uniform(miny, maxy, 2000)
        inside = shapely.contains_xy(inner, xs, ys)
        found.extend(zip(ys[inside].tolist(), xs[inside].tolist(), strict=True))
    return found[:wanted]


def _write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _feature(properties: dict[str, Any], geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _square(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
    }


def test_boston_districts_load_with_their_codes(district_boundaries: list[Boundary]) -> None:
    assert {b.code for b in district_boundaries} == BOSTON_CODES
    assert all(b.geometry.is_valid and b.geometry.area > 0 for b in district_boundaries)
    assert {b.geometry.geom_type for b in district_boundaries} == {"Polygon", "MultiPolygon"}


def test_invalid_real_neighbourhood_is_repaired(
    neighbourhood_boundaries: list[Boundary],
) -> None:
    # Hyde Park's published ring crosses itself; it must come out valid and keep its area.
    assert len(neighbourhood_boundaries) == 26
    hyde_park = next(b for b in neighbourhood_boundaries if b.name == "Hyde Park")
    assert hyde_park.geometry.is_valid
    assert all(b.geometry.is_valid for b in neighbourhood_boundaries)
    assert hyde_park.geometry.area > 0.001


@pytest.mark.parametrize("code", sorted(BOSTON_CODES))
def test_every_point_well_inside_a_district_routes_to_it(
    code: str, district_boundaries: list[Boundary], district_index: DistrictIndex
) -> None:
    boundary = next(b for b in district_boundaries if b.code == code)
    points = _points_well_inside(boundary.geometry, np.random.default_rng(len(code)), 300)
    assert [district_index.locate(lat, lon) for lat, lon in points] == [code] * len(points)
    lats, lons = zip(*points, strict=True)
    assert district_index.locate_many(lats, lons) == [code] * len(points)


def test_every_point_well_inside_a_neighbourhood_routes_to_it(
    neighbourhood_boundaries: list[Boundary], neighbourhood_index: DistrictIndex
) -> None:
    rng = np.random.default_rng(7)
    for boundary in neighbourhood_boundaries:
        # Some neighbourhoods (Bay Village, Leather District) are narrower than 0.004 degrees.
        points = _points_well_inside(boundary.geometry, rng, 50, margin=0.0005)
        lats, lons = zip(*points, strict=True)
        assert neighbourhood_index.locate_many(lats, lons) == [boundary.code] * len(points)


@pytest.mark.parametrize("place", sorted(OUTSIDE_BOSTON))
def test_points_outside_the_city_are_in_no_district(
    place: str, district_index: DistrictIndex
) -> None:
    lat, lon = OUTSIDE_BOSTON[place]
    assert district_index.locate(lat, lon) is None
    assert district_index.locate_many([lat], [lon]) == [None]


def test_unusable_coordinates_are_in_no_district(district_index: DistrictIndex) -> None:
    assert district_index.locate(math.nan, -71.06) is None
    assert district_index.locate(95.0, -71.06) is None
    assert district_index.locate_many([math.nan, 42.36, 95.0], [-71.06, math.inf, 0.0]) == [
        None,
        None,
        None,
    ]


def test_locate_many_equals_locate_on_random_points(district_index: DistrictIndex) -> None:
    rng = np.random.default_rng(2024)
    # The city's bounding box plus a margin, so some points fall outside every district.
    lats = rng.uniform(42.20, 42.42, 5000)
    lons = rng.uniform(-71.22, -70.92, 5000)
    single = [district_index.locate(lat, lon) for lat, lon in zip(lats, lons, strict=True)]
    assert district_index.locate_many(lats, lons) == single
    assert None in single
    assert len(set(single) - {None}) == 12


def test_shared_vertex_goes_to_the_smallest_code_whatever_the_order(
    district_boundaries: list[Boundary],
) -> None:
    by_code = {b.code: b.geometry for b in district_boundaries}
    shared: list[tuple[float, float, set[str]]] = []
    coordinate_sets = {
        code: set(map(tuple, shapely.get_coordinates(geometry).tolist()))
        for code, geometry in by_code.items()
    }
    codes = sorted(by_code)
    for i, first in enumerate(codes):
        for second in codes[i + 1 :]:
            for x, y in sorted(coordinate_sets[first] & coordinate_sets[second])[:3]:
                covering = {c for c, g in by_code.items() if shapely.intersects_xy(g, x, y)}
                shared.append((y, x, covering))
    assert len(shared) >= 5, "the Boston districts share boundary vertices"
    forward = DistrictIndex.build(district_boundaries)
    backward = DistrictIndex.build(list(reversed(district_boundaries)))
    for lat, lon, covering in shared:
        assert len(covering) >= 2
        assert forward.locate(lat, lon) == min(covering)
        assert backward.locate(lat, lon) == min(covering)
    lats = [s[0] for s in shared]
    lons = [s[1] for s in shared]
    assert forward.locate_many(lats, lons) == [min(s[2]) for s in shared]


def test_shared_edge_and_overlap_tie_break_is_the_smallest_code() -> None:
    west = Boundary("B7", "West", box(0.0, 0.0, 1.0, 1.0))
    east = Boundary("A3", "East", box(1.0, 0.0, 2.0, 1.0))
    overlapping = Boundary("C1", "Overlap", box(0.5, 0.0, 1.5, 1.0))
    for order in ([west, east], [east, west]):
        index = DistrictIndex.build(order)
        assert index.locate(0.5, 1.0) == "A3"  # on the shared edge
        assert index.locate(0.5, 0.2) == "B7"
        assert index.locate(0.5, 1.8) == "A3"
        assert index.locate(1.0, 2.0) == "A3"  # the far corner of the whole map
        assert index.locate(0.0, 0.0) == "B7"
        assert index.locate(1.0 + 1e-12, 1.0) is None
        assert index.locate_many([1.0, 0.0, 0.5], [2.0, 0.0, 1.0]) == ["A3", "B7", "A3"]
    index = DistrictIndex.build([overlapping, west])
    assert index.locate(0.5, 0.7) == "B7"  # inside both
    assert index.locate(0.5, 1.2) == "C1"
    assert index.locate_many([0.5, 0.5], [0.7, 1.2]) == ["B7", "C1"]


def test_repeated_codes_cannot_be_indexed() -> None:
    square = box(0.0, 0.0, 1.0, 1.0)
    with pytest.raises(DistrictIndexError, match="A1"):
        DistrictIndex.build([Boundary("A1", "a", square), Boundary("A1", "b", square)])


def test_bow_tie_polygon_is_repaired_into_its_two_triangles(tmp_path: Path) -> None:
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    path = _write_geojson(tmp_path / "bow.geojson", [_feature({"D": "X1"}, bow_tie)])
    [boundary] = load_boundaries(path, "D")
    assert boundary.geometry.is_valid
    assert boundary.geometry.area == pytest.approx(0.5)
    index = DistrictIndex.build([boundary])
    assert index.locate(0.5, 0.1) == "X1"  # left triangle
    assert index.locate(0.5, 0.9) == "X1"  # right triangle
    assert index.locate(0.9, 0.5) is None  # the top notch between the two triangles


def test_spike_on_a_ring_is_dropped_and_the_area_kept(tmp_path: Path) -> None:
    spiked = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [1, 0], [1, 1], [1.5, 1.5], [1, 1], [0, 1], [0, 0]]],
    }
    path = _write_geojson(tmp_path / "spike.geojson", [_feature({"D": "S1"}, spiked)])
    [boundary] = load_boundaries(path, "D")
    assert boundary.geometry.is_valid
    assert boundary.geometry.geom_type in {"Polygon", "MultiPolygon"}
    assert boundary.geometry.area == pytest.approx(1.0)


def test_name_property_is_used_when_given(tmp_path: Path) -> None:
    path = _write_geojson(
        tmp_path / "named.geojson",
        [_feature({"D": 5, "N": " Harbour "}, _square(0, 0, 1, 1))],
    )
    [boundary] = load_boundaries(path, "D", name_property="N")
    assert (boundary.code, boundary.name) == ("5", "Harbour")
    [unnamed] = load_boundaries(path, "D")
    assert unnamed.name == "5"


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ([_feature({"OTHER": "A1"}, _square(-71.1, 42.3, -71.0, 42.4))], "no value for the code"),
        (
            [
                _feature({"D": "A1"}, _square(-71.1, 42.3, -71.0, 42.4)),
                _feature({"D": "A1"}, _square(-71.0, 42.3, -70.9, 42.4)),
            ],
            "repeats the district code 'A1'",
        ),
        (
            [_feature({"D": "A1"}, {"type": "Point", "coordinates": [-71.05, 42.35]})],
            "no polygon area",
        ),
        ([_feature({"D": "A1"}, None)], "has no geometry"),
        (
            [_feature({"D": "A1"}, {"type": "Polygon", "coordinates": [[[-71.1, 42.3]]]})],
            "malformed Polygon",
        ),
        (
            [_feature({"D": "A1"}, _square(236000.0, 900000.0, 237000.0, 901000.0))],
            "not in WGS84",
        ),
        ([], "has no features"),
    ],
)
def test_unusable_boundary_files_are_refused_without_quoting_coordinates(
    tmp_path: Path, features: list[dict[str, Any]], message: str
) -> None:
    path = _write_geojson(tmp_path / "bad.geojson", features)
    with pytest.raises(BoundaryFileError, match=message) as caught:
        load_boundaries(path, "D")
    text = str(caught.value)
    assert "71." not in text
    assert "42." not in text
    assert "236000" not in text


def test_name_property_missing_is_refused(tmp_path: Path) -> None:
    path = _write_geojson(tmp_path / "n.geojson", [_feature({"D": "A1"}, _square(0, 0, 1, 1))])
    with pytest.raises(BoundaryFileError, match="name property 'Name'"):
        load_boundaries(path, "D", name_property="Name")


def test_bad_json_and_wrong_document_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [[-71.0612, 42.3601')
    with pytest.raises(BoundaryFileError, match=r"broken\.geojson: not valid JSON") as caught:
        load_boundaries(broken, "D")
    assert "71.06" not in str(caught.value)
    single = tmp_path / "single.geojson"
    single.write_text(json.dumps(_feature({"D": "A1"}, _square(0, 0, 1, 1))))
    with pytest.raises(BoundaryFileError, match="expected a GeoJSON FeatureCollection"):
        load_boundaries(single, "D")
    with pytest.raises(BoundaryFileError, match="cannot read"):
        load_boundaries(tmp_path / "missing.geojson", "D")


def test_geometries_survive_storage_as_geojson_and_wkb(
    district_boundaries: list[Boundary], district_index: DistrictIndex
) -> None:
    from_text = [
        Boundary(b.code, b.name, geometry_from_geojson(geometry_to_geojson(b.geometry)))
        for b in district_boundaries
    ]
    from_wkb = [
        Boundary(b.code, b.name, geometry_from_wkb(geometry_to_wkb(b.geometry)))
        for b in district_boundaries
    ]
    for original, text, binary in zip(district_boundaries, from_text, from_wkb, strict=True):
        assert shapely.equals_exact(original.geometry, binary.geometry, tolerance=0)
        assert shapely.equals_exact(original.geometry, text.geometry, tolerance=1e-12)
    rng = np.random.default_rng(3)
    lats = rng.uniform(42.22, 42.40, 2000)
    lons = rng.uniform(-71.19, -70.95, 2000)
    expected = district_index.locate_many(lats, lons)
    assert DistrictIndex.build(from_text).locate_many(lats, lons) == expected
    assert DistrictIndex.build(from_wkb).locate_many(lats, lons) == expected


def test_stored_geometry_that_is_not_a_polygon_is_refused() -> None:
    with pytest.raises(GeometryFormatError, match="malformed"):
        geometry_from_geojson("{not json")
    with pytest.raises(GeometryFormatError, match="no polygon area"):
        geometry_from_geojson('{"type": "Point", "coordinates": [0, 0]}')
    with pytest.raises(GeometryFormatError, match="malformed"):
        geometry_from_wkb(b"\x00\x01garbage")


def test_parse_points_keeps_bad_lines_in_place() -> None:
    lines = ["42.3601,-71.0589", " 42.30 , -71.08 ", "", "hello", "95,0", "nan,1", "1,2,3", "0,0"]
    lats, lons, bad = parse_points(lines)
    assert bad == [3, 4, 5, 6, 7]
    assert lats.tolist()[:2] == [42.3601, 42.30]
    assert lons.tolist()[:2] == [-71.0589, -71.08]
    assert (lats[7], lons[7]) == (0.0, 0.0)
    assert np.isnan(lats[2:7]).all()
    assert np.isnan(lons[2:7]).all()


def test_parse_points_fast_path_and_routing(district_index: DistrictIndex) -> None:
    lats, lons, bad = parse_points(["42.3601,-71.0589", "42.3736,-71.1190"])
    assert bad == []
    assert district_index.locate_many(lats, lons) == ["A1", None]
    empty_lats, empty_lons, empty_bad = parse_points([])
    assert (len(empty_lats), len(empty_lons), empty_bad) == (0, 0, [])
