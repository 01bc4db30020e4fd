"""The baseline for bench/submit_bench.py: a naive insert-only Flask-SQLAlchemy endpoint.

It does what a first, naive version of the tip endpoint would: read the JSON, insert one row,
commit, answer 201. No validation, classification, routing, encryption or audit. By default it
keeps Flask-SQLAlchemy's SQLite defaults; NAIVE_WAL=1 gives it the same WAL settings Intake uses.
"""

from __future__ import annotations

import os
import secrets

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Integer, String, Text, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class NaiveTip(db.Model):  # type: ignore[name-defined, misc]
    __tablename__ = "naive_tip"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_number: Mapped[str] = mapped_column(String(16))
    narrative: Mapped[str] = mapped_column(Text)


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["NAIVE_DATABASE_URL"]
    db.init_app(app)
    if os.environ.get("NAIVE_WAL") == "1":
        with app.app_context():

            @event.listens_for(db.engine, "connect")
            def _pragmas(connection, _record):  # type: ignore[no-untyped-def]
                cursor = connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA busy_timeout=30000")
                cursor.close()
    else:
        with app.app_context():

            @event.listens_for(db.engine, "connect")
            def _busy(connection, _record):  # type: ignore[no-untyped-def]
                connection.execute("PRAGMA busy_timeout=30000")

    with app.app_context():
        db.create_all()

    @app.post("/api/v1/tips")
    def create_tip():  # type: ignore[no-untyped-def]
        body = request.get_json()
        tip = NaiveTip(tip_number=secrets.token_hex(4), narrative=body["narrative"])
        db.session.add(tip)
        db.session.commit()
        return jsonify({"tip_number": tip.tip_number}), 201

    return app


app = create_app()
