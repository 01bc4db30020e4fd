"""The staff-accounts migration converts existing tokens: scope ``work``, 90 days to live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from intake.extensions import db

BEFORE = "9d0ce8deab0f"
REVISION = "abab0f953009"


@pytest.fixture
def empty_app(make_app, tmp_path):
    """An app on a new, empty SQLite database (its own file, so the shared one is untouched)."""
    return make_app(database_url=f"sqlite:///{tmp_path / 'fresh.db'}")


def test_existing_tokens_become_work_tokens_that_expire(empty_app) -> None:
    with empty_app.app_context():
        upgrade(revision=BEFORE)
        db.session.execute(
            text(
                'INSERT INTO "user" (id, username, display_name, role, is_active, is_on_duty,'
                " failed_login_count, created_at) VALUES (1, 'dana', 'Dana', 'supervisor',"
                " 1, 1, 0, '2026-11-01 00:00:00')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO api_token (id, user_id, token_digest, name, created_at)"
                " VALUES (1, 1, :digest, 'old', '2026-11-01 00:00:00')"
            ),
            {"digest": "a" * 64},
        )
        db.session.commit()
        upgrade(revision=REVISION)
        scope, expires_at = db.session.execute(
            text("SELECT scope, expires_at FROM api_token")
        ).one()
        db.session.commit()
        assert scope == "work"
        expires = datetime.fromisoformat(str(expires_at)).replace(tzinfo=UTC)
        assert timedelta(days=89) < expires - datetime.now(UTC) <= timedelta(days=90)
        assert "failed_login_count" not in {
            c["name"] for c in inspect(db.engine).get_columns("user")
        }
        downgrade(revision=BEFORE)
        columns = {c["name"] for c in inspect(db.engine).get_columns("user")}
        assert (
            "failed_login_count" in columns
            and "login_failure" not in inspect(db.engine).get_table_names()
        )
        assert db.session.execute(text("SELECT count(*) FROM api_token")).scalar() == 1
        db.session.commit()
