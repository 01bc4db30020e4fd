"""Scanning the whole database (and, for SQLite, its files) for plaintext that must not be there."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from collections.abc import Iterable

from sqlalchemy import MetaData, select
from sqlalchemy.orm import Session


def _as_text(value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("latin-1")
    return str(value)


def find_in_database(session: Session, needles: Iterable[str]) -> list[str]:
    """Every (table.column, needle) where a needle appears in clear; empty when none does."""
    wanted = [n for n in needles if n]
    metadata = MetaData()
    # The session's own connection: a second SQLite connection would wait on its write lock.
    metadata.reflect(bind=session.connection())
    hits: list[str] = []
    for table in metadata.sorted_tables:
        for row in session.execute(select(table)).mappings():
            for column, value in row.items():
                if value is None:
                    continue
                text = _as_text(value)
                hits.extend(f"{table.name}.{column}: {n!r}" for n in wanted if n in text)
    return hits


_SCAN_FILES = """
import json, sys
paths, needles, patterns = json.loads(sys.stdin.read())
hits = []
for path in paths:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        continue
    name = path.rsplit("/", 1)[-1]
    for needle in needles:
        if needle.encode() in data or needle.encode("utf-16-le") in data:
            hits.append(f"{name}: {needle!r}")
    for label, pattern in patterns:
        if bytes.fromhex(pattern) in data:
            hits.append(f"{name}: {label}")
print(json.dumps(hits))
"""


def find_in_sqlite_files(
    database_url: str, needles: Iterable[str], numbers: Iterable[float] = ()
) -> list[str]:
    """Needles found in the raw bytes of a SQLite database, its WAL and journal.

    ``numbers`` are also looked for as SQLite stores a REAL column: an 8-byte big-endian double,
    which no text search finds. The files are read by a child process: closing any descriptor of
    a database file drops every POSIX lock this process holds on it, and SQLite's own connections
    here rely on those locks.
    """
    if not database_url.startswith("sqlite:///"):
        return []
    path = database_url.removeprefix("sqlite:///")
    paths = [path, f"{path}-wal", f"{path}-journal"]
    patterns = [(f"REAL {n!r}", struct.pack(">d", n).hex()) for n in numbers]
    result = subprocess.run(
        [sys.executable, "-c", _SCAN_FILES],
        input=json.dumps([paths, [n for n in needles if n], patterns]),
        capture_output=True,
        text=True,
        check=True,
    )
    hits: list[str] = json.loads(result.stdout)
    return hits


def find_in_text(text: str, needles: Iterable[str]) -> list[str]:
    """Needles present in a text (captured logs)."""
    return [repr(n) for n in needles if n and n in text]
