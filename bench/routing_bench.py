"""Routing benchmark: district lookups, a fine-grained beat map and bulk re-routing.

Run from the repository root (see bench/README_routing.md):

    PYTHONPATH=. python bench/routing_bench.py [--points 100000] [--seed 1]

Every figure is measured in the same run as the baseline it is compared with, on the same points.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry

from intake.routing.geo import (
    Boundary,
    DistrictIndex,
    load_boundaries,
    parse_points,
    polygonal_part,
)
from intake.routing.rules import decide_routes

REPO_ROOT = Path(__file__).resolve().parents[1]
DISTRICTS_FILE = REPO_ROOT / "tests" / "data" / "boston_police_districts.geojson"

TARGET_SINGLE_PER_S = 20_000
TARGET_BEATS_RATIO = 10.0
TARGET_BULK_PER_S = 100_000


def _fresh(geometry: BaseGeometry) -> BaseGeometry:
    """An unprepared copy: the index prepares the geometries it is given in place."""
    return shapely.from_wkb(shapely.to_wkb(geometry))


def _random_points(
    boundaries: Sequence[Boundary], count: int, rng: np.random.Generator
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    minx, miny, maxx, maxy = shapely.total_bounds([b.geometry for b in boundaries])
    return rng.uniform(miny, maxy, count), rng.uniform(minx, maxx, count)


def _time_each(
    lookup: Callable[[float, float], str | None], lats: list[float], lons: list[float]
) -> tuple[list[str | None], float, list[int]]:
    """Run lookup on every point; return answers, total seconds and per-call nanoseconds."""
    answers: list[str | None] = []
    per_call: list[int] = []
    clock = time.perf_counter_ns
    start = time.perf_counter()
    for lat, lon in zip(lats, lons, strict=True):
        before = clock()
        answers.append(lookup(lat, lon))
        per_call.append(clock() - before)
    return answers, time.perf_counter() - start, per_call


def _naive_lookup(boundaries: Sequence[Boundary]) -> Callable[[float, float], str | None]:
    polygons = [(b.code, _fresh(b.geometry)) for b in sorted(boundaries, key=lambda b: b.code)]

    def lookup(lat: float, lon: float) -> str | None:
        point = Point(lon, lat)
        for code, polygon in polygons:
            if polygon.contains(point):
                return code
        return None

    return lookup


def _percentile(values: list[int], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1000.0


def _report_lookups(
    label: str, answers_s: float, count: int, per_call: list[int]
) -> dict[str, float]:
    rate = count / answers_s
    p50 = statistics.median(per_call) / 1000.0
    p99 = _percentile(per_call, 0.99)
    print(f"  {label:<28} {rate:>12,.0f} lookups/s   p50 {p50:8.1f} us   p99 {p99:8.1f} us")
    return {"per_s": rate, "p50_us": p50, "p99_us": p99}


def _verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def bench_single(boundaries: Sequence[Boundary], count: int, rng: np.random.Generator) -> bool:
    """(a) One lookup at a time on the 12 real districts, against a naive loop."""
    print(f"(a) single lookups, Boston police districts ({len(boundaries)} polygons)")
    index = DistrictIndex.build(boundaries)
    lat_array, lon_array = _random_points(boundaries, count, rng)
    lats, lons = lat_array.tolist(), lon_array.tolist()
    index.locate(lats[0], lons[0])  # warm-up: lazy structures inside GEOS
    indexed, indexed_s, indexed_ns = _time_each(index.locate, lats, lons)
    # The unprepared naive loop is slow: measure it on a slice of the same points.
    naive_count = min(count, 5_000)
    naive, naive_s, naive_ns = _time_each(
        _naive_lookup(boundaries), lats[:naive_count], lons[:naive_count]
    )
    indexed_stats = _report_lookups("index (grid+STRtree+prep.)", indexed_s, count, indexed_ns)
    naive_stats = _report_lookups(
        f"naive loop ({naive_count:,} pts)", naive_s, naive_count, naive_ns
    )
    # Points outside the city are the cheapest answers; show the rate on city points alone too.
    inside = [i for i, code in enumerate(indexed) if code is not None]
    _, inside_s, inside_ns = _time_each(
        index.locate, [lats[i] for i in inside], [lons[i] for i in inside]
    )
    inside_stats = _report_lookups(
        f"index, city points ({len(inside):,})", inside_s, len(inside), inside_ns
    )
    mismatches = sum(a != b for a, b in zip(indexed[:naive_count], naive, strict=True))
    ratio = indexed_stats["per_s"] / naive_stats["per_s"]
    ok = min(indexed_stats["per_s"], inside_stats["per_s"]) >= TARGET_SINGLE_PER_S and ratio >= 1.0
    print(
        f"  ratio index/naive {ratio:,.1f}x; answers differing from naive: {mismatches}; "
        f"target >= {TARGET_SINGLE_PER_S:,}/s and >= 1x: {_verdict(ok)}"
    )
    return ok


def make_beats(boundaries: Sequence[Boundary], cell: float) -> list[Boundary]:
    """Cut each district by a square grid of ``cell`` degrees into beats (code D-row-col)."""
    minx, miny, maxx, maxy = shapely.total_bounds([b.geometry for b in boundaries])
    beats = []
    rows = int(np.ceil((maxy - miny) / cell))
    columns = int(np.ceil((maxx - minx) / cell))
    for boundary in boundaries:
        for row in range(rows):
            for column in range(columns):
                x0, y0 = minx + column * cell, miny + row * cell
                piece = polygonal_part(
                    shapely.intersection(boundary.geometry, box(x0, y0, x0 + cell, y0 + cell))
                )
                if piece is not None:
                    code = f"{boundary.code}-{row:02d}-{column:02d}"
                    beats.append(Boundary(code, code, piece))
    return beats


def bench_beats(boundaries: Sequence[Boundary], count: int, rng: np.random.Generator) -> bool:
    """(b) A fine-grained map (districts cut into beats), indexed against a naive loop."""
    beats = make_beats(boundaries, cell=0.008)
    assert len(beats) >= 300, "the fine-grained map must have at least 300 polygons"
    vertices = int(shapely.get_num_coordinates([b.geometry for b in beats]).sum())
    print(f"(b) single lookups, grid beats ({len(beats)} polygons, {vertices:,} vertices)")
    started = time.perf_counter()
    index = DistrictIndex.build(beats)
    build_s = time.perf_counter() - started
    lat_array, lon_array = _random_points(boundaries, count, rng)
    lats, lons = lat_array.tolist(), lon_array.tolist()
    index.locate(lats[0], lons[0])
    indexed, indexed_s, indexed_ns = _time_each(index.locate, lats, lons)
    naive_count = min(count, 2_000)
    naive, naive_s, naive_ns = _time_each(
        _naive_lookup(beats), lats[:naive_count], lons[:naive_count]
    )
    indexed_stats = _report_lookups("index (grid+STRtree+prep.)", indexed_s, count, indexed_ns)
    naive_stats = _report_lookups(
        f"naive loop ({naive_count:,} pts)", naive_s, naive_count, naive_ns
    )
    mismatches = sum(a != b for a, b in zip(indexed[:naive_count], naive, strict=True))
    ratio = indexed_stats["per_s"] / naive_stats["per_s"]
    ok = ratio >= TARGET_BEATS_RATIO
    print(
        f"  index build {build_s * 1000:.1f} ms; ratio index/naive {ratio:,.1f}x; "
        f"answers differing from naive: {mismatches}; target >= {TARGET_BEATS_RATIO:.0f}x: "
        f"{_verdict(ok)}"
    )
    return ok


def bench_bulk(boundaries: Sequence[Boundary], count: int, rng: np.random.Generator) -> bool:
    """(c) Bulk re-routing with locate_many against a loop of locate; (d) the CLI's whole path."""
    print(f"(c) bulk routing, {count:,} random points in the city's bounding box")
    index = DistrictIndex.build(boundaries)
    lat_array, lon_array = _random_points(boundaries, count, rng)
    index.locate_many(lat_array[:10], lon_array[:10])
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        bulk = index.locate_many(lat_array, lon_array)
        runs.append(time.perf_counter() - started)
    bulk_s = statistics.median(runs)
    started = time.perf_counter()
    looped = [
        index.locate(lat, lon)
        for lat, lon in zip(lat_array.tolist(), lon_array.tolist(), strict=True)
    ]
    loop_s = time.perf_counter() - started
    assert bulk == looped, "locate_many must agree with locate"
    bulk_rate, loop_rate = count / bulk_s, count / loop_s
    print(f"  locate_many (median of 3)    {bulk_rate:>12,.0f} points/s  ({bulk_s * 1000:.0f} ms)")
    print(f"  loop of locate               {loop_rate:>12,.0f} points/s  ({loop_s * 1000:.0f} ms)")
    bulk_ok = bulk_rate >= TARGET_BULK_PER_S
    print(
        f"  ratio bulk/loop {bulk_rate / loop_rate:,.1f}x; answers identical; "
        f"target >= {TARGET_BULK_PER_S:,}/s: {_verdict(bulk_ok)}"
    )

    # (d) What `flask intake route -` does: text lines in, one JSON object per line out.
    lines = [f"{lat:.6f},{lon:.6f}\n" for lat, lon in zip(lat_array, lon_array, strict=True)]
    lines[17] = "not a point\n"
    started = time.perf_counter()
    lats, lons, bad = parse_points(lines)
    parsed_s = time.perf_counter() - started
    districts = index.locate_many(lats, lons)
    decisions = decide_routes(districts, category=None, point_source="point")
    # Decisions repeat (one per district), so each distinct JSON line is serialised once.
    rendered: dict[int, str] = {}
    output = []
    for decision in decisions:
        line = rendered.get(id(decision))
        if line is None:
            line = json.dumps(
                {
                    "district": decision.district_code,
                    "queue": decision.queue_code,
                    "reason": decision.reason,
                }
            )
            rendered[id(decision)] = line
        output.append(line)
    text = "\n".join(output)
    total_s = time.perf_counter() - started
    assert len(output) == count
    assert bad == [18]
    assert len(text) > count
    end_to_end = count / total_s
    e2e_ok = end_to_end >= TARGET_BULK_PER_S
    print(
        f"(d) end to end (parse lines + locate_many + rules + JSON lines): {end_to_end:,.0f} "
        f"points/s ({total_s * 1000:.0f} ms, of which parsing {parsed_s * 1000:.0f} ms); "
        f"target >= {TARGET_BULK_PER_S:,}/s: {_verdict(e2e_ok)}"
    )
    return bulk_ok and e2e_ok


def main(argv: Sequence[str] | None = None) -> int:
    """Run the three routing benchmarks and say whether each target is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--points", type=int, default=100_000, help="points for (c) and (d)")
    parser.add_argument("--lookups", type=int, default=50_000, help="single lookups for (a), (b)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--districts", type=Path, default=DISTRICTS_FILE)
    args = parser.parse_args(argv)
    if not args.districts.exists():
        print(f"boundary file not found: {args.districts}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    boundaries = load_boundaries(args.districts, "DISTRICT")
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    DistrictIndex.build(boundaries)
    build_s = time.perf_counter() - started
    vertices = int(shapely.get_num_coordinates([b.geometry for b in boundaries]).sum())
    print(
        f"Boston districts: {len(boundaries)} polygons, {vertices:,} vertices; "
        f"load {load_s * 1000:.0f} ms, index build {build_s * 1000:.2f} ms "
        f"(target < 1000 ms: {_verdict(build_s < 1.0)})"
    )
    print(f"python {sys.version.split()[0]}, shapely {shapely.__version__}, numpy {np.__version__}")
    rng = np.random.default_rng(args.seed)
    results = [
        bench_single(boundaries, args.lookups, rng),
        bench_beats(boundaries, args.lookups, rng),
        bench_bulk(boundaries, args.points, rng),
        build_s < 1.0,
    ]
    print("all targets met" if all(results) else "SOME TARGETS MISSED")
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
