"""Where transactions end: one unit of work per request, per CLI command, per worker step.

Services only flush; handlers neither commit nor roll back. After each request the unit of work
commits when the response's status is below 400, and rolls back otherwise (and when the view
raised). It runs in ``after_request``, so the commit happens before the response leaves: a
client is never told "stored" (a 201, a 200 to a provider's webhook) about writes that then fail
to commit. A commit that fails turns the answer into a 500. A streamed body (a generator) runs
after the commit: it must write nothing (no view streams today; attachment downloads and exports
are built whole before the commit).

Four named ways out of the rule, for the places that need one:

- ``keep_on_error()``: keep this request's writes although it answers with an error: the
  failed-login counter and lock-out, and a batch webhook that stored part of its events and asks
  the provider to send the rest again. Never kept when the view raised an unexpected exception.
- ``after_commit(callback)``: network work that may only happen once the writes are durable
  (deleting a stored photo at the provider). It runs after the request's commit, before the
  response is sent, and never when the request rolls back.
- ``end_read()``: end a transaction that has only read before slow network calls, so no database
  lock (SQLite's write lock) is held across them. Writes pending there are a bug: it raises.
- ``attempt()``: a savepoint for a page that shows a refused change on a successful answer
  (flash the reason, redirect): what the attempt wrote goes, the rest of the request stays.

CLI commands and the outbound worker use ``unit_of_work()``: commit when the block ends, roll
back when it raises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, got_request_exception, request
from sqlalchemy.orm import Session

from intake.audit.service import discard_pending_events, has_pending_events, savepoint
from intake.extensions import db

log = logging.getLogger(__name__)

KEEP_KEY = "intake.uow_keep"
FAILED_KEY = "intake.uow_failed"
AFTER_COMMIT_KEY = "intake.uow_after_commit"


class PendingWritesError(RuntimeError):
    """``end_read()`` met writes that were never committed."""


def has_pending_work(session: Session) -> bool:
    """Whether ending ``session``'s transaction would commit or discard anything."""
    return (
        session.in_transaction()
        or bool(session.new or session.dirty or session.deleted)
        or has_pending_events(session)
    )


def discard(session: Session) -> None:
    """Roll back, including audit events recorded but not yet flushed."""
    session.rollback()
    discard_pending_events(session)


@contextmanager
def unit_of_work(session: Session | None = None) -> Iterator[Session]:
    """One transaction for a CLI command or a worker step: commit at the end, roll back on error."""
    session = session if session is not None else db.session()
    try:
        yield session
    except BaseException:
        discard(session)
        raise
    session.commit()


@contextmanager
def attempt(session: Session | None = None) -> Iterator[Session]:
    """A savepoint: what the block wrote is undone when it raises (and the error goes on)."""
    session = session if session is not None else db.session()
    # Audit events wait in the session until the commit, outside the savepoint: its rollback
    # drops those recorded inside it and keeps those recorded before (intake.audit.service).
    with savepoint(session):
        yield session


def keep_on_error() -> None:
    """Commit this request's writes even though it answers with a status of 400 or more."""
    request.environ[KEEP_KEY] = True


def after_commit(callback: Callable[[], object]) -> None:
    """Run ``callback`` once this request's writes are committed (never if they roll back)."""
    request.environ.setdefault(AFTER_COMMIT_KEY, []).append(callback)


def end_read(session: Session | None = None) -> None:
    """End a read-only transaction now (before network calls); PendingWritesError if it wrote."""
    session = session if session is not None else db.session()
    if session.new or session.dirty or session.deleted or has_pending_events(session):
        raise PendingWritesError("end_read() with writes pending")
    # A flush that already ran is invisible to the session's bookkeeping; only reads may precede.
    session.rollback()


def _name(callback: Callable[[], object]) -> str:
    return str(getattr(callback, "__qualname__", type(callback).__name__))


def _mark_failed(_sender: Any, **_extra: Any) -> None:
    if request:
        request.environ[FAILED_KEY] = True


def _finish(response: Response) -> Response:
    """Commit or roll back the request's session, before the response is sent."""
    if not db.session.registry.has():
        return response
    session = db.session()
    environ = request.environ
    callbacks: list[Callable[[], object]] = environ.pop(AFTER_COMMIT_KEY, [])
    keep = environ.get(KEEP_KEY, False) and not environ.get(FAILED_KEY, False)
    if response.status_code < 400 or keep:
        if has_pending_work(session):
            try:
                session.commit()
            except BaseException:
                discard(session)
                raise  # Flask answers 500: nothing the client was about to be told is true
        for callback in callbacks:
            try:
                callback()
            except Exception as error:  # noqa: BLE001 - the writes are stored; the answer stands
                log.error("after-commit %s failed (%s)", _name(callback), type(error).__name__)
    else:
        discard(session)
    return response


def _on_teardown(error: BaseException | None) -> None:
    # A view that raised with exceptions propagated (tests) never reaches ``_finish``.
    if error is not None and db.session.registry.has():
        discard(db.session())


def init_unit_of_work(app: Flask) -> None:
    """End each request's transaction by its answer (see the module's docstring)."""
    # Registered first, so it runs after every other after_request function.
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)
    app.teardown_request(_on_teardown)
    got_request_exception.connect(_mark_failed, app)
