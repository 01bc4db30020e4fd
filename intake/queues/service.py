"""The detective workspace: what a staff member may see of the queues, and the tip workflow.

Visibility is decided here, once (:func:`visible_queues`): a detective sees the queues they are a
member of, a supervisor every queue but oversight's, an oversight user the oversight queue alone,
a prosecutor the prosecutor queue alone (what supervisors forward there).
A tip outside what the caller may see is NotFoundError, exactly as if it did not exist. No
function here returns a tipster's identity, its blind index or the reporter id, except
:func:`reveal_identity` (the queue's supervisors, with a reason and a fresh TOTP code, audited).

Every view of a tip, change, reply, reveal and download appends an audit event (last, as the
audit service asks). Functions flush; the request commits.
"""

from __future__ import annotations

import heapq
import logging
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.orm import Session

from intake.attachments.service import read_attachment
from intake.audit.service import record_event, savepoint
from intake.classify.taxonomy import DEFAULT_CATEGORIES
from intake.crypto import CryptoError, Keyring
from intake.errors import (
    ConflictError,
    ForbiddenError,
    IntakeError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
)
from intake.models import (
    URGENCY_RANK,
    Attachment,
    AuditEvent,
    Category,
    District,
    Message,
    Note,
    Queue,
    Tip,
    TipAwaiting,
    TipCorrection,
    User,
    utcnow,
)
from intake.outbound.service import enqueue_reply, enqueue_reveal_notice
from intake.queues.rules import (
    DISPOSITIONS,
    NOTE_MAX,
    OVERSIGHT,
    OVERSIGHT_QUEUE_KIND,
    PROSECUTOR,
    PROSECUTOR_QUEUE_KIND,
    REPLY_MAX,
    REVEAL_LIMIT,
    REVEAL_REASON_MIN,
    REVEAL_WINDOW_SECONDS,
    SORTS,
    SUPERVISING_ROLES,
    SUPERVISOR,
    WORKSPACE_ROLES,
    Cursor,
    TransitionError,
    check_transition,
    decode_cursor,
    encode_cursor,
    snippet_of,
)
from intake.search.index import index_text, move_tokens
from intake.staff.service import AuthenticationError, check_totp
from intake.submissions.rules import normalise_tip_number
from intake.submissions.service import (
    read_identity,
)
from intake.workspace.service import awaiting_among, mark_staff_answered

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


def _may_see(user: User, queue: Queue) -> bool:
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
    return [q for q in session.scalars(select(Queue).order_by(Queue.code)) if _may_see(user, q)]


def hidden_queue_ids(session: Session, user: User) -> list[int]:
    """Ids of the queues the user may not see (the complement of :func:`visible_queues`)."""
    visible = {q.id for q in visible_queues(session, user)}
    return [qid for qid in session.scalars(select(Queue.id)) if qid not in visible]


def queue_workers(session: Session, queue: Queue) -> list[User]:
    """Active staff who may see ``queue`` (who a supervisor may assign its tips to), by name."""
    users = session.scalars(
        select(User).where(User.is_active, User.role.in_(WORKSPACE_ROLES)).order_by(User.username)
    )
    return [u for u in users if _may_see(u, queue)]


def supervises(user: User) -> bool:
    """Whether the user supervises the queues they see (re-route, reopen, reveal, audit)."""
    return user.role in SUPERVISING_ROLES


def find_queue(session: Session, user: User, code: str) -> Queue:
    """A queue the user may see, or NotFoundError."""
    for queue in visible_queues(session, user):
        if queue.code == code:
            return queue
    raise NotFoundError("No such queue.")


def find_tip(session: Session, user: User, tip_number: str) -> Tip:
    """A tip in a queue the user may see, or NotFoundError (also for tips elsewhere)."""
    number = normalise_tip_number(tip_number)
    tip = session.scalar(select(Tip).where(Tip.tip_number == number)) if number else None
    if tip is None or tip.queue_id not in {q.id for q in visible_queues(session, user)}:
        raise NotFoundError("No such tip.")
    return tip


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
            snippets[tip.id] = snippet_of(tip.narrative(keyring))
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


# --- one tip -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadEntry:
    """A message of the thread as staff see it."""

    direction: str
    channel: str
    created_at: datetime
    body: str
    delivery_status: str
    delivery_error: str | None
    author: str | None


@dataclass(frozen=True)
class NoteEntry:
    """An internal note."""

    author: str | None
    created_at: datetime
    body: str


@dataclass(frozen=True)
class AttachmentEntry:
    """An attachment's metadata (the bytes are downloaded separately)."""

    id: uuid.UUID
    content_type: str
    size_bytes: int
    sha256: str
    created_at: datetime
    from_message: bool


@dataclass(frozen=True)
class HistoryEntry:
    """An audit event of the tip."""

    seq: int
    created_at: datetime
    action: str
    actor_kind: str
    actor: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class TipDetail:
    """Everything staff may see about a tip. Never the identity."""

    tip_number: str
    channel: str
    language: str
    status: str
    disposition: str | None
    rms_case_number: str | None
    queue: str
    queue_name: str
    district: str | None
    routing_reason: str
    category: str
    category_confidence: float
    category_evidence: list[Any]
    category_runners_up: list[Any]
    is_classifier_unsure: bool
    urgency: str
    urgency_evidence: list[Any]
    narrative: str
    location_text: str | None
    lat: float | None
    lon: float | None
    location_source: str | None
    occurred_at: datetime | None
    source_platform: str | None
    has_source_url: bool
    source_posted_at: datetime | None
    assignee: str | None
    has_contact: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    # The data lifecycle (intake/lifecycle): a held tip is never shredded; a shredded one is a
    # tombstone whose sealed fields read as empty.
    legal_hold: bool = False
    content_shredded: bool = False
    messages: list[ThreadEntry] = field(default_factory=list)
    notes: list[NoteEntry] = field(default_factory=list)
    attachments: list[AttachmentEntry] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)


def _usernames(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all())


# The detail of a link event naming the other tip (intake.related records it on both tips).
LINKED_TIP = "other_tip"


def _hidden_tip_numbers(session: Session, viewer: User, events: Iterable[AuditEvent]) -> set[str]:
    """The tip numbers the events name (an audit export's ``tip``, a link's other tip) that are
    in a queue ``viewer`` may not see."""
    named = {
        value
        for event in events
        for key in ("tip", LINKED_TIP)
        if isinstance(value := (event.details or {}).get(key), str)
    }
    hidden_queues = hidden_queue_ids(session, viewer) if named else []
    if not hidden_queues:
        return set()
    return set(
        session.scalars(
            select(Tip.tip_number).where(Tip.tip_number.in_(named), Tip.queue_id.in_(hidden_queues))
        )
    )


def _names_hidden(details: dict[str, Any], hidden: set[str]) -> bool:
    return any(
        isinstance(value := details.get(key), str) and value in hidden
        for key in ("tip", LINKED_TIP)
    )


def tip_history(session: Session, tip: Tip, *, viewer: User) -> list[HistoryEntry]:
    """The tip's audit events, oldest first (reveal reasons only for supervisors)."""
    events = list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.tip_id == tip.id).order_by(AuditEvent.seq)
        )
    )
    names = _usernames(session, (e.actor_user_id for e in events))
    hidden = _hidden_tip_numbers(session, viewer, events)
    entries = []
    for event in events:
        details = dict(event.details or {})
        if _names_hidden(details, hidden):
            continue  # a link to a tip the viewer may not see: not even that it exists
        if event.action in REVEAL_ACTIONS and not supervises(viewer):
            details = {}
        entries.append(
            HistoryEntry(
                seq=event.seq,
                created_at=event.created_at,
                action=event.action,
                actor_kind=event.actor_kind,
                actor=names.get(event.actor_user_id) if event.actor_user_id else None,
                details=details,
            )
        )
    return entries


def view_tip(session: Session, keyring: Keyring, user: User, tip_number: str) -> TipDetail:
    """A tip's full picture for staff; records that the user viewed it."""
    tip = find_tip(session, user, tip_number)
    record_event(session, "tip.viewed", actor_kind="user", actor_user_id=user.id, tip_id=tip.id)
    return _detail(session, keyring, user, tip)


def case_summary(
    session: Session, keyring: Keyring, user: User, tip_number: str, *, with_notes: bool
) -> TipDetail:
    """What the printable case summary shows (audited as printed); the notes only if asked.
    A TipDetail holds no identity: only whether there is a contact."""
    tip = find_tip(session, user, tip_number)
    record_event(
        session,
        "tip.summary_printed",
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={"notes": with_notes},
    )
    return _detail(session, keyring, user, tip, with_notes=with_notes)


def _detail(
    session: Session, keyring: Keyring, user: User, tip: Tip, *, with_notes: bool = True
) -> TipDetail:
    """The tip page's content; ``with_notes=False`` leaves the notes unread (never decrypted)."""
    from intake.lifecycle.service import is_held

    notes = (
        list(session.scalars(select(Note).where(Note.tip_id == tip.id).order_by(Note.created_at)))
        if with_notes
        else []
    )
    names = _usernames(
        session,
        [
            tip.assignee_id,
            *(m.author_user_id for m in tip.messages),
            *(n.author_user_id for n in notes),
        ],
    )
    point, evidence = tip.point(keyring), tip.evidence(keyring)
    return TipDetail(
        rms_case_number=tip.rms_case_number,
        tip_number=tip.tip_number,
        channel=tip.channel,
        language=tip.language,
        status=tip.status,
        disposition=tip.disposition,
        queue=tip.queue.code,
        queue_name=tip.queue.name,
        district=tip.district.code if tip.district is not None else None,
        routing_reason=tip.routing_reason(keyring),
        category=tip.category_code,
        category_confidence=tip.category_confidence,
        category_evidence=evidence["category"],
        category_runners_up=list(tip.category_runners_up or []),
        is_classifier_unsure=tip.is_classifier_unsure,
        urgency=tip.urgency,
        urgency_evidence=evidence["urgency"],
        narrative=tip.narrative(keyring),
        location_text=tip.location_text(keyring),
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        location_source=tip.location_source,
        occurred_at=tip.occurred_at,
        source_platform=tip.source_platform,
        # A post's link names its author: it is revealed like an identity, never listed.
        has_source_url=tip.source_url_ct is not None,
        source_posted_at=tip.source_posted_at,
        assignee=names.get(tip.assignee_id) if tip.assignee_id else None,
        # Whether a reply can reach the tipster; says nothing about who they are.
        has_contact=tip.reporter_id is not None,
        created_at=tip.created_at,
        updated_at=tip.updated_at,
        closed_at=tip.closed_at,
        legal_hold=is_held(session, tip),
        content_shredded=tip.wrapped_key is None,
        messages=[
            ThreadEntry(
                direction=m.direction,
                channel=m.channel,
                created_at=m.created_at,
                body=m.body(keyring),
                delivery_status=m.delivery_status,
                delivery_error=m.delivery_error,
                author=names.get(m.author_user_id) if m.author_user_id else None,
            )
            for m in tip.messages
        ],
        notes=[
            NoteEntry(
                author=names.get(n.author_user_id) if n.author_user_id else None,
                created_at=n.created_at,
                body=tip.open_text(keyring, "note", "body", n.id, n.body_ct) or "",
            )
            for n in notes
        ],
        attachments=[
            AttachmentEntry(
                id=a.id,
                content_type=a.content_type,
                size_bytes=a.size_bytes,
                sha256=a.sha256,
                created_at=a.created_at,
                from_message=a.message_id is not None,
            )
            for a in tip.attachments
        ],
        history=tip_history(session, tip, viewer=user),
    )


def download_attachment(
    session: Session,
    keyring: Keyring,
    user: User,
    tip_number: str,
    attachment_id: str,
    *,
    action: str = "attachment.downloaded",
) -> tuple[Attachment, bytes]:
    """An attachment's decrypted bytes; the download (or the view, ``action``) is audited."""
    tip = find_tip(session, user, tip_number)
    try:
        wanted = uuid.UUID(attachment_id)
    except ValueError:
        raise NotFoundError("No such attachment.") from None
    attachment = session.get(Attachment, wanted)
    if attachment is None or attachment.tip_id != tip.id:
        raise NotFoundError("No such attachment.")
    data = read_attachment(keyring, attachment)
    record_event(
        session,
        action,
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={"attachment": attachment.id.hex},
    )
    return attachment, data


# --- workflow ----------------------------------------------------------------------------------


def mark_first_response(tip: Tip, at: datetime) -> None:
    """Record the first staff action on a tip (the public statistics' response time)."""
    if tip.first_response_at is None:
        tip.first_response_at = at


def claim_tip(session: Session, user: User, tip_number: str) -> Tip:
    """Make the user the tip's assignee; a new or triaged tip becomes assigned."""
    tip = find_tip(session, user, tip_number)
    if tip.status == "closed":
        raise ConflictError("This tip is closed.")
    if tip.assignee_id not in (None, user.id) and not supervises(user):
        raise ConflictError("Another detective has claimed this tip.")
    previous = tip.assignee_id
    tip.assignee_id = user.id
    tip.assigned_at = utcnow()
    mark_first_response(tip, tip.assigned_at)
    old_status = tip.status
    if tip.status in ("new", "triaged"):
        tip.status = "assigned"
    tip.updated_at = utcnow()
    session.flush()
    record_event(
        session,
        "tip.claimed",
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={"previous_assignee": previous, "from": old_status, "to": tip.status},
    )
    return tip


@dataclass(frozen=True)
class TipChange:
    """What a PATCH asks for; None means unchanged."""

    status: str | None = None
    disposition: str | None = None
    category: str | None = None
    queue: str | None = None
    reason: str | None = None
    urgency: str | None = None
    rms_case_number: str | None = None  # "" clears it


def _record_correction(
    session: Session, user: User, tip: Tip, field: str, old: str, new: str
) -> None:
    # Kept with the tip (who, when, old, new) for `flask intake classify retrain` to learn from.
    session.add(
        TipCorrection(tip_id=tip.id, field=field, old_value=old, new_value=new, user_id=user.id)
    )


CASE_NUMBER_MAX = 40
_CASE_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./#:_-]*")


def normalise_case_number(value: str) -> str | None:
    """A records-system case number as stored ("" or spaces clear it); InvalidInputError when it
    is longer than 40 characters or holds anything but letters, digits, spaces and . / # : _ -."""
    case = " ".join(value.split())
    if not case:
        return None
    if len(case) > CASE_NUMBER_MAX or not _CASE_NUMBER.fullmatch(case):
        raise InvalidInputError(
            fields={
                "rms_case_number": [
                    f"Use at most {CASE_NUMBER_MAX} letters, digits, spaces and . / # : _ -."
                ]
            }
        )
    return case


def update_tip(
    session: Session, keyring: Keyring, user: User, tip_number: str, change: TipChange
) -> Tip:
    """Change a tip's status, category, urgency or queue; each change is audited with old and
    new, and a category or urgency change is kept as a correction."""
    from intake.oncall.service import tip_changed

    tip = find_tip(session, user, tip_number)
    if change.queue is None and change.reason is not None and change.status is None:
        raise InvalidInputError(fields={"queue": ["Say which queue to move the tip to."]})
    if not (
        change.status
        or change.category
        or change.queue
        or change.urgency
        or change.rms_case_number is not None
    ):
        raise InvalidInputError("Nothing to change.")
    now = utcnow()
    events: list[tuple[str, dict[str, Any]]] = []
    old_urgency = tip.urgency

    if change.category and change.category != tip.category_code:
        if session.get(Category, change.category) is None:
            raise InvalidInputError(fields={"category": ["Unknown category."]})
        events.append(("tip.category_changed", {"from": tip.category_code, "to": change.category}))
        _record_correction(session, user, tip, "category", tip.category_code, change.category)
        tip.category_code = change.category

    if change.urgency and change.urgency != tip.urgency:
        if change.urgency not in URGENCY_RANK:
            raise InvalidInputError(fields={"urgency": ["Unknown urgency."]})
        events.append(("tip.urgency_changed", {"from": tip.urgency, "to": change.urgency}))
        _record_correction(session, user, tip, "urgency", tip.urgency, change.urgency)
        tip.urgency, tip.urgency_rank = change.urgency, URGENCY_RANK[change.urgency]

    if change.rms_case_number is not None:
        case = normalise_case_number(change.rms_case_number)
        if case != tip.rms_case_number:
            events.append(("tip.case_number_set", {"from": tip.rms_case_number, "to": case}))
            tip.rms_case_number = case

    if change.queue and change.queue != tip.queue.code:
        if not supervises(user):
            raise ForbiddenError("Only a supervisor can move a tip to another queue.")
        reason = (change.reason or "").strip()
        if not reason:
            raise InvalidInputError(fields={"reason": ["Say why the tip moves."]})
        code = change.queue or ""
        target = (
            session.scalar(select(Queue).where(Queue.code == code)) if "\0" not in code else None
        )
        if target is None:
            raise InvalidInputError(fields={"queue": ["Unknown queue."]})
        moved: dict[str, Any] = {"from": tip.queue.code, "to": target.code, "reason": reason[:300]}
        if tip.assignee_id is not None:
            # Its detective is told where it went instead of finding a bare 404.
            moved["previous_assignee"] = tip.assignee_id
        events.append(("tip.rerouted", moved))
        tip.queue = target
        move_tokens(session, tip, target.id)
        tip.set_routing_reason(keyring, f"moved by a supervisor: {reason}")
        # The old queue's detective may not work the new queue: the tip waits to be claimed.
        if tip.status in ("assigned", "investigating"):
            events.append(("tip.status_changed", {"from": tip.status, "to": "triaged"}))
            tip.status = "triaged"
        tip.assignee_id = None

    if change.status:
        try:
            check_transition(
                tip.status, change.status, role=user.role, disposition=change.disposition
            )
        except TransitionError as error:
            raise ConflictError(str(error)) from None
        details: dict[str, Any] = {"from": tip.status, "to": change.status}
        if change.status == "closed":
            tip.disposition = change.disposition
            tip.closed_at = now
            details["disposition"] = change.disposition
        elif tip.status == "closed":
            tip.disposition = None
            tip.closed_at = None
        if change.status == "assigned" and tip.assignee_id is None:
            tip.assignee_id = user.id
            tip.assigned_at = now
        tip.status = change.status
        events.append(("tip.status_changed", details))
        mark_first_response(tip, now)

    tip.updated_at = now
    session.flush()
    for action, details in events:
        record_event(
            session,
            action,
            actor_kind="user",
            actor_user_id=user.id,
            tip_id=tip.id,
            details=details,
        )
    # Made urgent: the on-call chain starts; made not urgent or closed: the open alert ends.
    tip_changed(session, tip, user, old_urgency=old_urgency)
    return tip


def assign_tip(session: Session, user: User, tip_number: str, assignee: str) -> Tip:
    """Make ``assignee`` (a username) the tip's assignee: supervisors, to someone who works the
    tip's queue; assigning oneself is :func:`claim_tip`. A new or triaged tip becomes assigned."""
    if assignee == user.username:
        return claim_tip(session, user, tip_number)
    if not supervises(user):
        raise ForbiddenError("Only a supervisor can assign a tip to someone else.")
    tip = find_tip(session, user, tip_number)
    if tip.status == "closed":
        raise ConflictError("This tip is closed.")
    person = (
        session.scalar(select(User).where(User.username == assignee, User.is_active))
        if "\0" not in assignee
        else None
    )
    if person is None or person.role not in WORKSPACE_ROLES or not _may_see(person, tip.queue):
        raise InvalidInputError(fields={"assignee": ["This person does not work this queue."]})
    previous, old_status = tip.assignee_id, tip.status
    now = utcnow()
    tip.assignee_id, tip.assigned_at = person.id, now
    mark_first_response(tip, now)
    if tip.status in ("new", "triaged"):
        tip.status = "assigned"
    tip.updated_at = now
    session.flush()
    record_event(
        session,
        "tip.assigned",
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={
            "previous_assignee": previous,
            "assignee": person.id,
            "from": old_status,
            "to": tip.status,
        },
    )
    return tip


#: The most tips one bulk action changes (a page holds at most PAGE_MAX).
BULK_MAX = 200
BULK_ACTIONS = ("claim", "assign", "reroute", "close")
# What a page says was done, per action.
BULK_DONE = {"claim": "Claimed", "assign": "Assigned", "reroute": "Moved", "close": "Closed"}


@dataclass(frozen=True)
class BulkAction:
    """What to do to every selected tip, and the target the action needs."""

    action: str
    assignee: str | None = None  # assign
    queue: str | None = None  # reroute
    reason: str | None = None  # reroute
    disposition: str | None = None  # close


@dataclass(frozen=True)
class BulkOutcome:
    """What became of one tip of a bulk action: done, or refused with the single action's error.

    A tip outside the caller's queues is refused exactly like a number no tip has.
    """

    tip_number: str
    is_done: bool
    code: str | None = None
    message: str | None = None
    fields: dict[str, Any] | None = None


def bulk_change(
    session: Session,
    keyring: Keyring,
    user: User,
    tip_numbers: list[str],
    change: BulkAction,
) -> list[BulkOutcome]:
    """Claim, assign, re-route or close each tip, one at a time, through the single-tip action
    (same access rules, same audit events); each tip in its own savepoint, so a refused tip
    changes nothing and the others still happen. The request commits."""
    if change.action not in BULK_ACTIONS:
        raise InvalidInputError(fields={"action": ["Unknown action."]})
    normalised = [normalise_tip_number(n) for n in tip_numbers]
    numbers = list(dict.fromkeys(n for n in normalised if n is not None))
    if any(n is None for n in normalised):
        raise InvalidInputError(fields={"tip_numbers": ["These are not all tip numbers."]})
    if not numbers or len(numbers) > BULK_MAX:
        raise InvalidInputError(fields={"tip_numbers": [f"Choose 1 to {BULK_MAX} tips."]})
    if change.action in ("assign", "reroute") and not supervises(user):
        raise ForbiddenError("Only a supervisor can assign tips to others or move them.")
    if change.action == "assign" and not change.assignee:
        raise InvalidInputError(fields={"assignee": ["Choose who gets the tips."]})
    if change.action == "reroute" and not (change.queue and (change.reason or "").strip()):
        raise InvalidInputError(fields={"queue": ["Choose a queue and say why the tips move."]})
    if change.action == "close" and change.disposition not in DISPOSITIONS:
        raise InvalidInputError(fields={"disposition": ["Closing tips needs a disposition."]})

    def apply(number: str) -> None:
        if change.action == "claim":
            claim_tip(session, user, number)
        elif change.action == "assign":
            assign_tip(session, user, number, change.assignee or "")
        elif change.action == "reroute":
            update_tip(
                session, keyring, user, number, TipChange(queue=change.queue, reason=change.reason)
            )
        else:
            update_tip(
                session,
                keyring,
                user,
                number,
                TipChange(status="closed", disposition=change.disposition),
            )

    outcomes = []
    for number in numbers:
        try:
            with savepoint(session):
                apply(number)
        except IntakeError as error:
            outcomes.append(
                BulkOutcome(number, False, error.code, error.message, error.fields or None)
            )
        else:
            outcomes.append(BulkOutcome(number, True))
    done = sum(o.is_done for o in outcomes)
    log.info(
        "bulk %s by user %s: %d done, %d refused",
        change.action,
        user.id,
        done,
        len(outcomes) - done,
    )
    return outcomes


def bulk_summary(outcomes: list[BulkOutcome]) -> dict[str, Any]:
    """A bulk action's answer: per-tip outcomes and the totals."""
    done = sum(o.is_done for o in outcomes)
    return {"results": outcomes, "done": done, "refused": len(outcomes) - done}


def add_note(session: Session, keyring: Keyring, user: User, tip_number: str, body: str) -> Note:
    """An internal note (sealed under the tip's key); never shown to the tipster."""
    tip = find_tip(session, user, tip_number)
    body = body.strip()
    if not body or len(body) > NOTE_MAX:
        raise InvalidInputError(
            fields={"body": [f"Write a note of at most {NOTE_MAX} characters."]}
        )
    note = Note(tip_id=tip.id, author_user_id=user.id, created_at=utcnow())
    note.body_ct = tip.seal_text(keyring, "note", "body", note.id, body) or b""
    session.add(note)
    session.flush()
    index_text(session, keyring, tip, "note", body)
    record_event(session, "tip.note_added", actor_kind="user", actor_user_id=user.id, tip_id=tip.id)
    return note


def send_reply(
    session: Session, keyring: Keyring, user: User, tip_number: str, body: str
) -> Message:
    """A message to the tipster: through the outbox on their channel, or read with the receipt."""
    tip = find_tip(session, user, tip_number)
    body = body.strip()
    if not body or len(body) > REPLY_MAX:
        raise InvalidInputError(
            fields={"body": [f"Write a reply of at most {REPLY_MAX} characters."]}
        )
    if tip.channel not in ("web", "api") and tip.reporter_id is None:
        raise ConflictError("This tipster left no way to reach them.")
    now = utcnow()
    message = Message(
        tip=tip,
        direction="outbound",
        author_user_id=user.id,
        channel=tip.channel,
        delivery_status="pending",
        created_at=now,
    )
    message.seal_body(keyring, body)
    session.add(message)
    session.flush()
    index_text(session, keyring, tip, "reply", body)
    enqueue_reply(session, tip, message)
    tip.updated_at = now
    mark_first_response(tip, now)
    mark_staff_answered(session, tip)
    session.flush()
    record_event(
        session,
        "tip.replied",
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={"channel": tip.channel, "delivery": message.delivery_status},
    )
    log.info("tip %s reply queued channel=%s", tip.tip_number, tip.channel)
    return message


@dataclass(frozen=True)
class Revealed:
    """A revealed identity: for the supervisor's eyes only, never stored or logged."""

    tip_number: str
    channel: str | None
    identity: dict[str, str]
    source_url: str | None


TOTP_DIGITS = 6
REVEALED = "identity.revealed"
REVEAL_REFUSED = "identity.reveal_refused"
REVEAL_ACTIONS = (REVEALED, REVEAL_REFUSED)


class RevealRefused(Exception):
    """A reveal refused after its attempt was recorded: the caller commits, then reports it.

    The refusal (and the failed second factor it may count towards a lock-out) must outlive the
    request's rollback, or guessing codes with a stolen token would cost nothing.
    """


class RevealSecondFactorError(RevealRefused, ForbiddenError):
    """The TOTP code is missing, wrong, already used, or the account is locked."""

    code = "second_factor_required"
    message = "Enter a current code from your authenticator app (a code works once)."


class RevealLimitError(RevealRefused, RateLimitedError):
    """The user has made as many reveals as allowed this hour."""

    message = "You have revealed as many identities as allowed this hour."


def reveals_in_window(session: Session, user: User, window_seconds: int) -> int:
    """How many identities ``user`` revealed in the last ``window_seconds``.

    Counted from the audit log, so the limit holds across workers and hosts, and survives
    restarts, with no counter store; each reveal also spends a TOTP time step (one per 30 s).
    """
    since = utcnow() - timedelta(seconds=window_seconds)
    return int(
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == REVEALED,
                AuditEvent.actor_user_id == user.id,
                AuditEvent.created_at >= since,
            )
        )
        or 0
    )


def _refuse(session: Session, user: User, tip: Tip, why: str) -> None:
    record_event(
        session,
        REVEAL_REFUSED,
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={"why": why},
    )
    log.warning("reveal of tip %s refused for user %s: %s", tip.tip_number, user.id, why)


def reveal_identity(
    session: Session,
    keyring: Keyring,
    user: User,
    tip_number: str,
    reason: str,
    totp: str,
    *,
    limit: int = REVEAL_LIMIT,
    client: str = "",
) -> Revealed:
    """Decrypt the tipster's identity for a supervisor of the tip's queue; audited and notified.

    It takes a written reason, a fresh TOTP code (never one already used, not even the login's:
    a stolen API token or an unattended session is not enough), and at most ``limit`` reveals
    per user per hour. The other supervisors of the queue are told who revealed which tip (never
    the identity). Refusals raise a :class:`RevealRefused` after recording the attempt.
    """
    if not supervises(user):
        raise ForbiddenError("Only a supervisor can reveal who sent a tip.")
    reason = (reason or "").strip()
    if len(reason) < REVEAL_REASON_MIN:
        raise InvalidInputError(
            fields={"reason": [f"Write why (at least {REVEAL_REASON_MIN} characters)."]}
        )
    code = "".join(ch for ch in totp or "" if ch.isdigit())
    if len(code) != TOTP_DIGITS:
        # Not a guess (nothing to count against the account): say what is missing.
        raise InvalidInputError(
            fields={"totp": ["Enter the 6-digit code from your authenticator app."]}
        )
    tip = find_tip(session, user, tip_number)
    if reveals_in_window(session, user, REVEAL_WINDOW_SECONDS) >= limit:
        _refuse(session, user, tip, "limit")
        raise RevealLimitError()
    try:
        # A wrong code counts towards the same per-(account, client) lock-out as a login.
        check_totp(session, keyring, user, code, client=client)
    except AuthenticationError:
        _refuse(session, user, tip, "second_factor")
        raise RevealSecondFactorError() from None
    identity = read_identity(keyring, tip.reporter) if tip.reporter is not None else {}
    record_event(
        session,
        REVEALED,
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={
            "reason": reason[:500],
            "had_identity": bool(identity),
            "had_source_url": tip.source_url_ct is not None,
        },
    )
    enqueue_reveal_notice(session, tip, revealed_by=user, audience=_audience(tip.queue))
    log.warning("identity of tip %s revealed by user %s", tip.tip_number, user.id)
    source_url = tip.open_text(keyring, "tip", "source_url", tip.id, tip.source_url_ct)
    return Revealed(
        tip.tip_number, tip.reporter.channel if tip.reporter else None, identity, source_url
    )


def _audience(queue: Queue) -> str:
    """The role that supervises ``queue``: who hears of what happens there."""
    return OVERSIGHT if queue.kind == OVERSIGHT_QUEUE_KIND else SUPERVISOR


# --- audit log ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditPage:
    """A page of the audit log, newest first."""

    items: list[HistoryEntry]
    tip_numbers: dict[int, str]
    next_before: int | None


# What a viewer sees of an event about a tip outside their queues: that something happened to
# some tip, when, and its place in the chain (no action, actor, tip number or details).
RESTRICTED_ACTION = "restricted"
AUDIT_VIEWS = ("all", "reveals")


def list_audit(
    session: Session,
    user: User,
    *,
    tip_number: str | None = None,
    before: int | None = None,
    limit: int = 100,
    view: str = "all",
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    hide_actions: Iterable[str] = (),
) -> AuditPage:
    """The audit log (supervising roles), optionally of one tip or only reveals; pages by seq.

    Filters: ``actor`` (a username: events by that user; an unknown name matches nothing),
    ``action``, ``since``/``until`` (aware datetimes, ``until`` exclusive) and ``hide_actions``
    (the page hides every opening of a tip unless asked).

    An event about a tip in a queue the viewer may not see (oversight's, for a supervisor)
    keeps its place and time but nothing else, so the chain shows no gap and reveals nothing;
    under an ``actor`` or ``action`` filter it is left out (its place would name either).
    """
    if not supervises(user):
        raise ForbiddenError()
    if view not in AUDIT_VIEWS:
        raise InvalidInputError(fields={"view": ["Unknown view."]})
    limit = max(1, min(limit, 500))
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit + 1)
    hidden_queues = hidden_queue_ids(session, user)
    if tip_number:
        query = query.where(AuditEvent.tip_id == find_tip(session, user, tip_number).id)
    if view == "reveals":
        # Only reveals of tips this viewer sees: no placeholders in a filtered view. The smaller
        # side of the split is the subquery (oversight's tips, or the viewer's queues' tips).
        query = query.where(AuditEvent.action.in_(REVEAL_ACTIONS))
        if sees_every_queue(user) and hidden_queues:
            outside = select(Tip.id).where(Tip.queue_id.in_(hidden_queues))
            query = query.where(AuditEvent.tip_id.not_in(outside.scalar_subquery()))
        elif not sees_every_queue(user):
            visible_ids = [q.id for q in visible_queues(session, user)]
            inside = select(Tip.id).where(Tip.queue_id.in_(visible_ids))
            query = query.where(AuditEvent.tip_id.in_(inside.scalar_subquery()))
    if actor:
        actor_id = (
            session.scalar(select(User.id).where(User.username == actor))
            if "\0" not in actor  # no username holds a NUL (nor can PostgreSQL's text)
            else None
        )
        query = query.where(AuditEvent.actor_user_id == (actor_id if actor_id is not None else -1))
    if action:
        query = query.where(AuditEvent.action == action)
    elif hidden := tuple(hide_actions):
        query = query.where(AuditEvent.action.not_in(hidden))
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if until is not None:
        query = query.where(AuditEvent.created_at < until)
    if before is not None:
        query = query.where(AuditEvent.seq < before)
    events = list(session.scalars(query))
    next_before = None
    if len(events) > limit:
        events = events[:limit]
        next_before = events[-1].seq
    tip_ids = {e.tip_id for e in events if e.tip_id is not None}
    tips = (
        {
            row.id: row
            for row in session.execute(
                select(Tip.id, Tip.tip_number, Tip.queue_id).where(Tip.id.in_(tip_ids))
            )
        }
        if tip_ids
        else {}
    )
    # An event may name a tip in its details (an audit export of one tip, a link's other tip):
    # look those up too.
    hidden_numbers = _hidden_tip_numbers(session, user, events)

    def restricted(event: AuditEvent) -> bool:
        tip = tips.get(event.tip_id) if event.tip_id is not None else None
        if tip is not None and tip.queue_id in hidden_queues:
            return True
        return _names_hidden(event.details or {}, hidden_numbers)

    shown = [e for e in events if not restricted(e)]
    if actor or action:
        # Under a staff-member or action filter a placeholder would say who acted, or what was
        # done, outside the viewer's queues (oversight's reveals): filtered pages show none.
        events = shown
    shown_seqs = {e.seq for e in shown}
    names = _usernames(session, (e.actor_user_id for e in shown))
    items = [
        HistoryEntry(
            seq=e.seq,
            created_at=e.created_at,
            action=e.action,
            actor_kind=e.actor_kind,
            actor=names.get(e.actor_user_id) if e.actor_user_id else None,
            details=dict(e.details or {}),
        )
        if e.seq in shown_seqs
        else HistoryEntry(
            seq=e.seq,
            created_at=e.created_at,
            action=RESTRICTED_ACTION,
            actor_kind=RESTRICTED_ACTION,
            actor=None,
            details={},
        )
        for e in events
    ]
    by_seq = {
        e.seq: tips[e.tip_id].tip_number for e in shown if e.tip_id is not None and e.tip_id in tips
    }
    record_event(
        session,
        "audit.exported",
        actor_kind="user",
        actor_user_id=user.id,
        details={
            "tip": normalise_tip_number(tip_number) if tip_number else None,
            "view": view,
            "count": len(items),
        },
    )
    return AuditPage(items, by_seq, next_before)
