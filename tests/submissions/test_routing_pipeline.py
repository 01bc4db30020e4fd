"""Tips submitted through the public API land in the right Boston queue (real boundary files)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.extensions import db, get_keyring
from intake.models import Tip
from tests.routing.reference_city import (
    OUTSIDE_POINTS,
    boston_boundaries,
    inside_points,
    kept_reference_tables,
    load_boston,
)

DRUGS = "Two men are selling heroin out of a grey van most nights, it has been going on for weeks."


@pytest.fixture
def boston(app: Flask) -> Iterator[Flask]:
    """Boston loaded through the CLI; the demo city comes back after the test."""
    with kept_reference_tables(app):
        load_boston(app)
        yield app


@pytest.fixture
def api(boston: Flask, make_app: Any) -> Iterator[FlaskClient]:
    """A client of an app without rate limits: these tests submit many tips from one client."""
    unlimited: Flask = make_app(ratelimit_enabled=False)
    yield unlimited.test_client()
    # Close its pooled connections now: left to the garbage collector, PostgreSQL ones warn.
    with unlimited.app_context():
        db.session.remove()
        db.engine.dispose()


def _submit(api: FlaskClient, **body: Any) -> dict[str, Any]:
    response = api.post("/api/v1/tips", json={"narrative": DRUGS, **body})
    assert response.status_code == 201, response.get_json()
    created: dict[str, Any] = response.get_json()
    return created


@dataclass(frozen=True)
class Stored:
    """What was stored on a tip, as a detective would see it."""

    queue: str
    district: str | None
    routing_reason: str
    location_source: str | None
    language: str
    urgency: str


def _stored(session: Session, created: dict[str, Any]) -> Stored:
    tip = session.scalar(select(Tip).where(Tip.tip_number == created["tip_number"]))
    assert tip is not None
    stored = Stored(
        queue=tip.queue.code,
        district=tip.district.code if tip.district else None,
        routing_reason=tip.routing_reason.read(get_keyring()),
        location_source=tip.location_source,
        language=tip.language,
        urgency=tip.urgency,
    )
    # End the read: on SQLite every transaction takes the write lock the next submission needs.
    session.rollback()
    return stored


def test_every_point_well_inside_a_district_lands_in_its_queue(
    api: FlaskClient, session: Session
) -> None:
    wrong = []
    for code, lat, lon in inside_points(boston_boundaries(), per_district=3, seed=11):
        tip = _stored(session, _submit(api, location={"lat": lat, "lon": lon}))
        if (tip.queue, tip.district) != (code, code):
            wrong.append((code, tip.queue, tip.district))
    assert wrong == []


def test_points_outside_the_city_go_to_triage(api: FlaskClient, session: Session) -> None:
    for lat, lon in OUTSIDE_POINTS:
        tip = _stored(session, _submit(api, location={"lat": lat, "lon": lon}))
        assert tip.queue == "triage" and tip.district is None
        assert tip.routing_reason == "Map pin is outside every district; triage."


def test_place_text_routes_to_its_district(api: FlaskClient, session: Session) -> None:
    created = _submit(api, location={"text": "near the pond in Jamaica Plain"})
    tip = _stored(session, created)
    assert tip.queue == "E13" and tip.district == "E13"
    assert tip.routing_reason == "Place 'Jamaica Plain' is in district E13."
    assert tip.location_source == "gazetteer"


def test_homicide_goes_to_the_homicide_unit(api: FlaskClient, session: Session) -> None:
    code, lat, lon = inside_points(boston_boundaries(), per_district=0)[7]
    created = _submit(
        api,
        narrative="My neighbor was murdered last night and I know who killed him, "
        "it was the guy from the corner store",
        location={"lat": lat, "lon": lon},
    )
    assert created["category"] == "homicide"
    tip = _stored(session, created)
    assert tip.queue == "homicide"
    assert tip.district == code


def test_officer_conduct_goes_to_oversight_even_inside_a_district(
    api: FlaskClient, session: Session
) -> None:
    code, lat, lon = inside_points(boston_boundaries(), per_district=0)[2]
    created = _submit(
        api,
        narrative="An officer from the station pushed my son and called him names during a "
        "traffic stop, I want to file a complaint",
        location={"lat": lat, "lon": lon},
    )
    assert created["category"] == "officer_conduct"
    tip = _stored(session, created)
    assert tip.queue == "oversight"
    assert tip.district == code
    assert tip.routing_reason.startswith("Category officer_conduct goes to the oversight queue")


def test_spanish_emergency_is_told_to_call_911_in_spanish(
    api: FlaskClient, session: Session
) -> None:
    code, lat, lon = inside_points(boston_boundaries(), per_district=0)[4]
    created = _submit(
        api,
        narrative="Mi vecino tiene una pistola y dice que va a matar a su esposa ahorita, "
        "esta gritando",
        location={"lat": lat, "lon": lon},
    )
    assert created["urgency"] == "emergency"
    assert "llame al 911" in created["emergency_advice"]
    tip = _stored(session, created)
    assert tip.language == "es" and tip.urgency == "emergency"
    assert tip.queue == code
