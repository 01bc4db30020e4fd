"""Two apps in one process keep their own state (app.extensions["intake"]).

The tests build many apps (other settings, another city); nothing one of them decides may change
what another sees: cache periods, caches, outbox senders, blueprints and their guards, the
OpenAPI document, the audit chain's hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from intake import reference
from intake.audit.service import _append_pending, record_event
from intake.crypto import Keyring
from intake.extensions import db
from intake.models import AuditEvent, Category, OutboxMessage
from intake.outbound.senders import SendResult, register_sender
from intake.outbound.worker import drain_once
from intake.routing.service import RoutePlan, plan_route
from intake.state import state_of
from tests.routing.reference_city import boston_boundaries, inside_points, kept_reference_tables
from tests.routing.reference_city import load_boston as load_boston_through_the_cli

MakeApp = Callable[..., Flask]


def _plan(app: Flask, lat: float, lon: float) -> RoutePlan:
    with app.app_context():
        plan = plan_route(
            db.session, category_code=None, lat=lat, lon=lon, location_text=None, point_kind="point"
        )
        db.session.rollback()
    return plan


def test_another_apps_cache_period_does_not_hide_a_category_change(
    app: Flask, make_app: MakeApp
) -> None:
    make_app(reference_cache_seconds=3600)  # built after: its period must stay its own
    with kept_reference_tables(app), app.app_context():
        assert "drugs" in reference.snapshot(db.session).active_categories
        db.session.execute(update(Category).where(Category.code == "drugs").values(is_active=False))
        db.session.commit()
        # This app trusts a read for 0 seconds (REFERENCE_CACHE_SECONDS in the tests).
        assert "drugs" not in reference.snapshot(db.session).active_categories


def test_one_apps_city_is_routed_on_whatever_another_app_has_cached(
    app: Flask, make_app: MakeApp
) -> None:
    cached = make_app(reference_cache_seconds=3600)
    code, lat, lon = inside_points(boston_boundaries(), per_district=1)[0]
    with kept_reference_tables(app):
        # The other app reads the demo city (Port Alder: nothing there) and keeps it for an hour.
        assert _plan(cached, lat, lon).district_code is None
        load_boston_through_the_cli(app)
        # This app sees the city it just loaded at once ...
        assert _plan(app, lat, lon).district_code == code
        # ... and its invalidation is not the other app's, which keeps its read for its hour.
        assert _plan(cached, lat, lon).district_code is None


def test_a_sender_registered_in_one_app_delivers_nothing_in_another(
    app: Flask, make_app: MakeApp, session: Session, keyring: Keyring
) -> None:
    handed: list[int] = []

    def probe(_session: Session, _keyring: Keyring, row: OutboxMessage) -> SendResult:
        handed.append(row.id)
        return SendResult()

    other = make_app()
    with other.app_context():
        register_sender("probe", probe)
    row = OutboxMessage(kind="reply", channel="probe")
    session.add(row)
    session.commit()
    assert drain_once(session, keyring) == 1
    session.refresh(row)
    assert handed == []
    assert (row.status, row.last_error) == ("failed", "no sender is configured for channel probe")
    # Both apps deliver the same channels, each through its own registry.
    assert set(state_of(app).senders) == set(state_of(other).senders) - {"probe"}


def test_apps_share_no_blueprint_and_each_has_its_own_api(app: Flask, make_app: MakeApp) -> None:
    other = make_app()
    shared = sorted(name for name, bp in app.blueprints.items() if other.blueprints.get(name) is bp)
    assert shared == []
    assert set(app.blueprints) == set(other.blueprints)
    mine, theirs = state_of(app).api, state_of(other).api
    assert mine is not None and theirs is not None and mine is not theirs
    assert mine.spec.to_dict()["paths"] == theirs.spec.to_dict()["paths"]
    # Each app's staff routes keep their guard (added to its own blueprints).
    for client in (app.test_client(), other.test_client()):
        assert client.get("/api/v1/staff/queues").status_code == 401
        assert client.get("/staff/").status_code == 302


def test_the_audit_hooks_are_on_the_apps_sessions_not_on_every_session(app: Flask) -> None:
    def count(action: str) -> Any:
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        return db.session.scalar(query)

    assert not sa_event.contains(Session, "before_commit", _append_pending)
    with app.app_context():
        with Session(db.engine) as outside:  # some other library's session on the same engine
            record_event(outside, "test.outside")
            outside.commit()
        record_event(db.session, "test.inside")
        db.session.commit()
        assert (count("test.outside"), count("test.inside")) == (0, 1)


def test_one_apps_retention_check_does_not_postpone_anothers(
    app: Flask, make_app: MakeApp, session: Session
) -> None:
    from intake.lifecycle.service import run_daily_retention
    from intake.models import LifecycleRun

    other = make_app()
    with other.app_context():
        # The other app's worker looked (and ran retention): it waits ten minutes to look again.
        assert run_daily_retention(db.session(), state_of(other).settings)
        assert state_of(other).next_retention_check > 0
        assert not run_daily_retention(db.session(), state_of(other).settings)
    # A day on (its record gone), this app has not looked yet: it looks now and runs it, though
    # the other app's ten minutes are not over.
    session.execute(LifecycleRun.__table__.delete())
    session.commit()
    assert run_daily_retention(session, state_of(app).settings)
    assert session.scalar(select(func.count()).select_from(LifecycleRun)) == 1
    with other.app_context():
        assert not run_daily_retention(db.session(), state_of(other).settings)
