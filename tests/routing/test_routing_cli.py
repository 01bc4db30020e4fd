"""`flask intake districts|places|route` on the real Boston files, through the CLI runner."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.crypto import Keyring
from intake.models import District, Place, Queue, Tip
from tests.factories import make_tip
from tests.routing.reference_city import (
    DISTRICTS_FILE,
    NEIGHBOURHOODS_FILE,
    OUTSIDE_POINTS,
    boston_boundaries,
    boston_file_without,
    cli,
    inside_points,
    kept_reference_tables,
    load_boston,
    require_boston_files,
)


@pytest.fixture
def demo_city(app: Flask) -> Iterator[Flask]:
    """The demo city, given back exactly as it was after the test changes reference tables."""
    with kept_reference_tables(app):
        yield app


@pytest.fixture
def boston(demo_city: Flask) -> Flask:
    """The Boston Police districts and neighbourhoods loaded through the CLI."""
    load_boston(demo_city)
    return demo_city


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


# --------------------------------------------------------------------------- districts load/list


def test_loading_boston_creates_a_queue_per_district_and_retires_the_demo_city(
    demo_city: Flask, session: Session
) -> None:
    require_boston_files()
    result = cli(demo_city, "districts", "load", str(DISTRICTS_FILE), "--code-property", "DISTRICT")
    assert result.exit_code == 0, result.output
    assert "Loaded 12 districts" in result.output
    assert "12 created, 0 updated, 4 deactivated" in result.output
    codes = {b.code for b in boston_boundaries()}
    active = set(session.scalars(select(District.code).where(District.is_active.is_(True))))
    assert active == codes
    queues = session.scalars(select(Queue).where(Queue.code.in_(codes))).all()
    assert {q.code for q in queues} == codes
    assert all(q.kind == "district" and q.district is not None for q in queues)
    # The demo districts are kept, inactive, and so are their queues.
    n1 = session.scalar(select(District).where(District.code == "N1"))
    assert n1 is not None and not n1.is_active
    assert session.scalar(select(Queue).where(Queue.code == "N1")) is not None

    listing = cli(demo_city, "districts", "list")
    assert listing.exit_code == 0
    lines = {line.split()[0]: line.split()[1] for line in listing.output.splitlines()[1:]}
    assert lines["E13"] == "active" and lines["N1"] == "inactive"


def test_loading_again_updates_in_place(boston: Flask) -> None:
    again = cli(boston, "districts", "load", str(DISTRICTS_FILE), "--code-property", "DISTRICT")
    assert again.exit_code == 0, again.output
    assert "0 created, 12 updated, 0 deactivated" in again.output


def test_name_property_names_districts(demo_city: Flask, session: Session) -> None:
    require_boston_files()
    result = cli(
        demo_city,
        "districts",
        "load",
        str(NEIGHBOURHOODS_FILE),
        "--code-property",
        "Neighborhood_ID",
        "--name-property",
        "Name",
    )
    assert result.exit_code == 0, result.output
    names = set(session.scalars(select(District.name).where(District.is_active.is_(True))))
    assert "Jamaica Plain" in names and len(names) == 26


def test_reload_without_a_district_keeps_its_tips_queue_and_row(
    boston: Flask, session: Session, keyring: Keyring, tmp_path: Path
) -> None:
    b2 = next(p for p in inside_points(boston_boundaries(), per_district=1) if p[0] == "B2")
    e13 = next(p for p in inside_points(boston_boundaries(), per_district=1) if p[0] == "E13")
    in_b2 = make_tip(session, keyring, lat=b2[1], lon=b2[2])
    in_e13 = make_tip(session, keyring, lat=e13[1], lon=e13[2])
    assert (in_b2.queue_code, in_e13.queue_code) == ("B2", "E13")

    result = cli(
        boston,
        "districts",
        "load",
        str(boston_file_without(tmp_path, "B2")),
        "--code-property",
        "DISTRICT",
    )
    assert result.exit_code == 0, result.output
    assert "0 created, 11 updated, 1 deactivated" in result.output
    session.expire_all()
    for created, code in ((in_b2, "B2"), (in_e13, "E13")):
        tip = session.get(Tip, created.tip_id)
        assert tip is not None and tip.queue.code == code and tip.district is not None
        assert tip.district.code == code
    retired = session.scalar(select(District).where(District.code == "B2"))
    assert retired is not None and not retired.is_active
    queue = session.scalar(select(Queue).where(Queue.code == "B2"))
    assert queue is not None and queue.is_active
    # New tips in what was B2 are no longer sent there.
    routed = cli(boston, "route", "--json", "--lat", str(b2[1]), "--lon", str(b2[2]))
    assert json.loads(routed.output)["queue"] != "B2"

    # Loading the full file brings B2 back, same row, same queue, tips still in it.
    back = cli(boston, "districts", "load", str(DISTRICTS_FILE), "--code-property", "DISTRICT")
    assert "0 created, 12 updated, 0 deactivated" in back.output
    session.expire_all()
    revived = session.scalar(select(District).where(District.code == "B2"))
    assert revived is not None and revived.is_active and revived.id == retired.id
    tip = session.get(Tip, in_b2.tip_id)
    assert tip is not None and tip.queue.code == "B2"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not json at all", "not valid JSON"),
        ('{"type": "FeatureCollection", "features": []}', "has no features"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", '
            '"properties": {"OTHER": "x"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]}',
            "no value for the code property 'DISTRICT'",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", '
            '"properties": {"DISTRICT": "P1"}, "geometry": {"type": "Point", '
            '"coordinates": [-71.1234567, 42.7654321]}}]}',
            "has no polygon area",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", '
            '"properties": {"DISTRICT": "homicide"}, "geometry": {"type": "Polygon", '
            '"coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}]}',
            "already used by non-district queues: homicide",
        ),
    ],
)
def test_bad_district_file_is_refused_cleanly(
    demo_city: Flask, session: Session, tmp_path: Path, content: str, expected: str
) -> None:
    before = session.scalar(select(func.count(District.id)))
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    result = cli(demo_city, "districts", "load", str(path), "--code-property", "DISTRICT")
    assert result.exit_code == 1
    assert expected in result.stderr
    assert "Traceback" not in result.output
    assert "42.7654321" not in result.output and "71.1234567" not in result.output
    session.expire_all()
    assert session.scalar(select(func.count(District.id))) == before
    homicide = session.scalar(select(Queue).where(Queue.code == "homicide"))
    assert homicide is not None and homicide.kind == "unit" and homicide.district_id is None


def test_missing_district_file_is_an_error_not_a_traceback(
    demo_city: Flask, tmp_path: Path
) -> None:
    result = cli(
        demo_city, "districts", "load", str(tmp_path / "nope.geojson"), "--code-property", "X"
    )
    assert result.exit_code == 1
    assert "cannot read the file" in result.stderr
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- places


def test_places_load_geojson_and_csv_and_list(
    demo_city: Flask, session: Session, tmp_path: Path
) -> None:
    require_boston_files()
    result = cli(
        demo_city,
        "places",
        "load",
        str(NEIGHBOURHOODS_FILE),
        "--name-property",
        "Name",
        "--source",
        "boston",
    )
    assert result.exit_code == 0, result.output
    assert "Loaded 26 places" in result.output
    csv_file = tmp_path / "landmarks.csv"
    csv_file.write_text("name,lat,lon,kind\nJamaica Pond,42.3161,-71.1198,landmark\n")
    loaded = cli(demo_city, "places", "load", str(csv_file), "--source", "landmarks")
    assert loaded.exit_code == 0 and "Loaded 1 places" in loaded.output
    # Loading a source again replaces it rather than adding duplicates.
    again = cli(demo_city, "places", "load", str(csv_file), "--source", "landmarks")
    assert again.exit_code == 0
    counts = dict(
        session.execute(select(Place.source, func.count(Place.id)).group_by(Place.source)).all()
    )
    assert counts["boston"] == 26 and counts["landmarks"] == 1 and counts["demo"] > 0
    jp = session.scalar(select(Place).where(Place.name == "Jamaica Plain"))
    assert jp is not None and jp.kind == "area"

    listing = cli(demo_city, "places", "list", "--limit", "5")
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert len(lines) == 6
    assert lines[-1] == f"5 of {sum(counts.values())} places shown."


def test_bad_places_file_is_refused(demo_city: Flask, session: Session, tmp_path: Path) -> None:
    before = session.scalar(select(func.count(Place.id)))
    bad = tmp_path / "bad.csv"
    bad.write_text("name,lat,lon\nSomewhere,north,west\n")
    result = cli(demo_city, "places", "load", str(bad))
    assert result.exit_code == 1
    assert "row 1 has no valid latitude and longitude" in result.stderr
    assert "Traceback" not in result.output
    session.expire_all()
    assert session.scalar(select(func.count(Place.id))) == before


# --------------------------------------------------------------------------- route


def test_route_stdin_sends_every_point_well_inside_a_district_to_it(boston: Flask) -> None:
    points = inside_points(boston_boundaries())
    stdin = "\n".join(f"{lat},{lon}" for _, lat, lon in points) + "\n"
    result = cli(boston, "route", "-", stdin=stdin)
    assert result.exit_code == 0, result.stderr
    answers = _json_lines(result.stdout)
    assert len(answers) == len(points) == 12 * 26
    wrong = [
        (code, a)
        for (code, _, _), a in zip(points, answers, strict=True)
        if (a["district"], a["queue"]) != (code, code)
    ]
    assert wrong == []
    assert answers[0]["reason"] == f"Point is in district {points[0][0]}."


def test_route_stdin_outside_the_city_goes_to_triage(boston: Flask) -> None:
    stdin = "\n".join(f"{lat},{lon}" for lat, lon in OUTSIDE_POINTS)
    answers = _json_lines(cli(boston, "route", "-", stdin=stdin).stdout)
    assert [(a["district"], a["queue"]) for a in answers] == [(None, "triage")] * 4
    assert all("outside every district" in str(a["reason"]) for a in answers)


def test_route_stdin_bad_lines_get_an_error_and_keep_their_place(
    boston: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stdin = "42.3161,-71.1198\n42.98765,west\n\n91.5,-71.0\n42.3161,-71.1198\n"
    result = cli(boston, "route", "-", stdin=stdin)
    assert result.exit_code == 0
    answers = _json_lines(result.stdout)
    assert len(answers) == 5
    assert [a.get("error") is not None for a in answers] == [False, True, True, True, False]
    assert answers[1] == {"line": 2, "error": "expected 'lat,lon' in decimal degrees"}
    assert answers[0]["district"] == answers[4]["district"] == "E13"
    # A bad line is never echoed: not in stderr, not in the logs.
    for needle in ("42.98765", "91.5"):
        assert needle not in result.stderr and needle not in caplog.text
    assert "3 bad lines" in result.stderr


def test_route_stdin_with_a_category_override(boston: Flask) -> None:
    points = inside_points(boston_boundaries(), per_district=1)[:4]
    stdin = "\n".join(f"{lat},{lon}" for _, lat, lon in points)
    conduct = _json_lines(
        cli(boston, "route", "-", "--category", "officer_conduct", stdin=stdin).stdout
    )
    assert {a["queue"] for a in conduct} == {"oversight"}
    assert [a["district"] for a in conduct] == [code for code, _, _ in points]
    homicide = _json_lines(cli(boston, "route", "-", "--category", "homicide", stdin=stdin).stdout)
    assert {a["queue"] for a in homicide} == {"homicide"}


def test_route_text_in_jamaica_plain_goes_to_e13(boston: Flask) -> None:
    human = cli(boston, "route", "--text", "near the pond in Jamaica Plain")
    assert human.exit_code == 0, human.output
    assert human.output.splitlines() == [
        "district: E13",
        "queue:    E13",
        "reason:   Place 'Jamaica Plain' is in district E13.",
        "place:    Jamaica Plain",
        "rule:     place",
    ]
    as_json = json.loads(
        cli(boston, "route", "--json", "--text", "near the pond in Jamaica Plain").output
    )
    assert as_json == {
        "district": "E13",
        "queue": "E13",
        "reason": "Place 'Jamaica Plain' is in district E13.",
        "place": "Jamaica Plain",
        "rule": "place",
        "candidates": ["Jamaica Plain"],
    }


def test_route_point_and_categories(boston: Flask) -> None:
    code, lat, lon = inside_points(boston_boundaries(), per_district=0)[5]
    plain = json.loads(cli(boston, "route", "--json", "--lat", str(lat), "--lon", str(lon)).output)
    assert (plain["district"], plain["queue"]) == (code, code)
    conduct = json.loads(
        cli(
            boston,
            "route",
            "--json",
            "--lat",
            str(lat),
            "--lon",
            str(lon),
            "--category",
            "officer_conduct",
        ).output
    )
    assert (conduct["district"], conduct["queue"]) == (code, "oversight")
    unknown_place = json.loads(
        cli(boston, "route", "--json", "--text", "somewhere far away").output
    )
    assert unknown_place == {
        "district": None,
        "queue": "triage",
        "reason": "No usable location; triage.",
        "place": None,
        "rule": None,
        "candidates": [],
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lat", "42.3"], "give both --lat and --lon"),
        ([], "give either --lat and --lon, or --text"),
        (["--lat", "42.3", "--lon", "-71.1", "--text", "JP"], "give either"),
        (["-", "--text", "JP"], "not several"),
        (["file.txt"], "the only argument accepted is '-'"),
        (["--text", "JP", "--category", "no_such_thing"], "there is no category 'no_such_thing'"),
    ],
)
def test_route_refuses_unclear_requests(boston: Flask, args: list[str], message: str) -> None:
    result = cli(boston, "route", *args)
    assert result.exit_code == 1
    assert message in result.stderr
