"""Routing a tip against the districts and places in the database."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.models import Category, District, Place, Queue, utcnow
from intake.routing.gazetteer import Gazetteer
from intake.routing.gazetteer import Place as GazetteerPlace
from intake.routing.geo import Boundary, DistrictIndex, geometry_from_geojson
from intake.routing.rules import TRIAGE_QUEUE, decide_route


class RoutingError(Exception):
    """Routing cannot run at all (no triage queue): the database was not initialised."""


@dataclass(frozen=True)
class Route:
    """Where a tip goes and why, with the point it was routed on."""

    queue: Queue
    district_id: int | None
    reason: str
    lat: float | None
    lon: float | None
    location_source: str | None


@dataclass
class _Cache:
    version: tuple[object, ...] | None = None
    index: DistrictIndex | None = None
    district_ids: dict[str, int] | None = None
    gazetteer: Gazetteer | None = None


POINT_LABELS = {
    "pin": "map pin",
    "shared": "shared location",
    "coordinates": "coordinates in the message",
}

_cache = _Cache()
_cache_lock = threading.Lock()


def _version(session: Session) -> tuple[object, ...]:
    districts = session.execute(
        select(func.count(District.id), func.max(District.updated_at)).where(
            District.is_active.is_(True)
        )
    ).one()
    places = session.execute(select(func.count(Place.id), func.max(Place.id))).one()
    bind = session.get_bind()
    return (str(bind.url), *districts, *places)


def _load(session: Session) -> _Cache:
    """The district index and gazetteer, rebuilt only when the tables changed."""
    version = _version(session)
    with _cache_lock:
        if _cache.version == version:
            return _cache
        districts = session.scalars(select(District).where(District.is_active.is_(True))).all()
        boundaries = [
            Boundary(code=d.code, name=d.name, geometry=geometry_from_geojson(d.boundary_geojson))
            for d in districts
        ]
        places = session.scalars(select(Place)).all()
        _cache.index = DistrictIndex.build(boundaries)
        _cache.district_ids = {d.code: d.id for d in districts}
        _cache.gazetteer = Gazetteer(
            [
                GazetteerPlace(
                    name=p.name,
                    kind=p.kind,
                    lat=p.lat,
                    lon=p.lon,
                    geometry=shapely.from_geojson(p.geometry_geojson)
                    if p.geometry_geojson
                    else None,
                )
                for p in places
            ]
        )
        _cache.version = version
        return _cache


def district_index(session: Session) -> DistrictIndex:
    """The current district index (cached across requests)."""
    index = _load(session).index
    assert index is not None
    return index


def category_overrides(session: Session) -> dict[str, str]:
    """Category code -> queue code, for categories that skip district routing."""
    rows = session.execute(
        select(Category.code, Category.queue_code).where(Category.queue_code.is_not(None))
    ).all()
    return {code: queue for code, queue in rows if queue}


def route_tip(
    session: Session,
    *,
    category_code: str | None,
    lat: float | None,
    lon: float | None,
    location_text: str | None,
    point_kind: str = "pin",
) -> Route:
    """Decide the queue of a tip. Never refuses: anything unroutable goes to triage.

    ``point_kind`` says where a given point came from: "pin" (form), "shared" (a location shared
    in a message) or "coordinates" (written in the text).
    """
    cache = _load(session)
    assert cache.index is not None and cache.gazetteer is not None
    source: str | None = None
    location_source: str | None = None
    if lat is not None and lon is not None:
        source, location_source = POINT_LABELS.get(point_kind, point_kind), point_kind
    elif location_text:
        match = cache.gazetteer.match(location_text)
        if match is not None:
            lat, lon = match.place.lat, match.place.lon
            source, location_source = f"place '{match.place.name}'", "gazetteer"
    district_code = cache.index.locate(lat, lon) if lat is not None and lon is not None else None
    decision = decide_route(
        category=category_code,
        district_code=district_code,
        point_source=source,
        category_overrides=category_overrides(session),
    )
    queue = session.scalar(
        select(Queue).where(Queue.code == decision.queue_code, Queue.is_active.is_(True))
    )
    reason = decision.reason
    if queue is None:
        queue = session.scalar(select(Queue).where(Queue.code == TRIAGE_QUEUE))
        reason = f"{reason} Queue {decision.queue_code} does not exist; sent to triage."
    if queue is None:
        raise RoutingError("there is no triage queue: run `flask intake init` first")
    district_id = (cache.district_ids or {}).get(district_code) if district_code else None
    return Route(
        queue=queue,
        district_id=district_id,
        reason=reason[:300],
        lat=lat,
        lon=lon,
        location_source=location_source,
    )


def upsert_districts(session: Session, boundaries: list[Boundary]) -> tuple[int, int]:
    """Create or update districts and their queues; tips keep their queue. Returns counts."""
    from intake.routing.geo import geometry_to_geojson

    created = updated = 0
    for boundary in boundaries:
        district = session.scalar(select(District).where(District.code == boundary.code))
        min_lon, min_lat, max_lon, max_lat = boundary.geometry.bounds
        values = {
            "name": boundary.name or boundary.code,
            "boundary_geojson": geometry_to_geojson(boundary.geometry),
            "min_lon": min_lon,
            "min_lat": min_lat,
            "max_lon": max_lon,
            "max_lat": max_lat,
            "is_active": True,
        }
        if district is None:
            district = District(code=boundary.code, **values)
            session.add(district)
            created += 1
        else:
            for name, value in values.items():
                setattr(district, name, value)
            district.updated_at = utcnow()
            updated += 1
        session.flush()
        queue = session.scalar(select(Queue).where(Queue.code == boundary.code))
        if queue is None:
            session.add(
                Queue(
                    code=boundary.code,
                    name=f"District {boundary.name or boundary.code}",
                    kind="district",
                    district_id=district.id,
                )
            )
        else:
            queue.district_id, queue.is_active = district.id, True
    session.flush()
    return created, updated


def replace_places(session: Session, places: list[GazetteerPlace], source: str) -> int:
    """Replace the gazetteer entries that came from ``source`` with ``places``."""
    from sqlalchemy import delete

    from intake.routing.gazetteer import normalise_tokens
    from intake.routing.geo import geometry_to_geojson

    session.execute(delete(Place).where(Place.source == source))
    for place in places:
        session.add(
            Place(
                name=place.name,
                normalized_name=" ".join(normalise_tokens(place.name))[:200],
                kind=place.kind,
                lat=place.lat,
                lon=place.lon,
                source=source,
                geometry_geojson=geometry_to_geojson(place.geometry)
                if place.geometry is not None and place.geometry.geom_type != "Point"
                else None,
            )
        )
    session.flush()
    return len(places)
