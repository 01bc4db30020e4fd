"""End-to-end benchmark of `flask intake route -`: the real CLI in a subprocess, Boston districts.

Run from the repository root (see bench/README_routing.md):

    PYTHONPATH=. .venv/bin/python bench/route_cli_bench.py [--points 100000] [--seed 1]

It builds a temporary SQLite database through the CLI (`db upgrade`, `intake init`,
`intake districts load` on the real Boston file), then in the same run measures:

- startup: `flask --app wsgi intake route -` with empty input (the fixed cost of any command);
- bulk: the same command fed ``--points`` `lat,lon` lines (one bad), end to end, wall clock;
- baselines: a per-point Python loop of `route_tip` (what routing tips one at a time costs, on the
  same database, in process: no startup), and the per-point CLI path (`route --lat --lon`, one
  process per point) on a few points.

It checks that the bulk answers agree with `route_tip` on the baseline points, prints points/s,
the ratios and the startup time separately, and exits 1 if the 100,000 points/s target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
DISTRICTS_FILE = REPO_ROOT / "tests" / "data" / "boston_police_districts.geojson"
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
TARGET_PER_S = 100_000
# Boston's bounding box, a little wider: some points fall outside every district (triage).
BOX = {"lat": (42.22, 42.40), "lon": (-71.20, -70.98)}


def _run(env: dict[str, str], *args: str, stdin: str = "") -> tuple[float, str, str]:
    """Run `flask --app wsgi ARGS`; return wall seconds, stdout and stderr (fail loudly)."""
    started = time.perf_counter()
    done = subprocess.run(
        [*FLASK, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"`flask {' '.join(args[:3])}` failed:\n{done.stderr[-2000:]}")
    return elapsed, done.stdout, done.stderr


def _environment(workdir: Path) -> dict[str, str]:
    from intake.crypto import generate_keyring_document

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        INTAKE_INSTANCE_PATH=str(workdir),
        DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}",
        INTAKE_KEYRING=json.dumps(generate_keyring_document()),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO_ROOT),
    )
    return env


def _points(count: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    rng = np.random.default_rng(seed)
    lats = rng.uniform(*BOX["lat"], count)
    lons = rng.uniform(*BOX["lon"], count)
    lines = [f"{lat:.6f},{lon:.6f}" for lat, lon in zip(lats, lons, strict=True)]
    lines[count // 2] = "not a point"  # one bad line: it must come back as an error object
    return lats, lons, "\n".join(lines) + "\n"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    """Set up the database through the CLI, measure, print, and say whether the target is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="bulk runs (median reported)")
    parser.add_argument("--loop-points", type=int, default=2_000, help="route_tip baseline")
    parser.add_argument("--cli-points", type=int, default=5, help="one process per point")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not DISTRICTS_FILE.exists():
        print(f"Boston districts not found at {DISTRICTS_FILE}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="route-cli-bench-") as tmp:
        workdir = Path(tmp)
        env = _environment(workdir)
        _run(env, "db", "upgrade")
        _run(env, "intake", "init")
        load_s, _, _ = _run(
            env, "intake", "districts", "load", str(DISTRICTS_FILE), "--code-property", "DISTRICT"
        )
        print(f"setup: Boston districts loaded through the CLI in {load_s * 1000:.0f} ms")
        load_1, load_5, _ = os.getloadavg()
        print(
            f"machine: {os.cpu_count()} CPUs, load average {load_1:.2f} (1 min), "
            f"{load_5:.2f} (5 min); wall-clock figures assume an idle machine"
        )

        lats, lons, stdin = _points(args.points, args.seed)

        startups = [_run(env, "intake", "route", "-")[0] for _ in range(5)]
        startup = statistics.median(startups)
        print(
            f"startup (`intake route -` on empty input, median of 5): {startup * 1000:.0f} ms "
            f"(min {min(startups) * 1000:.0f}, max {max(startups) * 1000:.0f})"
        )

        walls = []
        inside = []
        inside_cpu = []
        output = ""
        for _ in range(args.runs):
            wall, output, summary = _run(env, "intake", "route", "-", stdin=stdin)
            walls.append(wall)
            # The command times itself from reading stdin to writing the last line.
            match = re.search(r"; (\d+) ms \(cpu (\d+) ms\)\.", summary)
            assert match, "the command prints its own timing on stderr"
            inside.append(int(match.group(1)) / 1000)
            inside_cpu.append(int(match.group(2)) / 1000)
        wall = statistics.median(walls)
        routed = statistics.median(inside)
        routed_cpu = statistics.median(inside_cpu)
        answers = [json.loads(line) for line in output.splitlines()]
        assert len(answers) == args.points, "one output line per input line"
        errors = [a for a in answers if "error" in a]
        assert len(errors) == 1 and errors[0]["line"] == args.points // 2 + 1
        wall_rate = args.points / wall
        bulk_rate = args.points / routed
        queues = Counter(str(a.get("queue")) for a in answers)
        print(
            f"bulk `intake route -` on {args.points:,} lines (median of {args.runs}): "
            f"{routed * 1000:.0f} ms from first line read to last line written (index load, "
            f"parse, route, serialise, write) -> {bulk_rate:,.0f} points/s end to end"
        )
        print(
            f"  CPU time of that part {routed_cpu * 1000:.0f} ms -> "
            f"{args.points / routed_cpu:,.0f} points per CPU-second (what it costs on an idle core)"
        )
        print(
            f"  process wall time {wall * 1000:.0f} ms including startup -> "
            f"{wall_rate:,.0f} points/s; wall minus median startup "
            f"{(wall - startup) * 1000:.0f} ms"
        )
        print(
            f"  answers: {len(queues) - 1} queues, triage {queues['triage']:,}, "
            f"bad lines {len(errors)}"
        )

        # Baseline 1: one route_tip call per point, in process, same database, no startup.
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "INTAKE_INSTANCE_PATH")})
        os.environ.update(INTAKE_KEYRING=env["INTAKE_KEYRING"], LOG_LEVEL="WARNING")
        from intake import create_app
        from intake.extensions import db
        from intake.routing.service import route_tip

        app = create_app()
        per_call: list[float] = []
        mismatches = 0
        count = min(args.loop_points, args.points)
        with app.app_context():
            session = db.session()
            route_tip(session, category_code=None, lat=42.3, lon=-71.1, location_text=None)
            loop_started = time.perf_counter()
            for i in range(count):
                if i == args.points // 2:
                    continue  # the bad line
                started = time.perf_counter_ns()
                route = route_tip(
                    session,
                    category_code=None,
                    lat=float(lats[i]),
                    lon=float(lons[i]),
                    location_text=None,
                    point_kind="point",
                )
                per_call.append((time.perf_counter_ns() - started) / 1000)
                mismatches += (route.queue.code, route.reason) != (
                    answers[i]["queue"],
                    answers[i]["reason"],
                )
            loop_s = time.perf_counter() - loop_started
        loop_rate = len(per_call) / loop_s
        print(
            f"baseline: loop of route_tip, {len(per_call):,} points in process: "
            f"{loop_rate:,.0f} points/s (p50 {_percentile(per_call, 0.5):.0f} us, "
            f"p99 {_percentile(per_call, 0.99):.0f} us); answers differing from the CLI: "
            f"{mismatches}"
        )

        # Baseline 2: the per-point CLI path, one process per point.
        cli_walls = [
            _run(env, "intake", "route", "--json", "--lat", f"{lats[i]}", "--lon", f"{lons[i]}")[0]
            for i in range(args.cli_points)
        ]
        cli_rate = 1 / statistics.median(cli_walls)
        print(
            f"baseline: `intake route --lat --lon`, one process per point ({args.cli_points} "
            f"points): {cli_rate:,.2f} points/s (median {statistics.median(cli_walls) * 1000:.0f} "
            "ms per point)"
        )

    met = bulk_rate >= TARGET_PER_S and mismatches == 0
    print(
        f"ratio bulk CLI / route_tip loop: {bulk_rate / loop_rate:,.1f}x "
        f"({wall_rate / loop_rate:,.1f}x counting the bulk command's startup); "
        f"bulk CLI (with startup) / per-point CLI: {wall_rate / cli_rate:,.0f}x"
    )
    print(
        f"target >= {TARGET_PER_S:,} points/s end to end on {args.points:,} points "
        f"(startup of {startup * 1000:.0f} ms reported apart): "
        f"{'MET' if met else 'NOT MET'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
