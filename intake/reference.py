"""Reference data read on every submission (categories, queues), cached per process.

A submission would otherwise spend most of its queries re-reading tables that change a few times
a year. The snapshot is refreshed at most every ``ttl`` seconds (REFERENCE_CACHE_SECONDS; 0 in
tests), so a change made by the CLI in another process is seen within that time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from intake.models import Category, Queue

TRIAGE_QUEUE = "triage"


@dataclass(frozen=True)
class ReferenceSnapshot:
    """Categories and queues as they were when read."""

    category_overrides: dict[str, str]  # category code -> queue code
    extra_keywords: dict[str, list[str]]  # category code -> administrator keywords
    active_categories: frozenset[str]
    queue_ids: dict[str, int]  # routable queue code -> id (triage always included)


_lock = threading.Lock()
_snapshots: dict[str, tuple[float, ReferenceSnapshot]] = {}
_ttl = 5.0


def configure(ttl_seconds: float) -> None:
    """Set how long a snapshot is trusted (create_app calls it from the settings)."""
    global _ttl
    _ttl = ttl_seconds


def ttl() -> float:
    """Seconds a snapshot is trusted."""
    return _ttl


def _read(session: Session) -> ReferenceSnapshot:
    categories = session.execute(
        select(Category.code, Category.queue_code, Category.keywords, Category.is_active)
    ).all()
    queues = session.execute(
        select(Queue.code, Queue.id).where(
            or_(Queue.is_active.is_(True), Queue.code == TRIAGE_QUEUE)
        )
    ).all()
    return ReferenceSnapshot(
        category_overrides={c.code: c.queue_code for c in categories if c.queue_code},
        extra_keywords={c.code: list(c.keywords) for c in categories if c.keywords and c.is_active},
        active_categories=frozenset(c.code for c in categories if c.is_active),
        queue_ids={row.code: row.id for row in queues},
    )


def snapshot(session: Session) -> ReferenceSnapshot:
    """The current reference data for this database."""
    key = str(session.get_bind().engine.url)
    now = time.monotonic()
    cached = _snapshots.get(key)
    if cached is not None and now - cached[0] < _ttl:
        return cached[1]
    fresh = _read(session)
    with _lock:
        _snapshots[key] = (now, fresh)
    return fresh


def invalidate() -> None:
    """Forget every snapshot (after this process changed categories or queues)."""
    with _lock:
        _snapshots.clear()
