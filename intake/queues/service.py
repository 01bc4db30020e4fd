"""The detective workspace's queues: what a staff member may see, and the listing.

Visibility is decided here, once (:func:`visible_queues`): a detective sees the queues they are a
member of, a supervisor every queue but oversight's, an oversight user the oversight queue alone,
a prosecutor the prosecutor queue alone (what supervisors forward there).
A tip outside what the caller may see is NotFoundError, exactly as if it did not exist
(:func:`intake.tips.service.find_tip`). No function here returns a tipster's identity, its blind
index or the reporter id.

The listing pages through a queue (or every queue the user sees) by urgency or time, one index
range per urgency rank, with cursors, a capped count and, for the staff page, snippets.
"""

from __future__ import annotations

import heapq
import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.orm import Session

from intake.classify.taxonomy import DEFAULT_CATEGORIES
from intake.crypto import CryptoError, Keyring
from intake.errors import InvalidInputError, NotFoundError
from intake.models import (
    URGENCY_RANK,
    AuditEvent,
    Category,
    District,
    Queue,
    Tip,
    TipAwaiting,
    User,
)
from intake.queues.rules import (
    OVERSIGHT,
    OVERSIGHT_QUEUE_KIND,
    PROSECUTOR,
    PROSECUTOR_QUEUE_KIND,
    SORTS,
    SUPERVISING_ROLES,
    SUPERVISOR,
    WORKSPACE_ROLES,
    Cursor,
    decode_cursor,
    encode_cursor,
    snippet_of,
)
from intake.workspace.service import awaiting_among

log = logging.getLogger(__name__)

PAGE_MAX = 200
#: Tips on a staff page of a queue.
LISTING_PAGE = 50
OPEN_STATUSES = ("new", "triaged", "assigned", "investigating")
LISTING_COLUMNS = (
    Tip.id,
    Tip.tip_number,
    Tip.channel,
    Tip.language,
    Tip.category_code,
    Tip.urgency,
    Tip.urgency_rank,
    Tip.status,
    Tip.queue_id,
    Tip.district_id,
    Tip.assignee_id,
    Tip.is_classifier_unsure,
    Tip.created_at,
    Tip.updated_at,
)


# --- visibility --------------------------------------------------------------------------------


def sees_every_queue(user: User) -> bool:
    """Supervisors see every queue but oversight's (listings then scan all tips at once)."""
    return user.role == SUPERVISOR


def may_see(user: User, queue: Queue) -> bool:
    """Whether ``user`` may see ``queue``: the one rule under :func:`visible_queues`."""
    # Officer-conduct complaints must never reach the officer's colleagues: the oversight queue
    # is the oversight role's alone, whatever queue memberships an account was given.
    if queue.kind == OVERSIGHT_QUEUE_KIND:
        return user.role == OVERSIGHT
    # Prosecutors read what supervisors forward to them, and nothing else (never identities:
    # they supervise nothing, so they cannot reveal).
    if user.role == PROSECUTOR:
        return queue.kind == PROSECUTOR_QUEUE_KIND
    if user.role == SUPERVISOR:
        return True
    if user.role == "detective":
        return any(member.id == queue.id for member in user.queues)
    return False


def visible_queues(session: Session, user: User) -> list[Queue]:
    """The queues the user works, by code: the one rule every listing, count, page and export
    follows."""
    return [q for q in session.scalars(select(Queue).order_by(Queue.code)) if may_see(user, q)]


def hidden_queue_ids(session: Session, user: User) -> list[int]:
    """Ids of the queues the user may not see (the complement of :func:`visible_queues`)."""
    visible = {q.id for q in visible_queues(session, user)}
    return [qid for qid in session.scalars(select(Queue.id)) if qid not in visible]


# The detail of a link event naming the other tip (intake.related records it on both tips).
LINKED_TIP = "other_tip"


def hidden_tip_numbers(
    session: Session,
    viewer: User,
    events: Iterable[AuditEvent],
    hidden_queues: list[int] | None = None,
) -> set[str]:
    """The tip numbers the events name (an audit export's ``tip``, a link's other tip) that are
    in a queue ``viewer`` may not see (``hidden_queues``, when the caller has read them)."""
    named = {
        value
        for event in events
        for key in ("tip", LINKED_TIP)
        if isinstance(value := (event.details or {}).get(key), str)
    }
    if named and hidden_queues is None:
        hidden_queues = hidden_queue_ids(session, viewer)
    if not named or not hidden_queues:
        return set()
    return set(
        session.scalars(
            select(Tip.tip_number).where(Tip.tip_number.in_(named), Tip.queue_id.in_(hidden_queues))
        )
    )


def names_hidden(details: dict[str, Any], hidden: set[str]) -> bool:
    """Whether an event's details name one of the ``hidden`` tip numbers."""
    return any(
        isinstance(value := details.get(key), str) and value in hidden
        for key in ("tip", LINKED_TIP)
    )


def queue_workers(session: Session, queue: Queue) -> list[User]:
    """Active staff who may see ``queue`` (who a supervisor may assign its tips to), by name."""
    users = session.scalars(
        select(User).where(User.is_active, User.role.in_(WORKSPACE_ROLES)).order_by(User.username)
    )
    return [u for u in users if may_see(u, queue)]


def supervises(user: User) -> bool:
    """Whether the user supervises the queues they see (re-route, reopen, reveal, audit)."""
    return user.role in SUPERVISING_ROLES


def find_queue(session: Session, user: User, code: str) -> Queue:
    """A queue the user may see, or NotFoundError."""
    for queue in visible_queues(session, user):
        if queue.code == code:
            return queue
    raise NotFoundError("No such queue.")


# --- listing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TipFilters:
    """Listing filters; None means any."""

    status: str | None = None
    category: str | None = None
    urgency: str | None = None
    channel: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    awaiting: bool | None = None
    # ``assignee_id`` (a user's id: "assigned to me") or ``is_unassigned``.
    assignee_id: int | None = None
    is_unassigned: bool = False


@dataclass(frozen=True)
class ListedTip:
    """One line of a queue listing: no identity, and content only as a short snippet that the
    staff page asks for (``snippet`` is None otherwise; the API never carries it)."""

    tip_number: str
    channel: str
    category: str
    urgency: str
    urgency_rank: int
    status: str
    queue: str
    district: str | None
    assignee: str | None
    is_classifier_unsure: bool
    created_at: datetime
    tip_id: uuid.UUID
    is_awaiting: bool = False
    language: str = "en"
    # The category's English name (staff pages are English) and the district's name.
    category_label: str = ""
    place: str | None = None
    snippet: str | None = None
    last_activity_at: datetime | None = None


@dataclass(frozen=True)
class TipPage:
    """A page of a listing and the cursor of the next one."""

    items: list[ListedTip]
    next_cursor: str | None
    prev_cursor: str | None = None


def _filter_clauses(filters: TipFilters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.status == "open":
        clauses.append(Tip.status.in_(OPEN_STATUSES))
    elif filters.status:
        clauses.append(Tip.status == filters.status)
    if filters.category:
        # A NUL (which PostgreSQL's text cannot hold) names no category: nothing matches.
        clauses.append(Tip.category_code == filters.category.replace("\0", "\ufffd"))
    if filters.channel:
        clauses.append(Tip.channel == filters.channel)
    if filters.created_from is not None:
        clauses.append(Tip.created_at >= filters.created_from)
    if filters.created_to is not None:
        clauses.append(Tip.created_at < filters.created_to)
    if filters.assignee_id is not None:
        clauses.append(Tip.assignee_id == filters.assignee_id)
    if filters.is_unassigned:
        clauses.append(Tip.assignee_id.is_(None))
    if filters.awaiting is not None:
        waiting = select(TipAwaiting.tip_id)
        clauses.append(Tip.id.in_(waiting) if filters.awaiting else Tip.id.not_in(waiting))
    return clauses


def listing_statement(
    queue_id: int | None,
    rank: int,
    clauses: list[ColumnElement[bool]],
    cursor: Cursor | None,
    limit: int,
    *,
    is_newest_first: bool = True,
    is_by_activity: bool = False,
) -> Select[*tuple[Any, ...]]:
    """The statement that lists one urgency rank of a queue (or of all), newest (or oldest)
    first, after ``cursor`` (which the caller passes only where it bounds this rank).

    With the rank (and queue) fixed by equality, ``ix_tip_queue_listing (queue_id, urgency_rank,
    created_at, id)`` walked backwards (or forwards) yields rows already in order. After a
    cursor, the row-value comparison ``(created_at, id) < (:c, :i)`` (``>`` walking forwards) is
    one range on that index, so the scan starts at the cursor (SQLite >= 3.15 and PostgreSQL
    seek on it).
    """
    moment = Tip.updated_at if is_by_activity else Tip.created_at
    query = select(*LISTING_COLUMNS).where(Tip.urgency_rank == rank, *clauses)
    if queue_id is not None:
        query = query.where(Tip.queue_id == queue_id)
    if cursor is not None:
        key, at = tuple_(moment, Tip.id), tuple_(cursor.created_at, cursor.tip_id)
        # The plain term is implied by the row value; PostgreSQL estimates a row comparison
        # poorly and then may walk another index and filter, while this term keeps it here.
        if is_newest_first:
            query = query.where(key < at, moment <= cursor.created_at)
        else:
            query = query.where(key > at, moment >= cursor.created_at)
    if is_newest_first:
        return query.order_by(moment.desc(), Tip.id.desc()).limit(limit)
    return query.order_by(moment.asc(), Tip.id.asc()).limit(limit)


@dataclass(frozen=True)
class _Walk:
    """How one page reads the index: by urgency groups or by time alone, and which way."""

    is_by_rank: bool
    is_newest_first: bool
    is_rank_ascending: bool
    is_by_activity: bool = False

    @classmethod
    def of(cls, sort: str, *, is_backward: bool) -> _Walk:
        if sort == "urgency":
            return cls(True, not is_backward, not is_backward)
        newest = sort in ("newest", "activity")
        return cls(False, newest != is_backward, True, sort == "activity")

    def moment(self, row: Any) -> datetime:
        """The time this walk orders by."""
        return row.updated_at if self.is_by_activity else row.created_at  # type: ignore[no-any-return]

    def key(self, row: Any) -> tuple[int, ...]:
        """The row's place in this walk, ascending (for heapq.merge)."""
        micros = (self.moment(row) - _EPOCH) // timedelta(microseconds=1)
        moment = (-micros, -row.id.int) if self.is_newest_first else (micros, row.id.int)
        if not self.is_by_rank:
            return moment
        return (row.urgency_rank if self.is_rank_ascending else -row.urgency_rank, *moment)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _scan(
    session: Session,
    queue_id: int | None,
    ranks: list[int],
    clauses: list[ColumnElement[bool]],
    cursor: Cursor | None,
    want: int,
    walk: _Walk,
) -> list[Any]:
    """Rows of one queue (or all) in the walk's order, one index range per urgency rank.

    Sorting urgent-first then newest mixes directions, which no single index scan yields; one
    statement per rank (at most four, stopping once ``want`` rows are in) keeps each page's
    work independent of how many tips exist. Sorting by time alone merges the ranks' ranges.
    """
    if not walk.is_by_rank:
        per_rank = [
            session.execute(
                listing_statement(
                    queue_id,
                    rank,
                    clauses,
                    cursor,
                    want,
                    is_newest_first=walk.is_newest_first,
                    is_by_activity=walk.is_by_activity,
                )
            ).all()
            for rank in ranks
        ]
        return list(heapq.merge(*per_rank, key=walk.key))[:want]
    rows: list[Any] = []
    for rank in sorted(ranks, reverse=not walk.is_rank_ascending):
        bound = None
        if cursor is not None:
            behind = (
                rank < cursor.urgency_rank if walk.is_rank_ascending else rank > cursor.urgency_rank
            )
            if behind:
                continue
            bound = cursor if rank == cursor.urgency_rank else None
        query = listing_statement(
            queue_id, rank, clauses, bound, want - len(rows), is_newest_first=walk.is_newest_first
        )
        rows.extend(session.execute(query).all())
        if len(rows) >= want:
            break
    return rows


def listing_query_for_explain(queue_id: int, rank: int, cursor: Cursor | None = None) -> Any:
    """The statement one page of a queue runs for ``rank`` (for EXPLAIN in the benchmark)."""
    return listing_statement(queue_id, rank, [], cursor, 51)


@dataclass(frozen=True)
class _Scope:
    """What a listing (or its count) reads: queues (None: every tip, less ``clauses``' hidden
    ones), urgency ranks and the filters' clauses."""

    queue_ids: list[int | None]
    ranks: list[int]
    clauses: list[ColumnElement[bool]]


def _scope(session: Session, user: User, queue_code: str | None, filters: TipFilters) -> _Scope:
    if queue_code is not None:
        scopes: list[int | None] = [find_queue(session, user, queue_code).id]
    elif sees_every_queue(user):
        scopes = [None]
    else:
        scopes = [q.id for q in visible_queues(session, user)]
    ranks = sorted(URGENCY_RANK.values())
    if filters.urgency:
        if filters.urgency not in URGENCY_RANK:
            raise InvalidInputError(fields={"urgency": ["Unknown urgency."]})
        ranks = [URGENCY_RANK[filters.urgency]]
    clauses = _filter_clauses(filters)
    if scopes == [None]:
        # One scan of every tip, less the queues this user may not see (oversight's).
        hidden = hidden_queue_ids(session, user)
        if hidden:
            clauses.append(Tip.queue_id.not_in(hidden))
    return _Scope(scopes, ranks, clauses)


def _read(
    session: Session, scope: _Scope, position: Cursor | None, want: int, walk: _Walk
) -> list[Any]:
    per_scope = [
        _scan(session, queue_id, scope.ranks, scope.clauses, position, want, walk)
        for queue_id in scope.queue_ids
    ]
    merged: Iterator[Any] = (
        iter(per_scope[0]) if len(per_scope) == 1 else heapq.merge(*per_scope, key=walk.key)
    )
    return [row for _, row in zip(range(want), merged, strict=False)]


def _cursor_at(row: Any, sort: str, *, is_backward: bool) -> str:
    moment = row.updated_at if sort == "activity" else row.created_at
    return encode_cursor(Cursor(row.urgency_rank, moment, row.id, sort, is_backward))


def list_tips(
    session: Session,
    user: User,
    *,
    queue_code: str | None = None,
    filters: TipFilters | None = None,
    cursor: str | None = None,
    limit: int = 50,
    keyring: Keyring | None = None,
    sort: str = "urgency",
) -> TipPage:
    """Tips of one queue (or every queue the user sees) in ``sort`` order (default: urgent
    first, then newest), a page after (or, with a backward cursor, before) ``cursor``.

    ``prev_cursor`` is None on the first page. A backward page that finds fewer than ``limit``
    tips before its cursor (tips closed or moved meanwhile) is the first page instead.

    With ``keyring`` each line carries a snippet of its narrative, decrypted for this page only
    (never stored or logged): the staff page asks for it, the API does not.
    """
    if sort not in SORTS:
        raise InvalidInputError(fields={"sort": ["Unknown order."]})
    filters = filters or TipFilters()
    limit = max(1, min(limit, PAGE_MAX))
    position = decode_cursor(cursor) if cursor else None
    if position is not None and position.sort != sort:
        raise InvalidInputError(fields={"cursor": ["This cursor is for another order."]})
    scope = _scope(session, user, queue_code, filters)
    want = limit + 1
    if position is not None and position.is_backward:
        walk = _Walk.of(sort, is_backward=True)
        before = _read(session, scope, position, want, walk)
        if len(before) >= limit:
            rows = list(reversed(before[:limit]))
            prev_cursor: str | None = (
                _cursor_at(rows[0], sort, is_backward=True) if len(before) > limit else None
            )
            after = _cursor_at(rows[-1], sort, is_backward=False)
            return TipPage(_listed(session, rows, keyring), after, prev_cursor)
        position = None  # back at the start
    rows = _read(session, scope, position, want, _Walk.of(sort, is_backward=False))
    next_cursor: str | None = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _cursor_at(rows[-1], sort, is_backward=False)
    prev_cursor = None
    if position is not None:
        # From the first row shown, or (an empty page) from where this page began.
        first = rows[0] if rows else None
        prev_cursor = (
            _cursor_at(first, sort, is_backward=True)
            if first is not None
            else encode_cursor(replace(position, is_backward=True))
        )
    return TipPage(_listed(session, rows, keyring), next_cursor, prev_cursor)


#: Past this many a listing says "10,000+" instead of counting on (the count stays cheap).
COUNT_CAP = 10_000


@dataclass(frozen=True)
class TipCount:
    """How many tips a listing holds, counted up to a cap."""

    total: int
    is_capped: bool


def count_tips(
    session: Session,
    user: User,
    *,
    queue_code: str | None = None,
    filters: TipFilters | None = None,
    cap: int | None = None,
) -> TipCount:
    """How many tips :func:`list_tips` would page through (same queues, filters and access),
    in one COUNT that stops at ``cap`` (default :data:`COUNT_CAP`) + 1 rows."""
    cap = COUNT_CAP if cap is None else cap
    scope = _scope(session, user, queue_code, filters or TipFilters())
    query = select(Tip.id).where(*scope.clauses)
    if len(scope.ranks) == 1:
        query = query.where(Tip.urgency_rank == scope.ranks[0])
    if scope.queue_ids != [None]:
        query = query.where(Tip.queue_id.in_([q for q in scope.queue_ids if q is not None]))
    counted = int(
        session.scalar(select(func.count()).select_from(query.limit(cap + 1).subquery())) or 0
    )
    return TipCount(min(counted, cap), counted > cap)


def listed_tips(session: Session, rows: list[Any]) -> list[ListedTip]:
    """Listing lines of rows selected with ``LISTING_COLUMNS`` (search shares the row shape)."""
    return _listed(session, rows)


def category_labels(session: Session) -> dict[str, str]:
    """Each category's English name: the loaded categories, else the default taxonomy's."""
    labels = {c.code: c.label_en for c in DEFAULT_CATEGORIES}
    labels.update(session.execute(select(Category.code, Category.label_en)).all())
    return labels


def _snippets(session: Session, keyring: Keyring, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    # Only the page's own tips are opened (at most PAGE_MAX): the listing stays cheap.
    if not ids:
        return {}
    snippets = {}
    for tip in session.scalars(select(Tip).where(Tip.id.in_(ids))):
        try:
            snippets[tip.id] = snippet_of(tip.narrative.read(keyring))
        except CryptoError:
            # One unreadable tip (its key shredded or retired) must not take the queue down.
            log.warning("tip id %s: narrative unreadable for the listing", tip.id)
            snippets[tip.id] = ""
    return snippets


def _listed(session: Session, rows: list[Any], keyring: Keyring | None = None) -> list[ListedTip]:
    awaiting = awaiting_among(session, [row.id for row in rows])
    queue_codes = dict(session.execute(select(Queue.id, Queue.code)).all())
    district_ids = {row.district_id for row in rows if row.district_id is not None}
    districts: dict[int, tuple[str, str]] = {}
    if district_ids:
        districts = {
            row.id: (row.code, row.name)
            for row in session.execute(
                select(District.id, District.code, District.name).where(
                    District.id.in_(district_ids)
                )
            )
        }
    labels = category_labels(session)
    snippets = _snippets(session, keyring, [row.id for row in rows]) if keyring else {}
    assignee_ids = {row.assignee_id for row in rows if row.assignee_id is not None}
    assignees: dict[int, str] = {}
    if assignee_ids:
        assignees = dict(
            session.execute(select(User.id, User.username).where(User.id.in_(assignee_ids))).all()
        )
    return [
        ListedTip(
            tip_number=row.tip_number,
            channel=row.channel,
            category=row.category_code,
            urgency=row.urgency,
            urgency_rank=row.urgency_rank,
            status=row.status,
            queue=queue_codes.get(row.queue_id, ""),
            district=districts[row.district_id][0] if row.district_id in districts else None,
            assignee=assignees.get(row.assignee_id) if row.assignee_id is not None else None,
            is_classifier_unsure=bool(row.is_classifier_unsure),
            created_at=row.created_at,
            tip_id=row.id,
            is_awaiting=row.id in awaiting,
            language=row.language,
            category_label=labels.get(row.category_code, row.category_code),
            place=districts[row.district_id][1] if row.district_id in districts else None,
            snippet=snippets.get(row.id, "") if keyring else None,
            last_activity_at=row.updated_at,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class QueueSummary:
    """A queue with its counts of open tips."""

    code: str
    name: str
    kind: str
    open_count: int
    new_count: int
    urgent_count: int
    emergency_count: int


def queue_summaries(session: Session, user: User) -> list[QueueSummary]:
    """The user's queues with open, new and urgent counts; queues with emergencies first."""
    queues = visible_queues(session, user)
    if not queues:
        return []
    counts: dict[tuple[int, str, str], int] = {}
    rows = session.execute(
        select(Tip.queue_id, Tip.status, Tip.urgency, func.count())
        .where(Tip.queue_id.in_([q.id for q in queues]), Tip.status.in_(OPEN_STATUSES))
        .group_by(Tip.queue_id, Tip.status, Tip.urgency)
    ).all()
    for queue_id, status, urgency, count in rows:
        counts[(queue_id, status, urgency)] = count

    def total(queue_id: int, *, status: str | None = None, urgencies: Iterable[str] = ()) -> int:
        wanted = set(urgencies)
        return sum(
            n
            for (qid, st, urg), n in counts.items()
            if qid == queue_id
            and (status is None or st == status)
            and (not wanted or urg in wanted)
        )

    summaries = [
        QueueSummary(
            code=q.code,
            name=q.name,
            kind=q.kind,
            open_count=total(q.id),
            new_count=total(q.id, status="new"),
            urgent_count=total(q.id, urgencies=("emergency", "possible_emergency", "high")),
            # A possible emergency alerts like one: it counts here until someone checks it.
            emergency_count=total(q.id, urgencies=("emergency", "possible_emergency")),
        )
        for q in queues
    ]
    return sorted(summaries, key=lambda s: (-s.emergency_count, -s.urgent_count, s.code))
