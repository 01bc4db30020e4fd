"""Reference data read on every submission (categories, queues), cached per app.

A submission would otherwise spend most of its queries re-reading tables that change a few times
a year. The snapshot lives in the app's caches (:class:`intake.state.Caches`): refreshed at most
every REFERENCE_CACHE_SECONDS (0 in tests), so a change made by the CLI in another process is
seen within that time, and at once after :func:`invalidate` in this one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from intake.models import Category, Queue
from intake.state import current_state

TRIAGE_QUEUE = "triage"


@dataclass(frozen=True)
class ReferenceSnapshot:
    """Categories and queues as they were when read."""

    category_overrides: dict[str, str]  # category code -> queue code
    extra_keywords: dict[str, list[str]]  # category code -> administrator keywords
    active_categories: frozenset[str]
    queue_ids: dict[str, int]  # routable queue code -> id (triage always included)


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
    caches = current_state().caches
    key = ("reference", str(session.get_bind().engine.url))
    cached: ReferenceSnapshot | None = caches.fresh(key)
    if cached is None:
        cached = _read(session)
        caches.store(key, cached)
    return cached


def invalidate() -> None:
    """Forget every cached read of the app (after this process changed categories, queues or
    districts)."""
    current_state().caches.invalidate()
