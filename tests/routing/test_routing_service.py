"""`route_tip`, `plan_route`, `route_points` and `load_districts` against the database."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from flask import Flask
from shapely.geometry import box
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.models import District, Queue
from intake.routing.geo import Boundary
from intake.routing.service import (
    DistrictLoadError,
    load_districts,
    plan_route,
    route_points,
    route_tip,
)
from tests.routing.reference_city import (
    OUTSIDE_POINTS,
    boston_boundaries,
    inside_points,
    kept_reference_tables,
    load_boston,
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


def test_route_tip_sends_every_point_well_inside_a_district_to_it(
    boston: Flask, session: Session
) -> None:
    ids = dict(session.execute(select(District.code, District.id)).all())
    wrong = []
    for code, lat, lon in inside_points(boston_boundaries()):
        route = route_tip(session, category_code="drugs", lat=lat, lon=lon, location_text=None)
        if (route.queue_code, route.district_id) != (code, ids[code]):
            wrong.append(code)
    assert wrong == []


def test_single_and_bulk_routing_agree(boston: Flask, session: Session) -> None:
    points = inside_points(boston_boundaries(), per_district=5)
    points += [("outside", lat, lon) for lat, lon in OUTSIDE_POINTS]
    lats = np.array([p[1] for p in points])
    lons = np.array([p[2] for p in points])
    for category in (None, "homicide", "officer_conduct"):
        bulk = route_points(session, lats, lons, category_code=category)
        single = [
            plan_route(
                session,
                category_code=category,
                lat=lat,
                lon=lon,
                location_text=None,
                point_kind="point",
            )
            for _, lat, lon in points
        ]
        assert [(d.district_code, d.queue_code, d.reason) for d in bulk] == [
            (p.district_code, p.queue_code, p.reason) for p in single
        ]


def test_points_outside_the_city_go_to_triage(boston: Flask, session: Session) -> None:
    for lat, lon in OUTSIDE_POINTS:
        route = route_tip(session, category_code="theft", lat=lat, lon=lon, location_text=None)
        assert route.queue_code == "triage" and route.district_id is None
        assert route.reason == "Map pin is outside every district; triage."


def test_place_text_routes_through_the_gazetteer(boston: Flask, session: Session) -> None:
    route = route_tip(
        session,
        category_code="drugs",
        lat=None,
        lon=None,
        location_text="near the pond in Jamaica Plain",
    )
    assert route.queue_code == "E13"
    assert route.location_source == "gazetteer"
    assert route.reason == "Place 'Jamaica Plain' is in district E13."


def test_category_overrides_keep_the_district(boston: Flask, session: Session) -> None:
    code, lat, lon = inside_points(boston_boundaries(), per_district=0)[3]
    homicide = route_tip(session, category_code="homicide", lat=lat, lon=lon, location_text=None)
    assert homicide.queue_code == "homicide" and homicide.district_id is not None
    conduct = route_tip(
        session, category_code="officer_conduct", lat=lat, lon=lon, location_text=None
    )
    assert conduct.queue_code == "oversight"
    assert conduct.reason.startswith("Category officer_conduct goes to the oversight queue")
    assert f"district {code}" in conduct.reason


def test_a_switched_off_queue_sends_tips_to_triage_saying_why(
    boston: Flask, session: Session
) -> None:
    code, lat, lon = inside_points(boston_boundaries(), per_district=0)[0]
    queue = session.scalar(select(Queue).where(Queue.code == code))
    assert queue is not None
    queue.is_active = False
    session.flush()
    route = route_tip(session, category_code="theft", lat=lat, lon=lon, location_text=None)
    assert route.queue_code == "triage"
    assert route.reason.endswith(f"Queue {code} does not exist; sent to triage.")
    bulk = route_points(session, [lat], [lon])
    assert bulk[0].queue_code == "triage"


def test_load_districts_refuses_codes_of_unit_queues(demo_city: Flask, session: Session) -> None:
    clash = Boundary(code="oversight", name="Oversight", geometry=box(-71.1, 42.3, -71.0, 42.4))
    with pytest.raises(DistrictLoadError, match="oversight"):
        load_districts(session, [clash])
    too_long = Boundary(code="X" * 33, name="Long", geometry=box(-71.1, 42.3, -71.0, 42.4))
    with pytest.raises(DistrictLoadError, match="longer than 32"):
        load_districts(session, [too_long])
    with pytest.raises(DistrictLoadError, match="no districts"):
        load_districts(session, [])


def test_load_districts_deactivates_the_missing_ones(demo_city: Flask, session: Session) -> None:
    loaded = load_districts(session, boston_boundaries()[:3])
    assert (loaded.created, loaded.updated, loaded.deactivated) == (3, 0, 4)
    again = load_districts(session, boston_boundaries()[1:3])
    assert (again.created, again.updated, again.deactivated) == (0, 2, 1)
    active = set(session.scalars(select(District.code).where(District.is_active.is_(True))))
    assert active == {b.code for b in boston_boundaries()[1:3]}
