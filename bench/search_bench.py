"""Search benchmark: a search page vs the plain queue page, on the same database of N tips.

Run from the repository root (see bench/README_search.md):

    PYTHONPATH=. python bench/search_bench.py                      # SQLite (a temp file)
    PYTHONPATH=. python bench/search_bench.py --size 1000000 \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres

Tips and their search tokens are bulk-inserted (as in ``queue_bench.py``), not sent through the
pipeline; what is timed is the real ``intake.search.service.search_tips`` and the real
``intake.queues.service.list_tips``, for a detective who sees one queue of seven. Each tip gets
``--words`` narrative words drawn from a Zipf vocabulary (so some words are in one tip in ten,
others in one in a hundred) and a plate of its own; tokens are real HMACs under a real keyring.
Timed side by side, round-robin. Prints the load average, the query plans, p50/p99 and the ratio
of each search's p50 to the queue page's p50 (target <= 3x).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, insert, literal_column, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from bench import queue_bench
from intake import crypto
from intake.crypto import Keyring
from intake.models import SearchToken, User
from intake.queues import service as queues
from intake.search import service as search

TARGET_RATIO = 3.0
VOCABULARY = 20_000


def _word(rank: int) -> str:
    """A letters-only vocabulary word (digits would make two query words one plate)."""
    letters = ""
    while True:
        rank, digit = divmod(rank, 26)
        letters += chr(ord("a") + digit)
        if rank == 0:
            return "word" + letters


# Zipf ranks of the query words: rank 10 is in about one tip in ten, rank 100 in one in a
# hundred (with 12 words a tip); the plate is in one tip.
QUERIES = {
    "plate (1 tip)": ["plate{plate}"],
    "common word (~10%)": [_word(10)],
    "rarer word (~1%)": [_word(100)],
    "two words (~10% and ~1%)": [_word(10), _word(100)],
    "plate and a common word": ["plate{plate}", _word(10)],
}


def _token_rows(
    keyring: Keyring, tips: list[dict[str, Any]], words: int, rng: random.Random
) -> Iterator[dict[str, Any]]:
    tokens = [crypto.search_token(keyring, _word(r)) for r in range(VOCABULARY)]
    weights = list(itertools.accumulate(1 / (r + 1) for r in range(VOCABULARY)))
    for number, tip in enumerate(tips):
        ranks = set(rng.choices(range(VOCABULARY), cum_weights=weights, k=words))
        chosen = [tokens[r] for r in ranks]
        chosen.append(crypto.search_token(keyring, f"plate{number}"))
        for token in chosen:
            yield {
                "token": token,
                "tip_created_at": tip["created_at"],
                "tip_id": tip["id"],
                "field": "narrative",
                "queue_id": tip["queue_id"],
            }


@contextmanager
def _indexes_built_after(engine: Engine) -> Iterator[None]:
    """Load with the secondary indexes (and, on PostgreSQL, the primary key and the foreign key)
    dropped, and build them once at the end: far faster than maintaining them row by row, and
    the indexes end up the same."""
    table = SearchToken.__table__
    is_postgres = engine.dialect.name == "postgresql"
    constraints = [table.primary_key, *table.foreign_key_constraints] if is_postgres else []
    with engine.begin() as connection:
        for index in table.indexes:
            connection.execute(DropIndex(index))
        for constraint in reversed(constraints):
            connection.execute(DropConstraint(constraint))
    yield
    with engine.begin() as connection:
        if is_postgres:
            connection.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        for constraint in constraints:
            connection.execute(AddConstraint(constraint))
        for index in table.indexes:
            connection.execute(CreateIndex(index))


def _insert_tokens(engine: Engine, rows: Iterator[dict[str, Any]]) -> int:
    with _indexes_built_after(engine):
        return _insert_token_rows(engine, rows)


def _insert_token_rows(engine: Engine, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            sql = "COPY search_token (token, tip_created_at, tip_id, field, queue_id) FROM STDIN"
            with cursor.copy(sql) as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(
                        [
                            row["token"],
                            row["tip_created_at"],
                            row["tip_id"],
                            row["field"],
                            row["queue_id"],
                        ]
                    )
                    count += 1
            raw.commit()
        finally:
            raw.close()
        return count
    statement = insert(SearchToken.__table__)
    with engine.begin() as connection:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 50_000:
                connection.execute(statement, batch)
                count += len(batch)
                batch = []
        if batch:
            connection.execute(statement, batch)
            count += len(batch)
    return count


def _load(engine: Engine, keyring: Keyring, size: int, words: int) -> tuple[int, int, list[int]]:
    user_id, queue_id = queue_bench._setup(engine)
    with engine.connect() as connection:
        queue_ids = [r[0] for r in connection.execute(text("SELECT id FROM queue"))]
    rng = random.Random(1)
    started = time.perf_counter()
    tips = list(queue_bench._tip_rows(rng, size, queue_ids))
    insert_tips = (
        queue_bench._insert_postgres
        if engine.dialect.name == "postgresql"
        else queue_bench._insert_sqlite
    )
    insert_tips(engine, iter(tips), size)
    print(f"loaded {size:,} tips in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    count = _insert_tokens(engine, _token_rows(keyring, tips, words, rng))
    # VACUUM too: PostgreSQL's index-only scans need the visibility map a bulk COPY leaves unset.
    analyze = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(analyze))
    print(f"loaded {count:,} search tokens in {time.perf_counter() - started:.1f} s", flush=True)
    return user_id, queue_id, [tip["queue_id"] for tip in tips]


def _explain(engine: Engine, keyring: Keyring, queue_id: int, plate: int) -> str:
    prefix = (
        "EXPLAIN QUERY PLAN "
        if engine.dialect.name == "sqlite"
        else "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
    )
    lines = []
    with engine.connect() as connection:
        for label, words in QUERIES.items():
            raw = [crypto.search_token(keyring, w.format(plate=plate)) for w in words]
            # Blobs have no literal rendering in SQLAlchemy: spell them in each dialect's syntax.
            tokens: list[Any] = [
                literal_column(
                    f"X'{t.hex()}'" if engine.dialect.name == "sqlite" else f"'\\x{t.hex()}'::bytea"
                )
                for t in raw
            ]
            statement = search.search_statement(tokens, queue_id, [], None, 102)
            compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
            lines.append(f"-- {label}")
            lines.extend(str(row[-1]) for row in connection.execute(text(prefix + str(compiled))))
    return "\n".join(lines)


def run(engine: Engine, keyring: Keyring, size: int, words: int, runs: int) -> bool:
    """Load, time the queue page and each search side by side, print, and say if on target."""
    user_id, queue_id, tip_queues = _load(engine, keyring, size, words)
    print(f"load average before timing: {queue_bench._load_average()}", flush=True)
    # A plate of a tip the detective can see (queue N1), a third of the way into the data.
    plate = next(n for n, q in enumerate(tip_queues) if n >= size // 3 and q == queue_id)
    with Session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        calls: dict[str, Callable[[], object]] = {
            "queue page": lambda: queues.list_tips(session, user, queue_code="N1", limit=50)
        }
        for label, query in QUERIES.items():
            q = " ".join(w.format(plate=plate) for w in query)
            calls[label] = lambda q=q: search.search_tips(session, keyring, user, q, limit=50)
        hits = {label: len(call().items) for label, call in calls.items()}  # type: ignore[attr-defined]
        timings = queue_bench._measure_interleaved(
            {(0, label): call for label, call in calls.items()}, runs
        )
        session.rollback()
    print(f"load average after timing: {queue_bench._load_average()}", flush=True)
    base = statistics.median(timings[(0, "queue page")])
    ok = True
    for label in calls:
        values = timings[(0, label)]
        p50 = statistics.median(values)
        ratio = p50 / base
        verdict = ""
        if label != "queue page":
            verdict = "ok" if ratio <= TARGET_RATIO else "TOO SLOW"
            ok = ok and ratio <= TARGET_RATIO
        print(
            f"  {size:,} tips, {label:26} ({hits[label]:>2} hits): p50 {p50:.3f} ms, "
            f"p99 {queue_bench._percentile(values, 0.99):.3f} ms, {ratio:.2f}x queue page {verdict}"
        )
    print(f"\nQuery plans at {size:,} tips:")
    print(_explain(engine, keyring, queue_id, plate))
    return ok


@contextmanager
def _sqlite_engine(folder: str, name: str) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{Path(folder) / name}.db")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # The settings Intake uses, and a page cache large enough for the bulk load.
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
def _postgres_engine(server: str) -> Iterator[Engine]:
    url = make_url(server.replace("postgresql://", "postgresql+psycopg://", 1))
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


def main(argv: list[str] | None = None) -> int:
    """Run on SQLite and, if given, PostgreSQL; exit 1 if a search's p50 exceeds the target."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--words", type=int, default=12, help="narrative words per tip")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--postgres", help="server URL; a scratch database is created and dropped")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args(argv)
    keyring = Keyring.from_json(json.dumps(crypto.generate_keyring_document()))
    targets: list[tuple[str, Callable[[str, str], AbstractContextManager[Engine]]]] = []
    if args.postgres:
        targets.append(("PostgreSQL", lambda f, n: _postgres_engine(args.postgres)))
    if not args.skip_sqlite:
        targets.append(("SQLite", _sqlite_engine))
    ok = True
    for label, factory in targets:
        print(f"\n=== {label} ===", flush=True)
        with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
            engine = stack.enter_context(factory(folder, f"search_{secrets.token_hex(2)}"))
            ok = run(engine, keyring, args.size, args.words, args.runs) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
