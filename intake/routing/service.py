"""Routing a tip against the districts and places in the database."""

from __future__ import annotations

from dataclasses import dataclass

import numpy.typing as npt
import shapely
import shapely.errors
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake import reference
from intake.models import District, Place, Queue, utcnow
from intake.models.geography import StreetSegment as StreetSegmentRow
from intake.routing.gazetteer import Gazetteer, Resolution, normalise_tokens
from intake.routing.gazetteer import Place as GazetteerPlace
from intake.routing.geo import Boundary, DistrictIndex, geometry_from_geojson, geometry_to_geojson
from intake.routing.rules import (
    TRIAGE_QUEUE,
    RouteDecision,
    ambiguity_sentence,
    decide_route,
    decide_routes,
)
from intake.routing.streets import StreetSegment
from intake.state import current_state


class RoutingError(Exception):
    """Routing cannot run at all (no triage queue): the database was not initialised."""


@dataclass(frozen=True)
class Route:
    """Where a tip goes and why, with the point it was routed on."""

    queue_id: int
    queue_code: str
    district_id: int | None
    reason: str
    lat: float | None
    lon: float | None
    location_source: str | None
    # How a location text was read (empty for a point): the gazetteer place used, the rule that
    # found it, and every place it may mean when it was ambiguous (names only, never the text).
    place_name: str | None = None
    rule: str | None = None
    candidates: tuple[str, ...] = ()


@dataclass
class _Cache:
    version: tuple[object, ...] | None = None
    index: DistrictIndex | None = None
    district_ids: dict[str, int] | None = None
    gazetteer: Gazetteer | None = None
    street_districts: dict[tuple[str, float, float], tuple[str | None, ...]] | None = None


POINT_LABELS = {
    "pin": "map pin",
    "shared": "shared location",
    "coordinates": "coordinates in the message",
    "point": "point",
}


def _version(session: Session) -> tuple[object, ...]:
    districts = session.execute(
        select(func.count(District.id), func.max(District.updated_at)).where(
            District.is_active.is_(True)
        )
    ).one()
    places = session.execute(select(func.count(Place.id), func.max(Place.id))).one()
    segments = session.execute(
        select(func.count(StreetSegmentRow.id), func.max(StreetSegmentRow.id))
    ).one()
    bind = session.get_bind()
    return (str(bind.engine.url), *districts, *places, *segments)


def _stored_boundary(text: str) -> Polygon | MultiPolygon:
    """A stored boundary: GEOS reads it directly (3x faster than via json); repaired if need be.

    Boundaries were repaired when loaded, so the slow path only runs on rows written otherwise.
    """
    try:
        geometry = shapely.from_geojson(text)
    except shapely.errors.GEOSException:
        geometry = None
    if isinstance(geometry, Polygon | MultiPolygon) and geometry.is_valid:
        return geometry
    return geometry_from_geojson(text)


def _load(session: Session) -> _Cache:
    """The district index and gazetteer, rebuilt only when the tables changed.

    Kept in the app's caches: whether the tables changed is checked once the entry is stale
    (REFERENCE_CACHE_SECONDS, or an invalidation).
    """
    caches = current_state().caches
    key = ("routing", str(session.get_bind().engine.url))
    fresh: _Cache | None = caches.fresh(key)
    if fresh is not None:
        return fresh
    version = _version(session)
    with caches.lock:
        known: _Cache | None = caches.stale(key)
        if known is not None and known.version == version:
            caches.store(key, known)
            return known
        districts = session.scalars(select(District).where(District.is_active.is_(True))).all()
        boundaries = [
            Boundary(code=d.code, name=d.name, geometry=_stored_boundary(d.boundary_geojson))
            for d in districts
        ]
        places = session.scalars(select(Place)).all()
        cache = _Cache(
            version=version,
            index=DistrictIndex.build(boundaries),
            district_ids={d.code: d.id for d in districts},
            gazetteer=Gazetteer(
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
                ],
                segments=_stored_segments(session),
            ),
            street_districts={},
        )
        caches.store(key, cache)
        return cache


def _stored_segments(session: Session) -> list[StreetSegment]:
    """Every stored street segment as the gazetteer reads them (GEOS parses the GeoJSON)."""
    rows = session.execute(
        select(
            StreetSegmentRow.name,
            StreetSegmentRow.geometry_geojson,
            StreetSegmentRow.from_left,
            StreetSegmentRow.to_left,
            StreetSegmentRow.from_right,
            StreetSegmentRow.to_right,
        ).order_by(StreetSegmentRow.id)
    ).all()
    if not rows:
        return []
    geometries = shapely.from_geojson([row.geometry_geojson for row in rows])
    return [
        StreetSegment(row.name, geometry, row.from_left, row.to_left, row.from_right, row.to_right)
        for row, geometry in zip(rows, geometries.tolist(), strict=True)
    ]


def district_index(session: Session) -> DistrictIndex:
    """The current district index (cached across requests)."""
    index = _load(session).index
    assert index is not None
    return index


def category_overrides(session: Session) -> dict[str, str]:
    """Category code -> queue code, for categories that skip district routing."""
    return reference.snapshot(session).category_overrides


@dataclass(frozen=True)
class RoutePlan:
    """Where a tip goes, by codes: what ``route_tip`` stores and `flask intake route` prints."""

    district_code: str | None
    queue_code: str
    reason: str
    lat: float | None
    lon: float | None
    location_source: str | None
    place_name: str | None = None
    rule: str | None = None
    candidates: tuple[str, ...] = ()


def _queue_codes(session: Session) -> frozenset[str]:
    """Codes of the queues a decision may name; triage counts even if switched off."""
    return frozenset(reference.snapshot(session).queue_ids)


def _settle(decision: RouteDecision, queue_codes: frozenset[str]) -> RouteDecision:
    """Send a decision naming a missing or inactive queue to triage, saying so in the reason."""
    reason = decision.reason
    queue_code = decision.queue_code
    if queue_code not in queue_codes:
        reason = f"{reason} Queue {queue_code} does not exist; sent to triage."
        queue_code = TRIAGE_QUEUE
    if TRIAGE_QUEUE not in queue_codes:
        raise RoutingError("there is no triage queue: run `flask intake init` first")
    return RouteDecision(
        district_code=decision.district_code, queue_code=queue_code, reason=reason[:300]
    )


def plan_route(
    session: Session,
    *,
    category_code: str | None,
    lat: float | None,
    lon: float | None,
    location_text: str | None,
    point_kind: str = "pin",
) -> RoutePlan:
    """Decide, by codes, where a tip goes: the single decision ``route_tip`` and the CLI share.

    ``point_kind`` says where a given point came from: "pin" (form), "shared" (a location shared
    in a message), "coordinates" (written in the text) or "point" (given to the CLI).
    """
    cache = _load(session)
    assert cache.index is not None and cache.gazetteer is not None
    source: str | None = None
    location_source: str | None = None
    ambiguity: str | None = None
    resolution: Resolution | None = None
    district_code: str | None = None
    if lat is not None and lon is not None:
        source, location_source = POINT_LABELS.get(point_kind, point_kind), point_kind
        district_code = cache.index.locate(lat, lon)
    elif location_text:
        resolution = cache.gazetteer.resolve(location_text)
        if resolution is not None:
            location_source = "gazetteer"
            district_code, lat, lon, source, ambiguity, resolution = read_resolution(
                cache.index, resolution, cache.street_districts
            )
    decision = decide_route(
        category=category_code,
        district_code=district_code,
        point_source=source,
        category_overrides=category_overrides(session),
        ambiguity=ambiguity,
    )
    settled = _settle(decision, _queue_codes(session))
    return RoutePlan(
        district_code=settled.district_code,
        queue_code=settled.queue_code,
        reason=settled.reason,
        lat=lat,
        lon=lon,
        location_source=location_source,
        place_name=resolution.place.name
        if resolution and len(resolution.candidates) == 1
        else None,
        rule=resolution.rule if resolution else None,
        candidates=tuple(c.name for c in resolution.candidates) if resolution else (),
    )


_RULE_LABELS = {
    "intersection": "intersection",
    "street crossing": "street crossing",
    "address": "address on",
    "block": "block on",
    "street": "street",
    "place": "place",
}


StreetDistricts = dict[tuple[str, float, float], tuple[str | None, ...]]


def _candidate_districts(
    index: DistrictIndex, candidate: GazetteerPlace, known: StreetDistricts
) -> tuple[str | None, ...]:
    """The districts a candidate lies in: one for a point, every one a street line enters."""
    if candidate.kind == "street" and candidate.geometry is not None:
        key = (candidate.name, candidate.lat, candidate.lon)
        found = known.get(key)
        if found is None:
            found = index.districts_along(candidate.geometry)
            if len(known) < 100_000:  # bounded; rebuilt with the gazetteer
                known[key] = found
        return found
    return (index.locate(candidate.lat, candidate.lon),)


def read_resolution(
    index: DistrictIndex, resolution: Resolution, street_districts: StreetDistricts | None = None
) -> tuple[str | None, float | None, float | None, str, str | None, Resolution]:
    """District, point, point source and ambiguity sentence for what the gazetteer found.

    Returns ``(district_code, lat, lon, point_source, ambiguity, used)`` for ``decide_route``;
    ``used`` is the resolution routed on (the area fallback, or the resolution itself).

    Routes only when every candidate lies in one and the same district: a wrong district is
    worse than triage. The point is kept only for a single point candidate (a street's
    midpoint is not where anything happened).
    """
    label = _RULE_LABELS.get(resolution.rule, resolution.rule)
    known = street_districts if street_districts is not None else {}
    per_candidate = [_candidate_districts(index, c, known) for c in resolution.candidates]
    codes = {code for found in per_candidate for code in found}
    if resolution.fallback is not None and (len(codes) != 1 or None in codes):
        # A street through several districts, and an area named too: the area decides, as it
        # did before streets were read ("on Washington St in Dorchester").
        return read_resolution(index, resolution.fallback, street_districts)
    first = resolution.candidates[0]
    is_point = len(resolution.candidates) == 1 and first.kind != "street"
    lat, lon = (first.lat, first.lon) if is_point else (None, None)
    if len(codes) == 1 and None not in codes:
        (district_code,) = codes
        if len(resolution.candidates) == 1:
            return district_code, lat, lon, f"{label} '{first.name}'", None, resolution
        names = ", ".join(sorted({f"'{c.name}'" for c in resolution.candidates}))
        return district_code, lat, lon, f"{label} {names} (all in one district)", None, resolution
    if codes == {None}:
        return None, lat, lon, f"{label} '{first.name}'", None, resolution  # outside all
    ambiguity = ambiguity_sentence(
        label,
        [(c.name, found) for c, found in zip(resolution.candidates, per_candidate, strict=True)],
    )
    return None, lat, lon, f"{label} '{first.name}'", ambiguity, resolution


def route_points(
    session: Session,
    lats: npt.ArrayLike,
    lons: npt.ArrayLike,
    *,
    category_code: str | None = None,
    point_kind: str = "point",
) -> list[RouteDecision]:
    """Route many points at once (re-routing history): one decision per point, in order.

    Vectorised: one ``locate_many`` over all points, and each distinct decision is made (and
    checked against the queues) once, so points in the same district share one decision object.
    A NaN point (a bad input line) is outside every district.
    """
    cache = _load(session)
    assert cache.index is not None
    decisions = decide_routes(
        cache.index.locate_many(lats, lons),
        category=category_code,
        point_source=POINT_LABELS.get(point_kind, point_kind),
        category_overrides=category_overrides(session),
    )
    queue_codes = _queue_codes(session)
    settled: dict[int, RouteDecision] = {}
    result = []
    for decision in decisions:
        final = settled.get(id(decision))
        if final is None:
            final = settled[id(decision)] = _settle(decision, queue_codes)
        result.append(final)
    return result


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
    plan = plan_route(
        session,
        category_code=category_code,
        lat=lat,
        lon=lon,
        location_text=location_text,
        point_kind=point_kind,
    )
    queue_id = reference.snapshot(session).queue_ids.get(plan.queue_code)
    if queue_id is None:  # queues are deactivated, never deleted; this is a broken database
        raise RoutingError(f"queue {plan.queue_code} has no row; run `flask intake init`")
    district_ids = _load(session).district_ids or {}
    district_id = district_ids.get(plan.district_code) if plan.district_code else None
    return Route(
        queue_id=queue_id,
        queue_code=plan.queue_code,
        district_id=district_id,
        reason=plan.reason,
        lat=plan.lat,
        lon=plan.lon,
        location_source=plan.location_source,
        place_name=plan.place_name,
        rule=plan.rule,
        candidates=plan.candidates,
    )


def upsert_districts(session: Session, boundaries: list[Boundary]) -> tuple[int, int]:
    """Create or update districts and their queues; tips keep their queue. Returns counts."""
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


class DistrictLoadError(ValueError):
    """A set of boundaries cannot be loaded; the message names the district code, never a point."""


@dataclass(frozen=True)
class DistrictLoad:
    """What loading a boundary file changed."""

    created: int
    updated: int
    deactivated: int


MAX_DISTRICT_CODE = 32  # District.code and Queue.code are String(32)


def load_districts(session: Session, boundaries: list[Boundary]) -> DistrictLoad:
    """Make ``boundaries`` the active districts: upsert them, deactivate the others.

    Districts missing from the new set are deactivated, never deleted, and their queues stay, so
    tips already routed there keep their district and queue and can still be worked.
    """
    if not boundaries:
        raise DistrictLoadError("no districts to load")
    codes = {b.code for b in boundaries}
    too_long = sorted(c for c in codes if len(c) > MAX_DISTRICT_CODE)
    if too_long:
        raise DistrictLoadError(
            f"district codes longer than {MAX_DISTRICT_CODE} characters: {', '.join(too_long)}"
        )
    # A district named like a unit queue would take that queue over (its tips, its detectives).
    clashes = sorted(
        session.scalars(select(Queue.code).where(Queue.code.in_(codes), Queue.kind != "district"))
    )
    if clashes:
        raise DistrictLoadError(
            f"district codes already used by non-district queues: {', '.join(clashes)}"
        )
    created, updated = upsert_districts(session, boundaries)
    stale = session.scalars(
        select(District).where(District.code.not_in(codes), District.is_active.is_(True))
    ).all()
    for district in stale:
        district.is_active = False
        district.updated_at = utcnow()
    session.flush()
    return DistrictLoad(created=created, updated=updated, deactivated=len(stale))


def replace_places(session: Session, places: list[GazetteerPlace], source: str) -> int:
    """Replace the gazetteer entries that came from ``source`` with ``places``."""
    from sqlalchemy import delete

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


def replace_street_segments(session: Session, segments: list[StreetSegment], source: str) -> int:
    """Replace the street segments that came from ``source`` with ``segments``."""
    from sqlalchemy import delete

    session.execute(delete(StreetSegmentRow).where(StreetSegmentRow.source == source))
    session.add_all(
        StreetSegmentRow(
            name=segment.name,
            normalized_name=" ".join(normalise_tokens(segment.name))[:200],
            geometry_geojson=geometry_to_geojson(segment.geometry),
            from_left=segment.from_left,
            to_left=segment.to_left,
            from_right=segment.from_right,
            to_right=segment.to_right,
            source=source,
        )
        for segment in segments
    )
    session.flush()
    return len(segments)
