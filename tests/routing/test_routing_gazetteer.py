"""Gazetteer: place names and intersections in residents' words to points."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from intake.routing.gazetteer import (
    Gazetteer,
    Place,
    PlaceFileError,
    load_places,
    normalise_tokens,
)
from intake.routing.geo import DistrictIndex

# A small street grid in Dorchester/Mattapan: Blue Hill Avenue runs north-south and crosses
# Morton Street near 42.2805, -71.0870.
BLUE_HILL_AVE = [[-71.0880, 42.2700], [-71.0875, 42.2760], [-71.0870, 42.2805], [-71.0860, 42.2900]]
MORTON_ST = [[-71.0950, 42.2820], [-71.0870, 42.2805], [-71.0780, 42.2790]]
CROSSING = (42.2805, -71.0870)


@pytest.fixture(scope="module")
def neighbourhoods(neighbourhoods_file: Path) -> Gazetteer:
    """A gazetteer of Boston's 26 neighbourhoods."""
    return Gazetteer(load_places(neighbourhoods_file))


def _line(name: str, coordinates: list[list[float]], **extra: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"name": name, **extra},
        "geometry": {"type": "LineString", "coordinates": coordinates},
    }


@pytest.fixture
def streets_file(tmp_path: Path) -> Path:
    """Blue Hill Avenue (in two segments, as street files split them) and Morton Street."""
    features = [
        _line("Blue Hill Avenue", BLUE_HILL_AVE[:3]),
        _line("Blue Hill Avenue", BLUE_HILL_AVE[2:]),
        _line("Morton Street", MORTON_ST),
        _line("Washington Street", [[-71.07, 42.25], [-71.06, 42.30], [-71.06, 42.36]]),
        {
            "type": "Feature",
            "properties": {"name": "Franklin Park", "kind": "park"},
            "geometry": {"type": "Point", "coordinates": [-71.0931, 42.3030]},
        },
        {
            "type": "Feature",
            "properties": {"name": "Dorchester", "kind": "Neighborhood"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [-71.08, 42.28],
                        [-71.04, 42.28],
                        [-71.04, 42.32],
                        [-71.08, 42.32],
                        [-71.08, 42.28],
                    ]
                ],
            },
        },
    ]
    path = tmp_path / "streets.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.fixture
def places_csv(tmp_path: Path) -> Path:
    """Intersections and landmarks known only as points."""
    path = tmp_path / "places.csv"
    path.write_text(
        "name,lat,lon,kind\n"
        "Washington St & Park St,42.3564,-71.0622,intersection\n"
        "Dudley Square,42.3293,-71.0840,landmark\n"
        "Plaza Peña,42.3500,-71.0600\n"
    )
    return path


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("something happened in Jamaica Plain near the pond", "Jamaica Plain"),
        ("dorchester", "Dorchester"),
        ("DORCHESTER!!", "Dorchester"),
        ("vendiendo drogas en roxbury cerca de la escuela", "Roxbury"),
        ("they hang out in east boston by the airport", "East Boston"),
        ("South Boston Waterfront, behind the convention center", "South Boston Waterfront"),
        ("I saw it in Mattapan yesterday", "Mattapan"),
        ("mattapan sq", "Mattapan"),
        ("jamica plane", "Jamaica Plain"),
        ("dorchster", "Dorchester"),
    ],
)
def test_neighbourhood_named_in_a_text_is_found(
    neighbourhoods: Gazetteer, text: str, name: str
) -> None:
    found = neighbourhoods.match(text)
    assert found is not None
    assert found.place.name == name
    assert found.place.kind == "area"
    assert found.matched_text.lower().replace(",", "") in text.lower()
    assert 0.85 <= found.score <= 1.0


def test_exact_match_scores_higher_than_a_misspelling(neighbourhoods: Gazetteer) -> None:
    exact = neighbourhoods.match("dorchester")
    misspelt = neighbourhoods.match("dorchster")
    assert exact is not None
    assert misspelt is not None
    assert exact.score == 1.0
    assert misspelt.score < 1.0
    assert exact.matched_text == "dorchester"
    assert misspelt.matched_text == "dorchster"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "the moon",
        "somewhere in boston",
        "near my house",
        "Rockport",
        "Cambridge near Harvard",
        "Brookline",  # a town Boston surrounds, not a Boston neighbourhood
        "Roxborough",
        "between Dorchester and Roxbury",  # two neighbourhoods: which one is unknown
        "on Hyde Park Ave",  # a long street named after a neighbourhood, not the neighbourhood
        "Dorchester Avenue",
    ],
)
def test_nothing_close_enough_gives_none(neighbourhoods: Gazetteer, text: str) -> None:
    assert neighbourhoods.match(text) is None


def test_neighbourhood_points_route_to_their_own_neighbourhood(
    neighbourhoods: Gazetteer, neighbourhood_index: DistrictIndex
) -> None:
    # Polygons become their representative point, which is always inside the polygon.
    for place in neighbourhoods.places:
        assert neighbourhood_index.locate(place.lat, place.lon) == place.name


def test_place_in_text_routes_to_the_police_district(
    neighbourhoods: Gazetteer, district_index: DistrictIndex
) -> None:
    found = neighbourhoods.match("shots fired in Charlestown last night")
    assert found is not None
    assert district_index.locate(found.place.lat, found.place.lon) == "A15"


@pytest.mark.parametrize(
    "text",
    [
        "near the corner of Blue Hill Ave and Morton St by the store",
        "Blue Hill Avenue & Morton Street",
        "morton st and blue hill ave",
        "en la esquina de Blue Hill y Morton",
        "corner of blue hill and morton",
        "Blue Hill Ave. at Morton St.",
    ],
)
def test_intersection_of_two_known_streets_is_their_crossing(streets_file: Path, text: str) -> None:
    found = Gazetteer(load_places(streets_file)).match(text)
    assert found is not None
    assert found.place.kind == "intersection"
    assert {"Blue Hill Avenue", "Morton Street"} <= set(found.place.name.split(" & "))
    assert (found.place.lat, found.place.lon) == pytest.approx(CROSSING, abs=1e-6)


def test_intersection_matched_text_is_the_residents_words(streets_file: Path) -> None:
    found = Gazetteer(load_places(streets_file)).match(
        "near the corner of Blue Hill Ave and Morton St by the store"
    )
    assert found is not None
    assert found.matched_text == "Blue Hill Ave and Morton St"


def test_streets_that_never_meet_are_not_an_intersection(streets_file: Path) -> None:
    gazetteer = Gazetteer(load_places(streets_file))
    assert gazetteer.match("Morton St and Washington St") is None


def test_a_long_street_alone_is_not_a_location(streets_file: Path) -> None:
    # Its midpoint may lie in another district than the tip: better triage than a wrong queue.
    gazetteer = Gazetteer(load_places(streets_file))
    assert gazetteer.match("something on Washington Street") is None
    assert gazetteer.match("blue hill") is None


def test_a_landmark_beats_the_street_it_is_on(streets_file: Path) -> None:
    found = Gazetteer(load_places(streets_file)).match("by Franklin Park on Blue Hill Ave")
    assert found is not None
    assert (found.place.name, found.place.kind) == ("Franklin Park", "park")


def test_a_landmark_beats_the_neighbourhood_it_is_in(streets_file: Path) -> None:
    gazetteer = Gazetteer(load_places(streets_file))
    found = gazetteer.match("in Dorchester, by Franklin Park")
    assert found is not None
    assert found.place.name == "Franklin Park"
    alone = gazetteer.match("in dorchester")
    assert alone is not None
    assert (alone.place.name, alone.place.kind) == ("Dorchester", "neighborhood")
    assert (round(alone.place.lat, 6), round(alone.place.lon, 6)) != (42.28, -71.08)


def test_intersection_known_as_a_place_matches_in_either_order(places_csv: Path) -> None:
    gazetteer = Gazetteer(load_places(places_csv))
    for text in ("washington street and park street", "Park St. & Washington St."):
        found = gazetteer.match(text)
        assert found is not None
        assert found.place.name == "Washington St & Park St"
        assert (found.place.lat, found.place.lon) == (42.3564, -71.0622)


def test_csv_places_with_accents_and_default_kind(places_csv: Path) -> None:
    gazetteer = Gazetteer(load_places(places_csv))
    found = gazetteer.match("en la plaza pena")
    assert found is not None
    assert (found.place.name, found.place.kind) == ("Plaza Peña", "place")
    dudley = gazetteer.match("dudley sq")
    assert dudley is not None
    assert dudley.place.kind == "landmark"


def test_same_name_in_two_far_apart_places_never_matches(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text(
        "Central Square,42.3651,-71.1040\n"
        "Central Square,42.3740,-71.0390\n"
        "Main St & Elm St,42.30,-71.10,intersection\n"
        "Main St & Elm St,42.40,-71.00,intersection\n"
        "Copley Square,42.3500,-71.0770\n"
        "Copley Square,42.3501,-71.0771\n"
    )
    gazetteer = Gazetteer(load_places(path))
    assert gazetteer.match("at central square") is None
    assert gazetteer.match("elm st and main st") is None
    copley = gazetteer.match("copley square")  # the same place listed twice is still one place
    assert copley is not None
    assert copley.place.lat == 42.35


def test_normalisation_of_names() -> None:
    assert normalise_tokens("E. First St & Blue-Hill Ave.") == (
        "east",
        "1st",
        "street",
        "and",
        "blue",
        "hill",
        "avenue",
    )
    assert normalise_tokens("Calle Peña y O'Brien") == ("street", "pena", "and", "obrien")
    assert normalise_tokens("Pier Four, Oak/Fifth @ la Quinta") == (
        "pier",
        "4",
        "oak",
        "and",
        "5th",
        "at",
        "la",
        "5th",
    )


def test_geojson_name_property_can_be_chosen(tmp_path: Path) -> None:
    path = tmp_path / "labels.geojson"
    feature = {
        "type": "Feature",
        "properties": {"LABEL": "Copley Square"},
        "geometry": {"type": "Point", "coordinates": [-71.0770, 42.3500]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    [place] = load_places(path, name_property="LABEL")
    assert place == Place("Copley Square", "place", 42.35, -71.077)
    with pytest.raises(PlaceFileError, match="no name property 'name' or 'Name'"):
        load_places(path)


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("name,lat,lon\nSomewhere,north,west\n", ".csv", "row 1 has no valid latitude"),
        ("name,lat,lon\nSomewhere,42.1\n", ".csv", "row 1 is not name,lat,lon"),
        ("name,lat,lon\n", ".csv", "no places"),
        ('{"type": "FeatureCollection", "features": [', ".geojson", "not valid JSON"),
        ('{"type": "Feature"}', ".geojson", "expected a GeoJSON FeatureCollection"),
    ],
)
def test_unusable_place_files_are_refused(
    tmp_path: Path, content: str, suffix: str, message: str
) -> None:
    path = tmp_path / f"places{suffix}"
    path.write_text(content)
    with pytest.raises(PlaceFileError, match=message):
        load_places(path)
