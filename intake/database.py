"""Engine settings per database.

SQLite (the embedded default) gets WAL, immediate transactions, and a write lock that writers
wait on with millisecond polling. SQLite's own busy handler makes a waiting writer sleep in growing
steps (up to 100 ms) and retry, so under two busy processes a writer can lose the lock again and
again and wait seconds. Every SQLite transaction here first takes an exclusive ``flock`` on a file
beside the database, polled every 0.2-2 ms, so the next writer starts almost as soon as the lock
is released.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from typing import Any, cast

from flask import Flask
from sqlalchemy import Table, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, make_transient_to_detached

from intake.audit.service import install_chain_hooks
from intake.extensions import db
from intake.models import Base
from intake.search.index import install_index_hooks


class LockingConnection(sqlite3.Connection):
    """A pysqlite connection that holds an exclusive file lock for each transaction it runs."""

    _lock_fd: int | None = None
    _has_write_lock: bool = False
    _begin_pending: bool = False

    def attach_lock_file(self, path: str) -> None:
        """Open the lock file this connection queues on (one descriptor per connection)."""
        self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def acquire_write_lock(self, timeout: float = 30.0) -> None:
        """Take the database's write lock, waiting at most ``timeout`` seconds.

        The wait polls every millisecond or two rather than blocking outright, so a thread that
        already holds the lock through another connection gets an error instead of a deadlock.
        """
        if self._lock_fd is None or self._has_write_lock:
            return
        deadline = time.monotonic() + timeout
        pause = 0.0002
        while True:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.002)
            else:
                self._has_write_lock = True
                return

    def defer_begin(self) -> None:
        """Start the transaction (lock, then ``BEGIN IMMEDIATE``) at its first statement."""
        self._begin_pending = True

    def begin_if_deferred(self) -> None:
        """Take the write lock and begin, if a transaction has begun without a statement yet."""
        if self._begin_pending:
            self._begin_pending = False
            self.acquire_write_lock()
            self.execute("BEGIN IMMEDIATE")

    def _release(self) -> None:
        self._begin_pending = False
        if self._lock_fd is not None and self._has_write_lock:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            self._has_write_lock = False

    def commit(self) -> None:
        """Commit, then let the next writer in."""
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        """Roll back, then let the next writer in."""
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        """Close the database connection and the lock file."""
        try:
            super().close()
        finally:
            self._release()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None


def _sqlite_path(database_url: str) -> str | None:
    path = database_url.split("///", 1)[1] if "///" in database_url else ""
    return None if path in ("", ":memory:") else path


def engine_options(database_url: str) -> dict[str, Any]:
    """SQLAlchemy engine options for the configured database."""
    # A database error's text would carry the statement's parameters (a phone number, a
    # narrative) into every traceback and log line: the engine leaves them out.
    if database_url.startswith("sqlite"):
        return {
            "connect_args": {"timeout": 30, "factory": LockingConnection},
            "hide_parameters": True,
        }
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5, "hide_parameters": True}


def create_private_file(path: str) -> None:
    """Create ``path`` empty and owner-only if it does not exist (SQLite gives its WAL and
    shared-memory files the database file's mode, so they are owner-only too)."""
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _configure_sqlite(engine: Engine) -> None:
    path = _sqlite_path(str(engine.url))
    lock_path = f"{path}.lock" if path else None
    if path and not path.startswith("file:"):
        # SQLite would create the file with the process umask (often world-readable).
        create_private_file(path)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event, not pysqlite, decide when a transaction starts.
        dbapi_connection.isolation_level = None
        if lock_path and isinstance(dbapi_connection, LockingConnection):
            dbapi_connection.attach_lock_file(lock_path)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted and overwritten content is zeroed in the file, not left in free pages: a
        # crypto-shredded data key must not survive in a copy of the file (intake/lifecycle).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Queue on the file lock, then take SQLite's write lock at the start: a read that later
        # writes cannot fail on upgrade, and writers never meet SQLite's sleeping busy handler.
        # Both wait for the transaction's first statement (below): the ORM begins when a flush
        # asks for the connection, then prepares the INSERTs' parameters, which other writers
        # need not wait for.
        dbapi_connection = connection.connection.driver_connection
        if isinstance(dbapi_connection, LockingConnection):
            dbapi_connection.defer_begin()
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _on_statement(connection: Any, *_: Any) -> None:
        dbapi_connection = connection.connection.driver_connection
        if isinstance(dbapi_connection, LockingConnection):
            dbapi_connection.begin_if_deferred()


def init_database(app: Flask) -> None:
    """Bind Flask-SQLAlchemy, apply per-dialect settings, chain audit events at commit, write
    new tips' search tokens after their flush."""
    install_chain_hooks(db.session)
    install_index_hooks(db.session)
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)


def insert_unless_present(session: Session, row: Base) -> bool:
    """INSERT ``row`` unless a unique key already holds it (then nothing is written): False.

    ON CONFLICT DO NOTHING gives the race-safety of a savepoint around a plain INSERT without its
    two extra statements: on PostgreSQL a concurrent insert of the same key waits for the other
    transaction and then does nothing; on SQLite whole transactions are serialised anyway.
    """
    mapper = inspect(type(row))
    values: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        value = row.__dict__.get(attr.key)
        if value is not None:  # unset: the column default applies, as the ORM would do
            values[attr.columns[0].name] = value
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING tells whether a row was written (the driver's rowcount may be -1 here).
    table = cast(Table, mapper.local_table)
    statement = insert(table).values(values).on_conflict_do_nothing()
    written = session.execute(statement.returning(*table.primary_key.columns)).first()
    return written is not None


def adopt(session: Session, row: Base) -> None:
    """Make a row just written by :func:`insert_unless_present` persistent in the session."""
    make_transient_to_detached(row)
    session.add(row)
