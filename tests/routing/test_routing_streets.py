"""Place texts as residents write them: intersections, addresses, streets and landmarks.

Most tests use the demo city (Port Alder), whose places and street file ship with the project:
its districts are N1 (north-west), H2 (north-east), S3 (south-west) and R4 (south-east).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.bootstrap.service import DEMO_DIR
from intake.models.geography import StreetSegment as StreetSegmentRow
from intake.routing.gazetteer import Gazetteer, Place, load_places
from intake.routing.geo import DistrictIndex, load_boundaries
from intake.routing.service import plan_route, route_tip
from intake.routing.streets import StreetFileError, load_street_segments
from tests.routing.reference_city import cli, kept_reference_tables

DEMO_STREETS = DEMO_DIR / "streets.geojson"


@pytest.fixture(scope="module")
def demo_index() -> DistrictIndex:
    """The demo city's four districts."""
    return DistrictIndex.build(load_boundaries(DEMO_DIR / "districts.geojson", "code", "name"))


@pytest.fixture(scope="module")
def demo() -> Gazetteer:
    """The demo city's gazetteer: its listed places and its street file."""
    return Gazetteer(
        load_places(DEMO_DIR / "places.csv"), segments=load_street_segments(DEMO_STREETS, "name")
    )


def _districts(index: DistrictIndex, gazetteer: Gazetteer, text: str) -> set[str | None]:
    found = gazetteer.resolve(text)
    assert found is not None, text
    codes: set[str | None] = set()
    for place in found.candidates:
        if place.kind == "street" and place.geometry is not None:
            codes.update(index.districts_along(place.geometry))
        else:
            codes.add(index.locate(place.lat, place.lon))
    return codes


@pytest.mark.parametrize(
    ("text", "district"),
    [
        # The texts the issue reports as falling to triage.
        ("Main and Elm", "N1"),
        ("main & elm", "N1"),
        ("Main St/Elm St", "N1"),
        ("corner of main and elm", "N1"),
        ("corner of oak and 5th", "S3"),
        ("Oak St/Fifth Ave", "S3"),
        ("esquina de la Quinta y Oak", "S3"),
        ("Pier Four", "H2"),
        # Every connector, either order, suffixes written, abbreviated or not.
        ("Elm Street and Main Street", "N1"),
        ("elm st @ main st", "N1"),
        ("Main Street at Elm", "N1"),
        ("elm y main", "N1"),
        ("Main e Elm", "N1"),
        ("main n elm", "N1"),
        ("MAIN ST. & ELM ST.", "N1"),
        ("cruce de Calle Main y Calle Elm", "N1"),
        ("entre Main y Elm", "N1"),
        ("5th St and Oak Ave", "S3"),
        ("Fifth Street & Oak Avenue", "S3"),
        ("the corner of Oak Avenue and 5th", "S3"),
        ("Avenida Oak y Calle Quinta", "S3"),
        ("river rd @ mill", "R4"),
        ("Mill Street and River Road", "R4"),
        ("water st y main", "H2"),
        ("shots fired at the corner of water and main last night", "H2"),
        ("Pier 4", "H2"),
        ("el muelle, pier cuatro", "H2"),
    ],
)
def test_places_written_as_residents_write_them_route_to_their_district(
    demo: Gazetteer, demo_index: DistrictIndex, text: str, district: str
) -> None:
    assert _districts(demo_index, demo, text) == {district}


def test_streets_cross_where_their_lines_meet_without_being_listed(
    demo_index: DistrictIndex,
) -> None:
    # Only the street file: no intersection is listed anywhere.
    gazetteer = Gazetteer([], segments=load_street_segments(DEMO_STREETS, "name"))
    found = gazetteer.resolve("corner of oak and 5th")
    assert found is not None
    assert found.rule == "street crossing"
    [place] = found.candidates
    assert place.name == "5th Street & Oak Avenue"
    assert (place.lat, place.lon) == pytest.approx((44.030, -70.160), abs=1e-9)
    assert demo_index.locate(place.lat, place.lon) == "S3"
    apart = gazetteer.resolve("Mill St and Oak Ave")  # they never meet: two streets, no corner
    assert apart is not None
    assert apart.rule == "street"
    assert [p.name for p in apart.candidates] == ["Mill Street", "Oak Avenue"]
    assert gazetteer.streets.crossing_count() == 8


def test_a_listed_intersection_is_found_as_written_and_said_so(demo: Gazetteer) -> None:
    found = demo.resolve("Main Street and Elm Street")
    assert found is not None
    assert (found.rule, found.place.name) == ("intersection", "Main Street and Elm Street")
    assert found.matched_text == "Main Street and Elm Street"


def test_two_streets_crossing_twice_are_two_candidates(
    demo: Gazetteer, demo_index: DistrictIndex
) -> None:
    found = demo.resolve("Harbor Loop and Main St")
    assert found is not None
    assert [p.name for p in found.candidates] == ["Harbor Loop & Main Street"] * 2
    assert _districts(demo_index, demo, "Harbor Loop and Main St") == {"N1", "H2"}


@pytest.mark.parametrize(
    ("text", "rule", "district"),
    [
        ("215 Main St", "address", "N1"),
        ("at 1450 Main Street", "address", "H2"),
        ("the 1000 block of Main Street", "block", "H2"),
        ("200 block of main", "block", "N1"),
    ],
)
def test_house_numbers_resolve_on_the_street_file_ranges(
    demo: Gazetteer, demo_index: DistrictIndex, text: str, rule: str, district: str
) -> None:
    found = demo.resolve(text)
    assert found is not None
    assert found.rule == rule
    assert _districts(demo_index, demo, text) == {district}


def test_names_used_twice_are_candidates_never_a_guess(demo_index: DistrictIndex) -> None:
    gazetteer = Gazetteer(
        [
            Place("Central Square", "landmark", 44.08, -70.15),
            Place("Central Square", "landmark", 44.02, -70.05),
            Place("Ash St & Birch St", "intersection", 44.08, -70.05),
            Place("Ash St & Birch St", "intersection", 44.02, -70.15),
        ]
    )
    assert _districts(demo_index, gazetteer, "at central square") == {"N1", "R4"}
    assert _districts(demo_index, gazetteer, "corner of birch and ash") == {"H2", "S3"}
    assert gazetteer.match("at central square") is None


def test_a_number_beyond_every_range_is_not_an_address(demo: Gazetteer) -> None:
    found = demo.resolve("5000 Main St")
    assert found is not None
    assert found.rule == "street"  # the street is still named; no point is made up


def test_landmarks_with_a_street(tmp_path: Path, demo_index: DistrictIndex) -> None:
    places = [
        *load_places(DEMO_DIR / "places.csv"),
        Place("Save-A-Lot", "landmark", 44.0715, -70.085),
        Place("Wilson School", "landmark", 44.020, -70.030),
    ]
    gazetteer = Gazetteer(places, segments=load_street_segments(DEMO_STREETS, "name"))
    # The landmark, when the gazetteer holds it.
    landmark = gazetteer.resolve("behind the Save-A-Lot on Main St")
    assert landmark is not None
    assert (landmark.rule, landmark.place.name) == ("place", "Save-A-Lot")
    spanish = gazetteer.resolve("frente a la escuela Wilson")
    assert spanish is not None
    assert spanish.place.name == "Wilson School"
    # Else the street, which the caller routes only when it lies in one district.
    assert _districts(demo_index, gazetteer, "behind the store on Elm St") == {"N1"}
    assert _districts(demo_index, gazetteer, "frente a la tienda en calle Oak") == {"S3"}
    assert _districts(demo_index, gazetteer, "behind the Price Rite on Main St") == {"N1", "H2"}
    # A street along a district edge touches both districts.
    assert _districts(demo_index, gazetteer, "on washington street") == {"H2", "N1", "R4", "S3"}


@pytest.mark.parametrize(
    "text",
    [
        "between the park and the school",
        "the school and the park",
        "I was at the store and then went home",
        "main",  # a bare street name alone names no place
        "near elm",
    ],
)
def test_everyday_words_are_not_street_corners(text: str) -> None:
    segments = load_street_segments(DEMO_STREETS, "name")
    extra = [
        Place("Park Street", "street", 0, 0, geometry=segments[4].geometry),
        Place("School Street", "street", 0, 0, geometry=segments[0].geometry),
    ]
    gazetteer = Gazetteer(extra, segments=segments)
    found = gazetteer.resolve(text)
    assert found is None or found.rule not in ("intersection", "street crossing")


def test_a_misspelt_street_is_corrected_only_when_one_word_clearly_wins(
    tmp_path: Path,
) -> None:
    path = tmp_path / "streets.geojson"
    lines = {
        "Washington Street": [[-71.07, 42.30], [-71.07, 42.32]],
        "Oak Avenue": [[-71.08, 42.31], [-71.06, 42.31]],
        "Harrison Avenue": [[-71.08, 42.305], [-71.06, 42.305]],
        "Harrisen Street": [[-71.08, 42.315], [-71.06, 42.315]],
    }
    path.write_text(_collection([_line(name, coords) for name, coords in lines.items()]))
    gazetteer = Gazetteer([], segments=load_street_segments(path, "name"))
    corrected = gazetteer.resolve("corner of Washingtn and Oak")
    assert corrected is not None
    assert corrected.place.name == "Oak Avenue & Washington Street"
    assert corrected.score < 1.0
    # "Harrisan" is as close to Harrison as to Harrisen: no guess.
    assert gazetteer.resolve("corner of Washington and Harrisan") is None


def _line(name: str, coordinates: list[list[float]], **extra: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"NAME": name, "name": name, **extra},
        "geometry": {"type": "LineString", "coordinates": coordinates},
    }


def _collection(features: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def test_street_file_address_properties_and_refusals(tmp_path: Path) -> None:
    path = tmp_path / "streets.geojson"
    path.write_text(
        _collection(
            [
                _line("Dartmouth St", [[-71.0, 42.0], [-71.0, 42.01]], LO=100, HI="198"),
                _line("", [[-71.0, 42.0], [-71.1, 42.0]]),  # unnamed: skipped
            ]
        )
    )
    [segment] = load_street_segments(path, "NAME", ["LO", "HI"])
    assert segment.ranges() == [(100, 198), (100, 198)]
    path.write_text(_collection([_line("X", [[-71.0, 42.0], [-71.0, 42.01]])]))
    with pytest.raises(StreetFileError, match="2 \\(from,to\\) or 4"):
        load_street_segments(path, "NAME", ["A", "B", "C"])
    point = {"type": "Feature", "properties": {"NAME": "X"}, "geometry": {"type": "Point"}}
    point["geometry"]["coordinates"] = [-71.0, 42.0]  # type: ignore[index]
    path.write_text(_collection([point]))
    with pytest.raises(StreetFileError, match="feature 1 \\('X'\\) is a Point"):
        load_street_segments(path, "NAME")
    path.write_text(_collection([_line("X", [[300000.0, 900000.0], [300010.0, 900000.0]])]))
    with pytest.raises(StreetFileError, match="not in WGS84") as refused:
        load_street_segments(path, "NAME")
    assert "300000" not in str(refused.value)
    with pytest.raises(StreetFileError, match="no feature has a value for 'STREET'"):
        load_street_segments(path, "STREET")


# --------------------------------------------------------------------------- in the database


@pytest.fixture
def demo_city(app: Flask) -> Any:
    """The demo city, given back exactly as it was after the test changes reference tables."""
    with kept_reference_tables(app):
        yield app


def test_the_demo_city_ships_its_streets(demo_city: Flask, session: Session) -> None:
    count = session.scalar(select(func.count(StreetSegmentRow.id)))
    assert count == len(load_street_segments(DEMO_STREETS, "name"))


def test_streets_load_and_route_on_crossings_nobody_listed(
    demo_city: Flask, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "more.geojson"
    path.write_text(
        _collection(
            [
                _line("Birch Lane", [[-70.15, 44.010], [-70.15, 44.045]]),
                _line("Cedar Court", [[-70.18, 44.020], [-70.12, 44.020]], FROM_LEFT=1),
            ]
        )
    )
    loaded = cli(demo_city, "streets", "load", str(path), "--name-property", "NAME")
    assert loaded.exit_code == 0, loaded.output
    assert "Loaded 2 street segments from more.geojson as source 'more.geojson'" in loaded.output
    assert "2 streets, 1 street crossings" in loaded.output
    route = route_tip(
        session, category_code="drugs", lat=None, lon=None, location_text="birch ln y cedar ct"
    )
    assert (route.queue_code, route.rule) == ("S3", "street crossing")
    assert route.place_name == "Birch Lane & Cedar Court"
    assert route.reason == "Street crossing 'Birch Lane & Cedar Court' is in district S3."
    assert route.lat == pytest.approx(44.020)
    # Loading the same source again replaces it; the demo streets stay.
    path.write_text(_collection([_line("Birch Lane", [[-70.15, 44.010], [-70.15, 44.045]])]))
    assert cli(demo_city, "streets", "load", str(path), "--name-property", "NAME").exit_code == 0
    again = route_tip(
        session, category_code="drugs", lat=None, lon=None, location_text="birch ln y cedar ct"
    )
    assert (again.rule, again.place_name) == ("street", "Birch Lane")  # no crossing any more
    listing = cli(demo_city, "streets", "list")
    assert "Birch Lane  [1 segments]  (more.geojson)" in listing.output
    assert "Main Street  [4 segments]  (demo)" in listing.output


def test_streets_load_refuses_a_bad_file_without_changing_anything(
    demo_city: Flask, session: Session, tmp_path: Path
) -> None:
    before = session.scalar(select(func.count(StreetSegmentRow.id)))
    path = tmp_path / "bad.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [')
    result = cli(demo_city, "streets", "load", str(path), "--name-property", "NAME")
    assert result.exit_code == 1
    assert "bad.geojson: not valid JSON" in result.stderr
    session.rollback()
    assert session.scalar(select(func.count(StreetSegmentRow.id))) == before


def test_ambiguous_text_goes_to_triage_naming_the_candidates(
    demo_city: Flask, session: Session
) -> None:
    route = route_tip(
        session,
        category_code="drugs",
        lat=None,
        lon=None,
        location_text="they sell at harbor loop and main",
    )
    assert (route.queue_code, route.district_id, route.lat) == ("triage", None, None)
    assert route.rule == "street crossing"
    assert route.candidates == ("Harbor Loop & Main Street", "Harbor Loop & Main Street")
    assert route.reason == (
        "Street crossing matches 2 places in different districts: "
        "'Harbor Loop & Main Street' (N1), 'Harbor Loop & Main Street' (H2); triage."
    )
    assert "they sell" not in route.reason


def test_a_street_in_one_district_routes_there_without_a_point(
    demo_city: Flask, session: Session
) -> None:
    route = route_tip(
        session,
        category_code="drugs",
        lat=None,
        lon=None,
        location_text="behind the laundromat on Elm St",
    )
    assert (route.queue_code, route.rule, route.place_name) == ("N1", "street", "Elm Street")
    assert (route.lat, route.lon) == (None, None)
    assert route.reason == "Street 'Elm Street' is in district N1."
    across = route_tip(
        session, category_code="drugs", lat=None, lon=None, location_text="on Main St"
    )
    assert across.queue_code == "triage"
    assert across.reason == "Street 'Main Street' runs through districts H2/N1; triage."


def test_a_category_override_still_wins_over_an_ambiguous_place(
    demo_city: Flask, session: Session
) -> None:
    plan = plan_route(
        session,
        category_code="homicide",
        lat=None,
        lon=None,
        location_text="harbor loop and main",
    )
    assert plan.queue_code == "homicide"
    assert plan.district_code is None


def test_route_text_shows_place_rule_and_candidates(demo_city: Flask) -> None:
    human = cli(demo_city, "route", "--text", "Harbor Loop & Main St")
    assert human.exit_code == 0, human.output
    assert human.output.splitlines()[1:] == [
        "queue:    triage",
        "reason:   Street crossing matches 2 places in different districts: "
        "'Harbor Loop & Main Street' (N1), 'Harbor Loop & Main Street' (H2); triage.",
        "place:    -",
        "rule:     street crossing",
        "  candidate: Harbor Loop & Main Street",
        "  candidate: Harbor Loop & Main Street",
    ]


def test_route_text_dash_reads_one_place_text_per_line(demo_city: Flask) -> None:
    stdin = "corner of oak and 5th\nMain and Elm\n\nnowhere at all\n215 Main St\n"
    result = cli(demo_city, "route", "--text", "-", stdin=stdin)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line.get("district"), line.get("rule")) for line in lines] == [
        ("S3", "intersection"),
        ("N1", "intersection"),
        (None, None),
        (None, None),
        ("N1", "address"),
    ]
    assert lines[2] == {"line": 3, "error": "empty line"}
    assert lines[4]["place"] == "Main Street"
    assert lines[4]["reason"] == "Address on 'Main Street' is in district N1."  # no number
    assert "Routed 5 place texts." in result.stderr


# --------------------------------------------------------------------------- real Boston data


def test_real_boston_intersections_written_six_ways_route_right_and_never_wrong(
    district_index: DistrictIndex, neighbourhoods_file: Path
) -> None:
    from bench.routing_bench import INTERSECTIONS_FILE, written_ways
    from intake.routing.service import read_resolution

    listed = load_places(INTERSECTIONS_FILE)
    gazetteer = Gazetteer([*listed, *load_places(neighbourhoods_file, name_property="Name")])
    right = total = 0
    wrong = []
    for place in listed:
        expected = district_index.locate(place.lat, place.lon)
        if expected is None:
            continue
        for text in written_ways(place.name).values():
            found = gazetteer.resolve(text)
            routed = read_resolution(district_index, found)[0] if found else None
            total += 1
            right += routed == expected
            if routed not in (None, expected):
                wrong.append(text)
    assert len(listed) > 500
    assert wrong == []
    assert right / total >= 0.95


@pytest.mark.parametrize(
    ("text", "district"),
    [
        # Dorchester Street in South Boston, not the Dorchester neighbourhood (C11).
        ("corner of dorchester and old colony", "C6"),
        ("corner of dorchester and west fifth", "C6"),
        # Hyde Park Avenue in Jamaica Plain, not the Hyde Park neighbourhood (E18).
        ("corner of hyde park and walk hill", "E13"),
    ],
)
def test_a_street_named_after_a_neighbourhood_is_the_street(
    district_index: DistrictIndex, neighbourhoods_file: Path, text: str, district: str
) -> None:
    from bench.routing_bench import INTERSECTIONS_FILE
    from intake.routing.service import read_resolution

    gazetteer = Gazetteer(
        [
            *load_places(INTERSECTIONS_FILE),
            *load_places(neighbourhoods_file, name_property="Name"),
        ]
    )
    found = gazetteer.resolve(text)
    assert found is not None
    assert found.rule == "intersection"
    assert read_resolution(district_index, found)[0] == district


ATLANTA_STREETS = (
    Path(__file__).resolve().parents[1] / "data" / "atlanta_reynoldstown_streets_osm.geojson"
)


@pytest.mark.parametrize(
    ("text", "streets"),
    [
        ("Moreland Ave and Memorial Dr", "Memorial Drive Southeast & Moreland Avenue Southeast"),
        ("esquina de Memorial y Pearl", "Memorial Drive Southeast & Pearl Street Southeast"),
        (
            "Flat Shoals Ave SE & Moreland Ave SE",
            "Flat Shoals Avenue Southeast & Moreland Avenue Southeast",
        ),
        ("Wylie St/Moreland Ave", "Moreland Avenue Southeast & Wylie Street Southeast"),
        # Moreland Avenue is "Northeast" north of the railway: the bare name finds the right one.
        (
            "corner of seaboard and moreland",
            "Moreland Avenue Northeast & Seaboard Avenue Northeast",
        ),
    ],
)
def test_crossings_come_from_a_real_street_file(text: str, streets: str) -> None:
    # OpenStreetMap ways of one Atlanta neighbourhood, as a city-sized file would give them:
    # streets cut into many segments, dual carriageways, quadrant suffixes, no intersection list.
    segments = load_street_segments(ATLANTA_STREETS, "name")
    gazetteer = Gazetteer([], segments=segments)
    found = gazetteer.resolve(text)
    assert found is not None
    assert found.rule == "street crossing"
    [place] = found.candidates
    assert place.name == streets
    # The point is where the two lines meet (within the 30 m a file's gaps are forgiven).
    first, second = streets.split(" & ")
    lines = {
        name: shapely.union_all([s.geometry for s in segments if s.name == name])
        for name in (first, second)
    }
    point = shapely.Point(place.lon, place.lat)
    assert all(line.distance(point) < 0.0003 for line in lines.values())


def test_streets_load_reads_a_real_street_file(demo_city: Flask) -> None:
    loaded = cli(demo_city, "streets", "load", str(ATLANTA_STREETS), "--name-property", "name")
    assert loaded.exit_code == 0, loaded.output
    assert "Loaded 140 street segments" in loaded.output
    assert "66 streets" in loaded.output
    # Outside every district of the demo city: found, then triage saying so.
    plan = cli(demo_city, "route", "--json", "--text", "Moreland Ave and Memorial Dr")
    assert json.loads(plan.output)["reason"] == (
        "Street crossing 'Memorial Drive Southeast & Moreland Avenue Southeast' is outside "
        "every district; triage."
    )


def test_a_street_outside_every_district_says_so(demo_city: Flask, tmp_path: Path) -> None:
    path = tmp_path / "far.geojson"
    path.write_text(_collection([_line("Far Away Road", [[-60.0, 40.0], [-60.0, 40.1]])]))
    assert cli(demo_city, "streets", "load", str(path), "--name-property", "NAME").exit_code == 0
    plan = json.loads(cli(demo_city, "route", "--json", "--text", "on far away rd").output)
    assert plan["reason"] == "Street 'Far Away Road' is outside every district; triage."


def test_an_area_named_with_a_street_through_several_districts_still_decides(
    demo_city: Flask, session: Session
) -> None:
    # As before streets were read: "Main St" alone crosses N1 and H2, "Harbor" is in H2.
    route = route_tip(
        session, category_code="drugs", lat=None, lon=None, location_text="on Main St in Harbor"
    )
    assert (route.queue_code, route.rule, route.place_name) == ("H2", "place", "Harbor")
    assert route.reason == "Place 'Harbor' is in district H2."
    # A street in one district wins over the area (it is the more precise of the two).
    elm = route_tip(
        session, category_code="drugs", lat=None, lon=None, location_text="Elm St, Harbor side"
    )
    assert (elm.queue_code, elm.rule) == ("N1", "street")


@pytest.mark.parametrize(
    ("text", "queue"),
    [
        ("Main and Elm", "N1"),
        ("main & elm", "N1"),
        ("Main St/Elm St", "N1"),
        ("corner of oak and 5th", "S3"),
        ("Oak St/Fifth Ave", "S3"),
        ("esquina de la Quinta y Oak", "S3"),
        ("Pier Four", "H2"),
    ],
)
def test_the_texts_that_fell_to_triage_reach_their_district(
    app: Flask, session: Session, text: str, queue: str
) -> None:
    # Through route_tip, exactly as submissions call it; each of these went to triage before.
    route = route_tip(session, category_code="drugs", lat=None, lon=None, location_text=text)
    assert route.queue_code == queue
    assert route.location_source == "gazetteer"
