"""Scanning the whole database (and, for SQLite, its files) for plaintext that must not be there."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

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


def find_in_sqlite_files(database_url: str, needles: Iterable[str]) -> list[str]:
    """Needles found in the raw bytes of a SQLite database, its WAL and journal."""
    if not database_url.startswith("sqlite:///"):
        return []
    path = Path(database_url.removeprefix("sqlite:///"))
    hits: list[str] = []
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-journal")):
        if candidate.exists():
            data = candidate.read_bytes()
            hits.extend(
                f"{candidate.name}: {n!r}"
                for n in needles
                if n and (n.encode() in data or n.encode("utf-16-le") in data)
            )
    return hits


def find_in_text(text: str, needles: Iterable[str]) -> list[str]:
    """Needles present in a text (captured logs)."""
    return [repr(n) for n in needles if n and n in text]
