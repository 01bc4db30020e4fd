"""The unit of work: a request's writes are committed when it answers below 400, rolled back
otherwise; the named opt-outs; the CLI's and the worker's ``unit_of_work()``; and a source walk
that keeps ``commit()`` and ``rollback()`` out of every module that defines views."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort, has_request_context, redirect
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from intake.audit.service import record_event
from intake.extensions import db
from intake.models import AuditEvent, LifecycleRun, utcnow
from intake.unit_of_work import (
    PendingWritesError,
    after_commit,
    attempt,
    end_read,
    keep_on_error,
    unit_of_work,
)

JSON = {"Accept": "application/json"}
REPO_ROOT = Path(__file__).resolve().parent.parent

#: Modules that still commit in their views: none (the list may only stay empty).
STILL_COMMITTING: set[str] = set()


def _write(name: str) -> None:
    db.session.add(LifecycleRun(name=name, last_run_at=utcnow()))
    db.session.flush()


def _stored(app: Flask, name: str) -> bool:
    with app.app_context():
        found = db.session.get(LifecycleRun, name) is not None
        db.session.rollback()
        return found


@pytest.fixture
def uow_app(make_app: Any) -> tuple[Flask, list[str]]:
    """An app with test-only views that write a row and answer as told."""
    app: Flask = make_app(ratelimit_enabled=False)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the answer a client gets, not the traceback
    events: list[str] = []

    @app.get("/t/write/<name>/<int:status>")
    def write(name: str, status: int) -> Any:
        _write(name)
        if status in (301, 302, 303):
            return redirect("/elsewhere", code=status)
        return {"written": name}, status

    @app.get("/t/raise/<name>")
    def explode(name: str) -> Any:
        _write(name)
        raise RuntimeError("a bug in the view")

    @app.get("/t/abort/<name>")
    def refuse(name: str) -> Any:
        _write(name)
        abort(403)

    @app.get("/t/keep/<name>/<int:status>")
    def keep(name: str, status: int) -> Any:
        _write(name)
        keep_on_error()
        return {"kept": name}, status

    @app.get("/t/keep-then-raise/<name>")
    def keep_then_raise(name: str) -> Any:
        _write(name)
        keep_on_error()
        raise RuntimeError("a bug after the opt-out")

    @app.get("/t/after/<name>/<int:status>")
    def then(name: str, status: int) -> Any:
        _write(name)
        after_commit(lambda: events.append(f"after {name}: stored={_stored(app, name)}"))
        return {"written": name}, status

    @app.get("/t/attempt/<name>")
    def tried(name: str) -> Any:
        _write(name + "-kept")
        try:
            with attempt():
                _write(name)
                raise ValueError("refused")
        except ValueError:
            pass
        return redirect("/elsewhere")

    @app.get("/t/attempt-audited")
    def tried_audited() -> Any:
        record_event(db.session(), "test.kept")
        try:
            with attempt():
                record_event(db.session(), "test.refused")
                raise ValueError("refused")
        except ValueError:
            pass
        return redirect("/elsewhere")

    @app.get("/t/explicit/<name>")
    def explicit(name: str) -> Any:
        _write(name)
        db.session.commit()  # the queues' views still do this; the automatic commit is a no-op
        return {"written": name}

    @app.get("/t/audit/<int:status>")
    def audited(status: int) -> Any:
        record_event(db.session(), "test.event", details={"status": status})
        return {"audited": status}, status

    @app.get("/t/read-then-network/<name>")
    def read_then_network(name: str) -> Any:
        db.session.scalar(select(LifecycleRun).where(LifecycleRun.name == name))
        end_read()
        events.append(f"in transaction: {db.session().in_transaction()}")
        return {"read": name}

    @app.get("/t/end-read-after-write/<name>")
    def end_read_after_write(name: str) -> Any:
        db.session.add(LifecycleRun(name=name, last_run_at=utcnow()))
        end_read()
        return {"read": name}

    return app, events


@pytest.mark.parametrize("status", [200, 201, 204, 302, 303])
def test_an_answer_below_400_commits(uow_app, status) -> None:
    app, _ = uow_app
    response = app.test_client().get(f"/t/write/ok{status}/{status}")
    assert response.status_code == status
    assert _stored(app, f"ok{status}")


@pytest.mark.parametrize("status", [400, 401, 404, 409, 422, 500, 503])
def test_an_answer_of_400_or_more_rolls_back(uow_app, status) -> None:
    app, _ = uow_app
    response = app.test_client().get(f"/t/write/no{status}/{status}")
    assert response.status_code == status
    assert not _stored(app, f"no{status}")


def test_an_http_error_raised_by_the_view_rolls_back(uow_app) -> None:
    app, _ = uow_app
    assert app.test_client().get("/t/abort/aborted").status_code == 403
    assert not _stored(app, "aborted")


def test_an_exception_rolls_back(uow_app) -> None:
    app, _ = uow_app
    response = app.test_client().get("/t/raise/boom", headers=JSON)
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert not _stored(app, "boom")


def test_an_exception_rolls_back_when_exceptions_propagate(uow_app) -> None:
    app, _ = uow_app
    app.config["PROPAGATE_EXCEPTIONS"] = True  # as under the test runner by default
    with pytest.raises(RuntimeError):
        app.test_client().get("/t/raise/propagated")
    assert not _stored(app, "propagated")


@pytest.mark.parametrize("status", [401, 429, 503])
def test_keep_on_error_commits_an_error_answer(uow_app, status) -> None:
    app, _ = uow_app
    response = app.test_client().get(f"/t/keep/kept{status}/{status}")
    assert response.status_code == status
    assert _stored(app, f"kept{status}")


def test_keep_on_error_never_keeps_the_writes_of_a_view_that_raised(uow_app) -> None:
    app, _ = uow_app
    assert app.test_client().get("/t/keep-then-raise/bug").status_code == 500
    assert not _stored(app, "bug")


def test_keep_on_error_lasts_one_request(uow_app) -> None:
    app, _ = uow_app
    client = app.test_client()
    client.get("/t/keep/first/401")
    assert client.get("/t/write/second/401").status_code == 401
    assert _stored(app, "first") and not _stored(app, "second")


def test_after_commit_runs_once_the_writes_are_stored_and_never_on_a_rollback(uow_app) -> None:
    app, events = uow_app
    client = app.test_client()
    client.get("/t/after/done/200")
    client.get("/t/after/refused/400")
    assert events == ["after done: stored=True"]


def test_an_attempt_undoes_only_its_own_writes(uow_app) -> None:
    app, _ = uow_app
    assert app.test_client().get("/t/attempt/try").status_code == 302
    assert _stored(app, "try-kept") and not _stored(app, "try")


def test_an_attempt_undoes_its_audit_events_too(uow_app) -> None:
    app, _ = uow_app
    assert app.test_client().get("/t/attempt-audited").status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        db.session.rollback()
    assert "test.kept" in actions and "test.refused" not in actions


def test_an_explicit_commit_before_the_automatic_one_is_kept(uow_app) -> None:
    app, _ = uow_app
    assert app.test_client().get("/t/explicit/early").status_code == 200
    assert _stored(app, "early")


def _audit_count(app: Flask) -> int:
    with app.app_context():
        count = len(db.session.scalars(select(AuditEvent.seq)).all())
        db.session.rollback()
        return count


def test_audit_events_are_chained_on_success_and_dropped_on_a_refusal(uow_app) -> None:
    app, _ = uow_app
    before = _audit_count(app)
    client = app.test_client()
    client.get("/t/audit/403")
    assert _audit_count(app) == before
    client.get("/t/audit/200")
    assert _audit_count(app) == before + 1


def test_end_read_ends_a_read_before_network_calls(uow_app) -> None:
    app, events = uow_app
    assert app.test_client().get("/t/read-then-network/nothing").status_code == 200
    assert events == ["in transaction: False"]


def test_end_read_refuses_to_drop_pending_writes(uow_app) -> None:
    app, _ = uow_app
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(PendingWritesError):
        app.test_client().get("/t/end-read-after-write/lost")
    assert not _stored(app, "lost")


def failing_request_commits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every commit inside a request fail as a lost database would; tests' own still work."""
    failed: list[str] = []
    real: Callable[[FlaskSession], None] = FlaskSession.commit

    def commit(self: FlaskSession) -> None:
        if has_request_context():
            failed.append("commit")
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
        real(self)

    monkeypatch.setattr(FlaskSession, "commit", commit)
    return failed


def test_a_failed_commit_answers_500_not_the_view_s_answer(uow_app, monkeypatch) -> None:
    app, events = uow_app
    failed = failing_request_commits(monkeypatch)
    response = app.test_client().get("/t/after/unsaved/201", headers=JSON)
    assert failed == ["commit"]
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert not _stored(app, "unsaved")
    assert events == []  # nothing that needs the writes stored ran


# --- the CLI's and the worker's unit of work --------------------------------------------------


def test_unit_of_work_commits_when_the_block_ends(app) -> None:
    with app.app_context():
        with unit_of_work() as session:
            session.add(LifecycleRun(name="cli-ok", last_run_at=utcnow()))
        db.session.remove()
    assert _stored(app, "cli-ok")


def test_unit_of_work_rolls_back_when_the_block_raises(app) -> None:
    with app.app_context():
        with pytest.raises(SystemExit), unit_of_work() as session:
            session.add(LifecycleRun(name="cli-failed", last_run_at=utcnow()))
            session.flush()
            raise SystemExit(1)  # as click.ClickException and sys.exit(1) leave a command
        assert not db.session().in_transaction()
        db.session.remove()
    assert not _stored(app, "cli-failed")


# --- handlers never commit ---------------------------------------------------------------------


def _defines_views(tree: ast.Module) -> bool:
    """A module with a route decorator (``@bp.get``, ``@bp.route``, ``@app.post`` ...) or a
    MethodView."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                call = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(call, ast.Attribute) and call.attr in {
                    "route",
                    "get",
                    "post",
                    "put",
                    "patch",
                    "delete",
                }:
                    return True
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
                if name == "MethodView":
                    return True
    return False


def _transaction_calls(tree: ast.Module) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"commit", "rollback"}
    ]


def _committing_view_modules() -> dict[str, list[int]]:
    found = {}
    for path in sorted((REPO_ROOT / "intake").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        if _defines_views(tree):
            lines = _transaction_calls(tree)
            if lines:
                found[path.relative_to(REPO_ROOT).as_posix()] = lines
    return found


def test_no_module_that_defines_views_commits_or_rolls_back() -> None:
    found = _committing_view_modules()
    unexpected = {path: lines for path, lines in found.items() if path not in STILL_COMMITTING}
    assert unexpected == {}, "views end no transaction: see intake/unit_of_work.py"
    # The list shrinks as modules move over: a module that no longer commits leaves it.
    assert set(found) == STILL_COMMITTING


def test_the_source_walk_sees_views_and_their_commits() -> None:
    module = ast.parse(
        "from flask import Blueprint\n"
        "bp = Blueprint('x', __name__)\n"
        "@bp.post('/')\n"
        "def view():\n"
        "    db.session.commit()\n"
    )
    assert _defines_views(module) and _transaction_calls(module) == [5]
    assert not _defines_views(ast.parse("def command():\n    db.session.commit()\n"))
