"""Where one `POST /api/v1/tips` spends its time, in one process (no gunicorn, no network).

    .venv/bin/python -m bench.submit_profile [--requests 2000] [--top 25]

Builds the real app on a fresh SQLite database with the demo city (as bench/submit_bench.py
does), sends ``--requests`` tips through Flask's test client, and prints:

- a table of sections (exclusive milliseconds per request and share of the whole request), timed
  with ``perf_counter`` around the pipeline's steps, the session's flush and commit, and the
  request schema; what no section claims is Flask, flask-smorest and the response;
- the statements per request;
- then, for a second batch under ``cProfile``, the functions with the most cumulative time.
The naive endpoint (bench/naive_app.py, configured as Intake) is timed the same way for comparison.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.submit_bench import BIN, ROOT, body


class Sections:
    """Exclusive time per named section: a nested section's time is not counted twice."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self._stack: list[list[Any]] = []  # [name, started, time of nested sections]

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        entry: list[Any] = [name, time.perf_counter(), 0.0]
        self._stack.append(entry)
        try:
            yield
        finally:
            self._stack.pop()
            elapsed = time.perf_counter() - entry[1]
            self.totals[name] += elapsed - entry[2]
            if self._stack:
                self._stack[-1][2] += elapsed

    def wrap(self, owner: Any, attribute: str, name: str) -> None:
        """Time every call of ``owner.attribute`` as section ``name``."""
        original: Callable[..., Any] = getattr(owner, attribute)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.section(name):
                return original(*args, **kwargs)

        setattr(owner, attribute, timed)


def prepare(workdir: Path) -> dict[str, str]:
    """A fresh instance folder with the schema and the demo city; the environment to use it."""
    env = {
        "INTAKE_INSTANCE_PATH": str(workdir / "instance"),
        "RATELIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }
    full = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=full, check=True, capture_output=True)
    subprocess.run(
        [*flask, "intake", "demo", "load"], cwd=ROOT, env=full, check=True, capture_output=True
    )
    return env


def instrument(sections: Sections) -> None:
    """Wrap the pipeline's steps in sections."""
    from flask_sqlalchemy.session import Session

    from intake import crypto
    from intake.models import Tip
    from intake.models.sealed import SealedBySecretValue, SealedValue
    from intake.submissions import service
    from intake.submissions.schemas import TipCreatedSchema, TipCreateSchema

    sections.wrap(TipCreateSchema, "load", "request schema (marshmallow load)")
    sections.wrap(TipCreatedSchema, "dump", "response schema (marshmallow dump)")
    sections.wrap(service, "_validate", "validate")
    sections.wrap(service, "classify_tip", "classify")
    sections.wrap(service, "route_tip", "route (gazetteer, districts, queue)")
    sections.wrap(service, "resolve_reporter", "reporter")
    sections.wrap(service, "raise_alert", "on-call alert (urgent tips)")
    sections.wrap(service, "enqueue_supervisor_alert", "supervisor alert (urgent tips)")
    sections.wrap(service, "record_event", "audit record")
    for method in ("create_data_key", "set_point"):
        sections.wrap(Tip, method, "data key and seals")
    sections.wrap(SealedValue, "seal", "data key and seals")
    sections.wrap(SealedBySecretValue, "seal", "data key and seals")
    sections.wrap(crypto, "receipt_digest", "receipt digest")
    sections.wrap(service, "new_tip_number", "tip number and receipt")
    sections.wrap(service, "new_receipt", "tip number and receipt")
    sections.wrap(service, "submit_tip", "pipeline, the rest (Tip(), log)")
    sections.wrap(Session, "flush", "flush (INSERTs)")
    sections.wrap(Session, "commit", "commit (audit chain, COMMIT)")


def time_requests(client: Any, n: int, sections: Sections | None) -> float:
    """Send ``n`` tips; the wall time of all of them."""
    started = time.perf_counter()
    for _ in range(n):
        if sections is None:
            response = client.post(
                "/api/v1/tips", data=body(), headers={"Content-Type": "application/json"}
            )
        else:
            with sections.section("Flask, smorest, response"):
                response = client.post(
                    "/api/v1/tips", data=body(), headers={"Content-Type": "application/json"}
                )
        assert response.status_code == 201, response.status_code
    return time.perf_counter() - started


def naive_per_request(workdir: Path, n: int) -> float:
    """Milliseconds per request of the naive endpoint with WAL, in this process."""
    os.environ["NAIVE_DATABASE_URL"] = f"sqlite:///{workdir / 'naive_wal.db'}"
    os.environ["NAIVE_MODE"] = "intake"
    from bench.naive_app import create_app as create_naive

    client = create_naive().test_client()
    time_requests(client, 200, None)
    return time_requests(client, n, None) / n * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="tips per measured batch")
    parser.add_argument("--top", type=int, default=25, help="functions to list from cProfile")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="intake-profile-"))
    os.environ.update(prepare(workdir))
    from sqlalchemy import event

    from intake import create_app
    from intake.extensions import db

    app = create_app()
    client = app.test_client()
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    time_requests(client, 200, None)  # warm caches, pools, the classifier

    plain = time_requests(client, args.requests, None) / args.requests * 1000
    sections = Sections()
    instrument(sections)
    statements[0] = 0
    timed = time_requests(client, args.requests, sections) / args.requests * 1000
    per_request_statements = statements[0] / args.requests

    print(f"POST /api/v1/tips in one process, {args.requests} requests, SQLite (WAL)")
    print(f"uninstrumented: {plain:.3f} ms per request; instrumented: {timed:.3f} ms")
    print(
        f"SQL statements per request: {per_request_statements:.1f} "
        "(through SQLAlchemy; BEGIN IMMEDIATE and COMMIT not counted)"
    )
    print(f"{'section':<40}{'ms':>8}{'share':>8}")
    total = sum(sections.totals.values())
    for name, seconds in sorted(sections.totals.items(), key=lambda kv: -kv[1]):
        ms = seconds / args.requests * 1000
        print(f"{name:<40}{ms:>8.3f}{seconds / total:>8.1%}")
    print(f"{'total':<40}{total / args.requests * 1000:>8.3f}")

    profiler = cProfile.Profile()
    profiler.enable()
    time_requests(client, args.requests, None)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())

    naive = naive_per_request(workdir, args.requests)
    print(f"naive insert (as Intake) in one process: {naive:.3f} ms per request")
    print(f"ratio of per-request cost, Intake / naive: {plain / naive:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
