"""The baseline for bench/submit_bench.py: a naive insert-only Flask-SQLAlchemy endpoint.

It does what a first, naive version of the tip endpoint would: read the JSON, insert one row,
commit, answer 201. No validation, classification, routing, encryption or audit.

NAIVE_MODE picks how its SQLite database is configured:

- ``intake`` (the baseline the target is measured against): exactly Intake's settings, by the same
  code (``intake.database``): WAL, ``synchronous=NORMAL``, ``busy_timeout``, foreign keys,
  ``BEGIN IMMEDIATE`` and the writers' file lock polled every 0.2-2 ms, and the engine options.
- ``rollback``: Flask-SQLAlchemy's SQLite defaults (rollback journal, full sync), kept as an
  extra reference.
"""

from __future__ import annotations

import os
import secrets

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Integer, String, Text, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from intake.database import _configure_sqlite, engine_options


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class NaiveTip(db.Model):  # type: ignore[name-defined, misc]
    __tablename__ = "naive_tip"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_number: Mapped[str] = mapped_column(String(16))
    narrative: Mapped[str] = mapped_column(Text)


def create_app() -> Flask:
    """The naive app on NAIVE_DATABASE_URL, configured as NAIVE_MODE says (default: intake)."""
    app = Flask(__name__)
    url = os.environ["NAIVE_DATABASE_URL"]
    mode = os.environ.get("NAIVE_MODE", "intake")
    if mode not in ("intake", "rollback"):
        raise SystemExit(f"NAIVE_MODE must be intake or rollback, not {mode!r}")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if mode == "intake":
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(url)
    db.init_app(app)
    with app.app_context():
        if mode == "intake":
            _configure_sqlite(db.engine)
        else:

            @event.listens_for(db.engine, "connect")
            def _busy(connection, _record):  # type: ignore[no-untyped-def]
                connection.execute("PRAGMA busy_timeout=30000")

        db.create_all()

    @app.post("/api/v1/tips")
    def create_tip():  # type: ignore[no-untyped-def]
        body = request.get_json()
        number = secrets.token_hex(4)
        db.session.add(NaiveTip(tip_number=number, narrative=body["narrative"]))
        db.session.commit()
        # Not ``tip.tip_number``: after the commit that would reload the row (a second
        # transaction), which would make the baseline slower than it need be.
        return jsonify({"tip_number": number}), 201

    return app


app = create_app()
