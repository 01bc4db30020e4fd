"""The surge view: tips since a time (a public appeal), grouped into clusters, with counts.

A group is the tips joined by confirmed links ("same incident", chained through tips outside the
window too) or by the same photo (perceptual hash: re-sent or resized copies of one picture), as
the viewer's visible queues hold them. Nothing here reads sealed content.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from intake.models import SearchToken, Tip, TipLink, User
from intake.queues import service as queues

# Tips a surge view reads at most (newest first); above it the view says it is cut short.
SURGE_MAX_TIPS = 2000
_CHUNK = 500  # ids per IN list (SQLite's bound-parameter limit, PostgreSQL's plan size)


@dataclass(frozen=True)
class SurgeGroup:
    """Tips that are likely one thing, newest first, and why they are together."""

    tips: list[queues.ListedTip]
    why: list[str]
    categories: list[tuple[str, int]]

    @property
    def size(self) -> int:
        return len(self.tips)

    @property
    def first_at(self) -> datetime:
        return self.tips[-1].created_at

    @property
    def last_at(self) -> datetime:
        return self.tips[0].created_at


@dataclass(frozen=True)
class Surge:
    """A surge view: groups (largest first), the tips in no group, and the counts."""

    since: datetime
    total: int
    groups: list[SurgeGroup]
    ungrouped: list[queues.ListedTip]
    is_cut_short: bool


class _Groups:
    """Union-find over tip ids, remembering why two were joined."""

    def __init__(self) -> None:
        self.parent: dict[uuid.UUID, uuid.UUID] = {}
        self.why: dict[uuid.UUID, set[str]] = {}

    def find(self, a: uuid.UUID) -> uuid.UUID:
        self.parent.setdefault(a, a)
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def join(self, a: uuid.UUID, b: uuid.UUID, why: str) -> None:
        ra, rb = self.find(a), self.find(b)
        reasons = self.why.pop(ra, set()) | self.why.pop(rb, set()) | {why}
        self.parent[ra] = rb
        self.why[rb] = reasons


def _chunks(ids: list[uuid.UUID]) -> Iterable[list[uuid.UUID]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def surge(session: Session, user: User, since: datetime, *, category: str | None = None) -> Surge:
    """Tips of the viewer's visible queues created at or after ``since``, grouped."""
    visible = [q.id for q in queues.visible_queues(session, user)]
    query = select(*queues.LISTING_COLUMNS).where(
        Tip.created_at >= since, Tip.queue_id.in_(visible)
    )
    if category:
        query = query.where(Tip.category_code == category)
    rows = list(
        session.execute(
            query.order_by(Tip.created_at.desc(), Tip.id.desc()).limit(SURGE_MAX_TIPS + 1)
        )
    )
    is_cut_short = len(rows) > SURGE_MAX_TIPS
    rows = rows[:SURGE_MAX_TIPS]
    listed = queues.listed_tips(session, rows)
    ids = [tip.tip_id for tip in listed]
    groups = _Groups()
    rejected: set[tuple[uuid.UUID, uuid.UUID]] = set()
    # Confirmed links, followed through tips outside the window (two tips of the appeal both
    # confirmed to last week's tip are one incident); a rejected pair is never grouped.
    frontier, seen = list(ids), set(ids)
    while frontier:
        next_frontier: list[uuid.UUID] = []
        for chunk in _chunks(frontier):
            links = session.execute(
                select(TipLink.low_tip_id, TipLink.high_tip_id, TipLink.decision).where(
                    or_(TipLink.low_tip_id.in_(chunk), TipLink.high_tip_id.in_(chunk))
                )
            )
            for low, high, decision in links:
                if decision != "confirmed":
                    rejected.add((low, high) if low.hex < high.hex else (high, low))
                    continue
                groups.join(low, high, "confirmed: same incident")
                for tid in (low, high):
                    if tid not in seen:
                        seen.add(tid)
                        next_frontier.append(tid)
        frontier = next_frontier if len(seen) < 10 * SURGE_MAX_TIPS else []
    by_photo: dict[bytes, list[uuid.UUID]] = {}
    for chunk in _chunks(ids):
        photos = session.execute(
            select(SearchToken.token, SearchToken.tip_id).where(
                SearchToken.tip_id.in_(chunk), SearchToken.field == "photo"
            )
        )
        for token, tip_id in photos:
            by_photo.setdefault(token, []).append(tip_id)
    for tip_ids in by_photo.values():
        first = tip_ids[0]
        for other in tip_ids[1:]:
            pair = (first, other) if first.hex < other.hex else (other, first)
            if other != first and pair not in rejected:
                groups.join(first, other, "same photo")
    members: dict[uuid.UUID, list[queues.ListedTip]] = {}
    for tip in listed:  # newest first, so each group's list is too
        if tip.tip_id in groups.parent:
            members.setdefault(groups.find(tip.tip_id), []).append(tip)
    built = [
        SurgeGroup(
            tips=tips,
            why=sorted(groups.why.get(root, set())),
            categories=Counter(t.category for t in tips).most_common(),
        )
        for root, tips in members.items()
        if len(tips) > 1
    ]
    built.sort(key=lambda g: (g.size, g.last_at), reverse=True)
    grouped = {t.tip_id for g in built for t in g.tips}
    return Surge(
        since=since,
        total=len(listed),
        groups=built,
        ungrouped=[t for t in listed if t.tip_id not in grouped],
        is_cut_short=is_cut_short,
    )
