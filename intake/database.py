"""Engine settings per database: SQLite gets WAL, a busy timeout and immediate transactions."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from intake.extensions import db


def engine_options(database_url: str) -> dict[str, Any]:
    """SQLAlchemy engine options for the configured database."""
    if database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5}


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event, not pysqlite, decide when a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock at the start: a read that later writes cannot deadlock on upgrade,
        # and concurrent writers queue on busy_timeout instead of failing.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_database(app: Flask) -> None:
    """Bind Flask-SQLAlchemy and apply per-dialect settings."""
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
