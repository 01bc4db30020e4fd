"""Search benchmark: a search page vs the plain queue page, on the same database of N tips.

Run from the repository root (see bench/README_search.md):

    PYTHONPATH=. python bench/search_bench.py                      # SQLite (a temp file)
    PYTHONPATH=. python bench/search_bench.py --size 1000000 \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres
    PYTHONPATH=. python bench/search_bench.py --keep search1m ...  # load once, reuse after

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Table,
    Text,
    create_engine,
    event,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex
from sqlalchemy.sql.expression import ClauseElement, Executable

from bench import queue_bench
from intake import crypto
from intake.crypto import Keyring
from intake.models import Base, SearchToken, User
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


def _load(engine: Engine, keyring: Keyring, size: int, words: int) -> Loaded:
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
    # A plate of a tip the detective can see (queue N1), a third of the way into the data.
    plate = next(n for n, t in enumerate(tips) if n >= size // 3 and t["queue_id"] == queue_id)
    return Loaded(user_id, plate, keyring)


@dataclass(frozen=True)
class Loaded:
    """What a timing run needs of a loaded database: the detective, the plate, the keyring."""

    user_id: int
    plate: int
    keyring: Keyring


# A kept database remembers what it holds (and the keyring its tokens are under) in this table,
# written once the load is complete, so a half-loaded database is never reused.
_META = Table(
    "bench_search_meta",
    MetaData(),
    Column("size", Integer),
    Column("words", Integer),
    Column("user_id", Integer),
    Column("plate", Integer),
    Column("keyring", Text),
)


def _kept(engine: Engine, size: int, words: int) -> Loaded | None:
    """The load of a kept database of ``size`` tips and ``words`` words, if there is one."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(_META.name):
            return None
        row = connection.execute(select(_META)).one_or_none()
    if row is None or (row.size, row.words) != (size, words):
        return None
    return Loaded(row.user_id, row.plate, Keyring.from_json(row.keyring))


def _remember(engine: Engine, size: int, words: int, loaded: Loaded, document: str) -> None:
    with engine.begin() as connection:
        _META.create(connection)
        connection.execute(
            insert(_META).values(
                size=size,
                words=words,
                user_id=loaded.user_id,
                plate=loaded.plate,
                keyring=document,
            )
        )


def _loaded(engine: Engine, size: int, words: int) -> Loaded:
    """A kept database's load, else a fresh load (remembered for the next run)."""
    kept = _kept(engine, size, words)
    if kept is not None:
        print(f"reusing the kept database of {size:,} tips", flush=True)
        # An index added to the model since the load is built now.
        for index in SearchToken.__table__.indexes:
            index.create(engine, checkfirst=True)
        return kept
    _META.drop(engine, checkfirst=True)
    Base.metadata.drop_all(engine)
    # A fresh keyring each load (kept with the database: its tokens are HMACs under it).
    document = json.dumps(crypto.generate_keyring_document())
    loaded = _load(engine, Keyring.from_json(document), size, words)
    _remember(engine, size, words, loaded, document)
    return loaded


class _Explain(Executable, ClauseElement):
    """``EXPLAIN`` (with ``prefix``'s options) of a statement, its parameters bound as usual."""

    inherit_cache = False

    def __init__(self, prefix: str, statement: Any) -> None:
        self.prefix = prefix
        self.statement = statement


@compiles(_Explain)
def _compile_explain(element: _Explain, compiler: Any, **kw: Any) -> str:
    sql = str(compiler.process(element.statement, **kw))
    # The rows are the plan's, not the statement's: no result types to apply to them.
    compiler._result_columns.clear()
    return element.prefix + sql


def _explain(session: Session, keyring: Keyring, queue_id: int, plate: int) -> str:
    """The plan of each statement a search runs besides the listing's: the rarity sample (two
    words), the walk, and the matched fields of its hits; PostgreSQL's with its buffers."""
    prefix = (
        "EXPLAIN QUERY PLAN "
        if session.get_bind().dialect.name == "sqlite"
        else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) "
    )
    lines = []
    for label, words in QUERIES.items():
        tokens = [crypto.search_token(keyring, w.format(plate=plate)) for w in words]
        statements = {}
        if len(tokens) > 1:
            statements["rarity"] = search.rarity_statement(tokens, queue_id, None)
            tokens = search._rarest_first(session, tokens, queue_id, None)
        walk = search.search_statement(tokens, queue_id, [], None, 51)
        statements["walk"] = walk
        hits = [row.id for row in session.execute(walk)]
        statements["matched fields"] = search.matched_fields_statement(tokens, hits)
        for part, statement in statements.items():
            lines.append(f"-- {label}: {part}")
            lines.extend(str(row[-1]) for row in session.execute(_Explain(prefix, statement)))
    return "\n".join(lines)


def run(engine: Engine, size: int, words: int, runs: int) -> bool:
    """Load (or reuse), time the queue page and each search side by side, print, and say if
    on target."""
    loaded = _loaded(engine, size, words)
    keyring, plate = loaded.keyring, loaded.plate
    print(f"load average before timing: {queue_bench._load_average()}", flush=True)
    with Session(engine) as session:
        user = session.get(User, loaded.user_id)
        assert user is not None
        queue_id = next(q.id for q in queues.visible_queues(session, user))
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
    with Session(engine) as session:
        print(_explain(session, keyring, queue_id, plate))
        session.rollback()
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
def _postgres_engine(server: str, kept: str | None = None) -> Iterator[Engine]:
    """A scratch database dropped afterwards, or (``kept``) the named one, created if missing
    and left for the next run."""
    url = make_url(server.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"intake_bench_{kept or secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(url.set(database=name))
    try:
        yield engine
    finally:
        engine.dispose()
        if kept is None:
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
    parser.add_argument(
        "--keep",
        metavar="NAME",
        help="keep the loaded databases (PostgreSQL intake_bench_NAME, SQLite "
        "intake_bench_NAME.db in the temp folder) and reuse them when size and words match",
    )
    args = parser.parse_args(argv)
    targets: list[tuple[str, Callable[[str, str], AbstractContextManager[Engine]]]] = []
    if args.postgres:
        targets.append(("PostgreSQL", lambda f, n: _postgres_engine(args.postgres, args.keep)))
    if not args.skip_sqlite:
        targets.append(("SQLite", _sqlite_engine))
    ok = True
    for label, factory in targets:
        print(f"\n=== {label} ===", flush=True)
        with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
            folder, name = scratch, f"search_{secrets.token_hex(2)}"
            if args.keep:
                folder, name = tempfile.gettempdir(), f"intake_bench_{args.keep}"
            engine = stack.enter_context(factory(folder, name))
            ok = run(engine, args.size, args.words, args.runs) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
