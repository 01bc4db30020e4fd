"""`flask intake districts|places|streets|route ...`: boundaries, the gazetteer, routing by hand.

Errors name files, features and district codes, never coordinates; routed points are written to
standard output for the operator who sent them and never logged.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import NoReturn

import click
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake import reference
from intake.extensions import db
from intake.models import Category, District, Place, Queue, Tip
from intake.models.geography import StreetSegment as StreetSegmentRow
from intake.routing.gazetteer import Gazetteer, PlaceFileError, load_places
from intake.routing.geo import BoundaryFileError, load_boundaries, parse_points
from intake.routing.rules import RouteDecision
from intake.routing.service import (
    DistrictLoadError,
    RoutePlan,
    RoutingError,
    load_districts,
    plan_route,
    replace_places,
    replace_street_segments,
    route_points,
)
from intake.routing.streets import StreetFileError, load_street_segments
from intake.unit_of_work import unit_of_work

# This feature's commands under `flask intake`: intake.cli imports this module and adds them
# (one way, so no feature CLI imports intake.cli).
intake_cli = AppGroup("intake")

log = logging.getLogger(__name__)

districts_cli = AppGroup("districts", help="District boundaries and their queues.")
places_cli = AppGroup("places", help="The gazetteer: neighbourhoods, landmarks, intersections.")
streets_cli = AppGroup("streets", help="Street centrelines: crossings and addresses from lines.")
intake_cli.add_command(districts_cli)
intake_cli.add_command(places_cli)
intake_cli.add_command(streets_cli)

BAD_LINE_ERROR = "expected 'lat,lon' in decimal degrees"


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _session() -> Session:
    session: Session = db.session()
    return session


# --------------------------------------------------------------------------- districts


@districts_cli.command("load")
@click.argument("path", metavar="FILE.geojson", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--code-property", required=True, help="Feature property holding the code.")
@click.option("--name-property", help="Feature property holding the name (default: the code).")
def districts_load(path: Path, code_property: str, name_property: str | None) -> None:
    """Make FILE's districts the active ones; districts not in FILE are deactivated, not deleted."""
    try:
        with unit_of_work(_session()) as session:
            boundaries = load_boundaries(path, code_property, name_property)
            loaded = load_districts(session, boundaries)
    except (BoundaryFileError, DistrictLoadError) as exc:
        _fail(str(exc))
    reference.invalidate()  # new district queues are routable in this process at once
    log.info(
        "districts loaded: %d created, %d updated, %d deactivated",
        loaded.created,
        loaded.updated,
        loaded.deactivated,
    )
    click.echo(
        f"Loaded {len(boundaries)} districts from {path.name}: {loaded.created} created, "
        f"{loaded.updated} updated, {loaded.deactivated} deactivated "
        "(deactivated districts keep their queues and tips)."
    )


@districts_cli.command("list")
def districts_list() -> None:
    """List districts: code, state, open tips and name."""
    session = _session()
    tips = dict(
        session.execute(
            select(Tip.district_id, func.count(Tip.id))
            .where(Tip.district_id.is_not(None))
            .group_by(Tip.district_id)
        ).all()
    )
    rows = session.scalars(select(District).order_by(District.code)).all()
    if not rows:
        click.echo("No districts: load some with `flask intake districts load FILE.geojson`.")
        return
    queues = set(session.scalars(select(Queue.code).where(Queue.is_active.is_(True))))
    width = max(len(d.code) for d in rows)
    click.echo(f"{'code'.ljust(width)}  state     queue  tips  name")
    for district in rows:
        state = "active" if district.is_active else "inactive"
        queue = "yes" if district.code in queues else "no"
        click.echo(
            f"{district.code.ljust(width)}  {state:<8}  {queue:<5}  {tips.get(district.id, 0):>4}"
            f"  {district.name}"
        )


# --------------------------------------------------------------------------- places


@places_cli.command("load")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name-property", help="GeoJSON property holding the name (default name/Name).")
@click.option(
    "--source",
    help="Label of this set of places; loading the same label again replaces it "
    "(default: the file name).",
)
def places_load(path: Path, name_property: str | None, source: str | None) -> None:
    """Load places from GeoJSON (points, lines, polygons) or CSV name,lat,lon[,kind]."""
    label = (source or path.name).strip()[:120]
    if not label:
        _fail("--source must not be empty")
    session = _session()
    try:
        places = load_places(path, name_property=name_property)
    except PlaceFileError as exc:
        _fail(str(exc))
    with unit_of_work(session):
        count = replace_places(session, places, source=label)
    log.info("places loaded: %d", count)
    click.echo(f"Loaded {count} places from {path.name} as source {label!r}.")


@places_cli.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
def places_list(limit: int) -> None:
    """List gazetteer places: name, kind, point and source."""
    session = _session()
    total = session.scalar(select(func.count(Place.id))) or 0
    rows = session.scalars(select(Place).order_by(Place.source, Place.name).limit(limit)).all()
    for place in rows:
        click.echo(
            f"{place.name}  [{place.kind}]  {place.lat:.5f},{place.lon:.5f}  ({place.source})"
        )
    click.echo(f"{len(rows)} of {total} places shown.")


# --------------------------------------------------------------------------- streets


@streets_cli.command("load")
@click.argument("path", metavar="FILE.geojson", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name-property", required=True, help="Feature property holding the street name.")
@click.option(
    "--address-properties",
    help="Comma-separated properties with house-number ranges: FROM,TO or "
    "FROM_LEFT,TO_LEFT,FROM_RIGHT,TO_RIGHT (default: recognised names, else none).",
)
@click.option(
    "--source",
    help="Label of this set of streets; loading the same label again replaces it "
    "(default: the file name).",
)
def streets_load(
    path: Path, name_property: str, address_properties: str | None, source: str | None
) -> None:
    """Load a city's street centrelines (GeoJSON LineStrings); intersections come from the lines."""
    label = (source or path.name).strip()[:120]
    if not label:
        _fail("--source must not be empty")
    wanted = [p.strip() for p in address_properties.split(",")] if address_properties else None
    try:
        segments = load_street_segments(path, name_property, wanted)
    except StreetFileError as exc:
        _fail(str(exc))
    session = _session()
    with unit_of_work(session):
        count = replace_street_segments(session, segments, source=label)
    index = Gazetteer([], segments=segments).streets
    addressed = sum(1 for s in segments if s.ranges())
    crossings = index.crossing_count()
    log.info("street segments loaded: %d", count)
    click.echo(
        f"Loaded {count} street segments from {path.name} as source {label!r}: "
        f"{len(index)} streets, {crossings} street crossings, "
        f"{addressed} segments with house numbers."
    )


@streets_cli.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
def streets_list(limit: int) -> None:
    """List streets: name, segments and source."""
    session = _session()
    rows = session.execute(
        select(StreetSegmentRow.name, StreetSegmentRow.source, func.count(StreetSegmentRow.id))
        .group_by(StreetSegmentRow.name, StreetSegmentRow.source)
        .order_by(StreetSegmentRow.source, StreetSegmentRow.name)
        .limit(limit)
    ).all()
    for name, label, segments in rows:
        click.echo(f"{name}  [{segments} segments]  ({label})")
    total = session.scalar(select(func.count(func.distinct(StreetSegmentRow.name)))) or 0
    click.echo(f"{len(rows)} of {total} streets shown.")


# --------------------------------------------------------------------------- route


def _decision_dict(district_code: str | None, queue_code: str, reason: str) -> dict[str, object]:
    return {"district": district_code, "queue": queue_code, "reason": reason}


def _plan_dict(plan: RoutePlan, with_place: bool) -> dict[str, object]:
    """A route plan as JSON; for a place text, also what was found and by which rule."""
    result = _decision_dict(plan.district_code, plan.queue_code, plan.reason)
    if with_place:
        result.update(place=plan.place_name, rule=plan.rule, candidates=list(plan.candidates))
    return result


def _route_text_stream(session: Session, category: str | None) -> None:
    """Route every line of stdin as a place text; print one JSON object per line, in order."""
    count = 0
    for line in sys.stdin.read().splitlines():
        text = line.strip()
        if not text:
            click.echo(json.dumps({"line": count + 1, "error": "empty line"}))
        else:
            plan = plan_route(
                session,
                category_code=category,
                lat=None,
                lon=None,
                location_text=text,
                point_kind="point",
            )
            click.echo(json.dumps({"text": text, **_plan_dict(plan, with_place=True)}))
        count += 1
    click.echo(f"Routed {count} place texts.", err=True)


def _route_stream(session: Session, category: str | None) -> None:
    """Route every `lat,lon` line of stdin at once; print one JSON object per line, in order."""
    started, started_cpu = time.perf_counter(), time.process_time()
    text = sys.stdin.read()
    lines = text.splitlines()
    if not lines:
        return
    lats, lons, bad = parse_points(lines)
    decisions = route_points(session, lats, lons, category_code=category)
    # A city has tens of districts: serialise each distinct decision once, then reuse the text.
    serialised: dict[int, str] = {}

    def dump(decision: RouteDecision) -> str:
        line = json.dumps(
            _decision_dict(decision.district_code, decision.queue_code, decision.reason)
        )
        serialised[id(decision)] = line
        return line

    out = [serialised.get(id(d)) or dump(d) for d in decisions]
    for number in bad:
        out[number - 1] = json.dumps({"line": number, "error": BAD_LINE_ERROR})
    stdout = sys.stdout
    stdout.write("\n".join(out))
    stdout.write("\n")
    stdout.flush()
    elapsed_ms = (time.perf_counter() - started) * 1000
    cpu_ms = (time.process_time() - started_cpu) * 1000
    log.info("routed %d points (%d bad lines) in %.0f ms", len(out), len(bad), elapsed_ms)
    click.echo(
        f"Routed {len(out) - len(bad)} points; {len(bad)} bad lines; "
        f"{elapsed_ms:.0f} ms (cpu {cpu_ms:.0f} ms).",
        err=True,
    )


@intake_cli.command("route")
@click.argument("source", required=False, metavar="[-]")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--lat", type=click.FloatRange(-90, 90), help="Latitude in decimal degrees.")
@click.option("--lon", type=click.FloatRange(-180, 180), help="Longitude in decimal degrees.")
@click.option(
    "--text",
    "location_text",
    help="A place, as a tipster would write it; `--text -` reads one place text per line.",
)
@click.option("--category", help="Category code (a category may override the district).")
def route_command(
    source: str | None,
    as_json: bool,
    lat: float | None,
    lon: float | None,
    location_text: str | None,
    category: str | None,
) -> None:
    """Print district, queue and reason for a point or a place; `-` routes lat,lon lines of stdin.

    For a place text it also prints the place found, the rule that found it and, when the text
    was ambiguous, every candidate; `--text -` routes one place text per line of stdin. Uses
    the same decision as tips get when they are submitted.
    """
    session = _session()
    if category is not None and session.get(Category, category) is None:
        _fail(f"there is no category {category!r} (see `flask intake categories list`)")
    has_point = lat is not None or lon is not None
    if source is not None:
        if source != "-":
            _fail("the only argument accepted is '-' (read lat,lon lines from standard input)")
        if has_point or location_text is not None:
            _fail("give '-' or --lat/--lon or --text, not several")
        try:
            _route_stream(session, category)
        except RoutingError as exc:
            _fail(str(exc))
        return
    if location_text == "-" and not has_point:
        try:
            _route_text_stream(session, category)
        except RoutingError as exc:
            _fail(str(exc))
        return
    if has_point and (lat is None or lon is None):
        _fail("give both --lat and --lon")
    if has_point == (location_text is not None):
        _fail("give either --lat and --lon, or --text (or '-' to read lat,lon lines)")
    try:
        plan = plan_route(
            session,
            category_code=category,
            lat=lat,
            lon=lon,
            location_text=location_text,
            point_kind="point",
        )
    except RoutingError as exc:
        _fail(str(exc))
    with_place = location_text is not None
    if as_json:
        click.echo(json.dumps(_plan_dict(plan, with_place)))
        return
    click.echo(f"district: {plan.district_code or '-'}")
    click.echo(f"queue:    {plan.queue_code}")
    click.echo(f"reason:   {plan.reason}")
    if with_place:
        click.echo(f"place:    {plan.place_name or '-'}")
        click.echo(f"rule:     {plan.rule or 'none matched'}")
        for candidate in plan.candidates if len(plan.candidates) > 1 else ():
            click.echo(f"  candidate: {candidate}")
