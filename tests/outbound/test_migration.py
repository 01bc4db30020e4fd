"""The outbox priority migration: alerts already queued are marked urgent, and it goes back."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from intake.extensions import db

PRIORITY_REVISION = "6c05d455fa5a"
QUEUED = (
    "INSERT INTO outbox_message (kind, channel, payload, status, attempts, next_attempt_at,"
    " created_at) VALUES (:kind, :channel, '{}', 'pending', 0, :at, :at)"
)


def test_queued_alerts_become_urgent_and_replies_stay_normal(make_app, tmp_path) -> None:
    app = make_app(database_url=f"sqlite:///{tmp_path / 'before.db'}")
    with app.app_context():
        upgrade(revision=f"{PRIORITY_REVISION}-1")
        with db.engine.begin() as connection:
            for kind, channel in (("notification", "notify_email"), ("reply", "sms")):
                at = "2026-12-01 10:00:00.000000"
                connection.execute(text(QUEUED), {"kind": kind, "channel": channel, "at": at})
        upgrade(revision=PRIORITY_REVISION)
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT kind, priority FROM outbox_message ORDER BY id"))
            assert rows.all() == [("notification", 0), ("reply", 1)]
        downgrade(revision=f"{PRIORITY_REVISION}-1")
        columns = {c["name"] for c in inspect(db.engine).get_columns("outbox_message")}
        assert "priority" not in columns and "kind" in columns
