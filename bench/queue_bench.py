"""Queue listing benchmark: one 50-tip page on a database of 10,000 tips and one of 1,000,000.

Run from the repository root (see bench/README_queues.md):

    PYTHONPATH=. python bench/queue_bench.py                       # SQLite (a temp file)
    PYTHONPATH=. python bench/queue_bench.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

Rows are bulk-inserted (executemany on SQLite, COPY on PostgreSQL), not sent through the
pipeline: the benchmark measures the listing, which is the real ``intake.queues.service.list_tips``.
The two databases are timed side by side, round-robin, so other work on the machine weighs on both
alike. It prints the load average, the query plan of every statement a page runs (page 1 and the
pages after a cursor), medians, p99 and the ratio of the p50s.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, insert, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

import intake.models  # noqa: F401  (every table on the metadata)
from intake.models import Base, Category, Queue, QueueMembership, Tip, User
from intake.queues import service
from intake.queues.rules import Cursor, decode_cursor, encode_cursor

TARGET_RATIO = 1.5
# Page 1; the page after page 1 of the normal tips; a page half-way down the queue.
PAGES = ("first", "deep", "middle")
QUEUES = ("N1", "H2", "S3", "R4", "triage", "oversight", "homicide")
CHANNELS = ("web", "api", "sms", "messenger", "instagram", "whatsapp", "x", "forward")
STATUSES = ("new", "triaged", "assigned", "investigating", "closed")
START = datetime(2023, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 24 * 3600


def _tip_rows(rng: random.Random, count: int, queue_ids: list[int]) -> Iterator[dict[str, Any]]:
    for _ in range(count):
        roll = rng.random()
        urgency, rank = (
            ("emergency", 0) if roll < 0.02 else ("high", 1) if roll < 0.12 else ("normal", 2)
        )
        created = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
        yield {
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "tip_number": secrets.token_hex(6).upper(),
            "receipt_digest": b"\0" * 32,
            "channel": rng.choice(CHANNELS),
            "language": "en",
            "narrative_ct": b"sealed",
            "category_code": "other",
            "category_confidence": 0.5,
            "category_runners_up": [],
            "is_classifier_unsure": False,
            "urgency": urgency,
            "urgency_rank": rank,
            "queue_id": rng.choice(queue_ids),
            "status": rng.choice(STATUSES),
            "created_at": created,
            "updated_at": created,
            "last_tipster_activity_at": created,
        }


def _insert_sqlite(engine: Engine, rows: Iterator[dict[str, Any]], count: int) -> None:
    batch: list[dict[str, Any]] = []
    statement = insert(Tip.__table__)
    with engine.begin() as connection:
        for row in rows:
            batch.append(row)
            if len(batch) == 20_000:
                connection.execute(statement, batch)
                batch = []
        if batch:
            connection.execute(statement, batch)


def _insert_postgres(engine: Engine, rows: Iterator[dict[str, Any]], count: int) -> None:
    import json

    columns = [
        "id",
        "tip_number",
        "receipt_digest",
        "channel",
        "language",
        "narrative_ct",
        "category_code",
        "category_confidence",
        "category_runners_up",
        "is_classifier_unsure",
        "urgency",
        "urgency_rank",
        "queue_id",
        "status",
        "created_at",
        "updated_at",
        "last_tipster_activity_at",
    ]
    json_columns = {"category_runners_up"}
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        sql = f"COPY tip ({', '.join(columns)}) FROM STDIN"
        with cursor.copy(sql) as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(
                    [json.dumps(row[c]) if c in json_columns else row[c] for c in columns]
                )
        raw.commit()
    finally:
        raw.close()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _explain(engine: Engine, queue_id: int, cursors: dict[str, Cursor]) -> str:
    """The plan of every statement a page runs: page 1 (one per rank), then each cursor page."""
    prefix = (
        "EXPLAIN QUERY PLAN "
        if engine.dialect.name == "sqlite"
        else "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
    )
    statements = [
        (f"page 1, urgency_rank = {rank}", service.listing_query_for_explain(queue_id, rank))
        for rank in (0, 1, 2)
    ]
    statements += [
        (
            f"{name} page (after a cursor), urgency_rank = {cursor.urgency_rank}",
            service.listing_query_for_explain(queue_id, cursor.urgency_rank, cursor),
        )
        for name, cursor in cursors.items()
    ]
    lines = []
    with engine.connect() as connection:
        for label, statement in statements:
            compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
            rows = connection.execute(text(prefix + str(compiled))).all()
            lines.append(f"-- {label}")
            if label.startswith(tuple(cursors)):
                lines.append(str(compiled).replace("\n", " "))
            lines.extend(str(row[-1]) for row in rows)
    return "\n".join(lines)


def _setup(engine: Engine) -> tuple[int, int]:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(
            Category(
                code="other",
                label_en="Other",
                label_es="Otro",
                description="",
                keywords=[],
                sort_order=0,
            )
        )
        queues = [Queue(code=code, name=code, kind="district") for code in QUEUES]
        session.add_all(queues)
        session.flush()
        user = User(username="bench", role="detective", display_name="bench")
        session.add(user)
        session.flush()
        session.add(QueueMembership(user_id=user.id, queue_id=queues[0].id))
        session.commit()
        return user.id, queues[0].id


def _load(engine: Engine, size: int) -> tuple[int, int]:
    """A fresh database of ``size`` tips; returns (user id, id of queue N1)."""
    user_id, queue_id = _setup(engine)
    with engine.connect() as connection:
        queue_ids = [r[0] for r in connection.execute(text("SELECT id FROM queue"))]
    # The same seed everywhere: the small database holds the first tips of the large one.
    rng = random.Random(1)
    insert_rows = _insert_postgres if engine.dialect.name == "postgresql" else _insert_sqlite
    started = time.perf_counter()
    insert_rows(engine, _tip_rows(rng, size, queue_ids), size)
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    print(f"loaded {size:,} tips in {time.perf_counter() - started:.1f} s", flush=True)
    return user_id, queue_id


def _pages(
    session: Session, user: User
) -> tuple[dict[str, Callable[[], object]], dict[str, Cursor]]:
    """The timed calls (page 1, the page after it in the normal tips, a page half-way down)."""
    page = service.list_tips(session, user, queue_code="N1", limit=50)
    assert len(page.items) == 50
    # The cursor of page 1 of the normal tips.
    deep_cursor = service.list_tips(
        session, user, queue_code="N1", limit=50, filters=service.TipFilters(urgency="normal")
    ).next_cursor
    assert deep_cursor is not None
    # Half-way down the queue: a year of normal tips lies after this cursor.
    middle_cursor = encode_cursor(
        Cursor(2, START + timedelta(seconds=SPAN_SECONDS // 2), uuid.UUID(int=0))
    )

    def listing(cursor: str | None) -> Callable[[], object]:
        return lambda: service.list_tips(session, user, queue_code="N1", limit=50, cursor=cursor)

    calls = {"first": listing(None), "deep": listing(deep_cursor), "middle": listing(middle_cursor)}
    cursors = {"deep": decode_cursor(deep_cursor), "middle": decode_cursor(middle_cursor)}
    return calls, cursors


def _measure_interleaved(
    calls: dict[tuple[int, str], Callable[[], object]], runs: int
) -> dict[tuple[int, str], list[float]]:
    """Time every call ``runs`` times, round-robin (rotating the order each round).

    Both sizes are timed side by side, so load from other work on the machine falls on both
    alike instead of on whichever size happened to run during it.
    """
    keys = list(calls)
    for key in keys:
        for _ in range(50):  # warm caches and the statement cache first
            calls[key]()
    timings: dict[tuple[int, str], list[float]] = {key: [] for key in keys}
    for round_number in range(runs):
        shift = round_number % len(keys)
        for key in keys[shift:] + keys[:shift]:
            started = time.perf_counter()
            calls[key]()
            timings[key].append((time.perf_counter() - started) * 1000)
    return timings


def run(engines: dict[int, Engine], runs: int) -> dict[int, dict[str, list[float]]]:
    """Measure each page on a database of each size (sizes timed side by side)."""
    loaded = {size: _load(engine, size) for size, engine in engines.items()}
    print(f"load average before timing: {_load_average()}", flush=True)
    sessions = {size: Session(engine) for size, engine in engines.items()}
    calls: dict[tuple[int, str], Callable[[], object]] = {}
    cursors: dict[str, Cursor] = {}
    try:
        for size, session in sessions.items():
            user = session.get(User, loaded[size][0])
            assert user is not None
            size_calls, cursors = _pages(session, user)
            calls.update({(size, name): call for name, call in size_calls.items()})
        timings = _measure_interleaved(calls, runs)
    finally:
        for session in sessions.values():
            session.rollback()
            session.close()
    print(f"load average after timing: {_load_average()}", flush=True)
    results: dict[int, dict[str, list[float]]] = {size: {} for size in engines}
    for (size, name), values in timings.items():
        results[size][name] = values
    for size in engines:
        for name in PAGES:
            values = results[size][name]
            print(
                f"  {size:>9,} tips, {name:6} page: p50 {statistics.median(values):.3f} ms, "
                f"p99 {_percentile(values, 0.99):.3f} ms"
            )
    large = max(engines)
    print("\nQuery plans at", f"{large:,}", "tips:")
    print(_explain(engines[large], loaded[large][1], cursors))
    return results


def _load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"


def main(argv: list[str] | None = None) -> int:
    """Run on SQLite and, if given, PostgreSQL; exit 1 if a p50 ratio exceeds the target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--postgres", help="server URL; a scratch database is created and dropped")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args(argv)
    ok = True

    @contextmanager
    def sqlite_engine(folder: str, name: str) -> Iterator[Engine]:
        engine = create_engine(f"sqlite:///{Path(folder) / name}.db")

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # A page cache large enough for the random-keyed indexes during the bulk load.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-1000000")
            cursor.close()

        try:
            yield engine
        finally:
            engine.dispose()

    @contextmanager
    def postgres_engine(_folder: str, _name: str) -> Iterator[Engine]:
        url = make_url(args.postgres.replace("postgresql://", "postgresql+psycopg://", 1))
        name = f"intake_bench_{secrets.token_hex(4)}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine = create_engine(url.set(database=name))
        try:
            yield engine
        finally:
            engine.dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    targets: list[tuple[str, Callable[[str, str], AbstractContextManager[Engine]]]] = []
    if args.postgres:
        targets.append(("PostgreSQL", postgres_engine))
    if not args.skip_sqlite:
        targets.append(("SQLite", sqlite_engine))
    for label, factory in targets:
        print(f"\n=== {label} ===")
        with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
            engines = {
                size: stack.enter_context(factory(folder, f"bench_{size}"))
                for size in (args.small, args.large)
            }
            results = run(engines, args.runs)
        for name in PAGES:
            small = statistics.median(results[args.small][name])
            large = statistics.median(results[args.large][name])
            ratio = large / small
            verdict = "ok" if ratio <= TARGET_RATIO else "TOO SLOW"
            p99 = _percentile(results[args.large][name], 0.99)
            print(
                f"{label} {name} page: p50 {small:.3f} ms at {args.small:,} -> "
                f"{large:.3f} ms at {args.large:,}: ratio {ratio:.2f} "
                f"(target <= {TARGET_RATIO}) {verdict}; p99 {p99:.3f} ms at {args.large:,}"
            )
            ok = ok and ratio <= TARGET_RATIO
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
