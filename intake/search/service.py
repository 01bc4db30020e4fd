"""Search over sealed tips: write the blind token index, answer queries from it.

The index is written in the transaction that writes the text (submission, follow-up, reply,
note), so a committed tip is always findable and a rolled-back one leaves no tokens. Queries see
only the caller's visible queues (:func:`intake.queues.service.visible_queues`).
"""

from __future__ import annotations

import base64
import heapq
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, literal, select, tuple_
from sqlalchemy.orm import Session, aliased

from intake.crypto import Keyring, search_token
from intake.errors import InvalidInputError
from intake.models import Note, SearchToken, Tip, User
from intake.queues import service as queues
from intake.search.index import index_text
from intake.search.rules import query_words

PAGE_MAX = 200
#: How many of a word's newest index rows in a scope tell how common the word is there.
RARITY_SAMPLE = 100


def reindex_tip(session: Session, keyring: Keyring, tip: Tip) -> None:
    """Rebuild a tip's tokens from its sealed text (a new search key, or tips from before)."""
    session.execute(delete(SearchToken).where(SearchToken.tip_id == tip.id))
    index_text(session, keyring, tip, "narrative", tip.narrative.read(keyring))
    index_text(session, keyring, tip, "location", tip.location_text.read(keyring))
    for message in tip.messages:
        field = "followup" if message.direction == "inbound" else "reply"
        index_text(session, keyring, tip, field, message.body.read(keyring))
    for note in session.scalars(select(Note).where(Note.tip_id == tip.id)):
        index_text(session, keyring, tip, "note", note.body.read(keyring))


@dataclass(frozen=True)
class FoundTip:
    """A search hit: the listing line and the fields the words were found in."""

    tip: queues.ListedTip
    matched: list[str]


@dataclass(frozen=True)
class SearchPage:
    """A page of hits, newest first, and the cursor of the next one."""

    items: list[FoundTip]
    next_cursor: str | None


def encode_cursor(created_at: datetime, tip_id: uuid.UUID, *, split: bool = False) -> str:
    """An opaque cursor after the given hit (``split``: the query's pieces were searched apart)."""
    raw = json.dumps([created_at.isoformat(), tip_id.hex, split], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[datetime, uuid.UUID, bool]:
    """Parse a search cursor, or InvalidInputError."""
    try:
        padded = value + "=" * (-len(value) % 4)
        created_at, tip_id, split = json.loads(base64.urlsafe_b64decode(padded.encode()))
        parsed = datetime.fromisoformat(created_at)
        if parsed.tzinfo is None or not isinstance(split, bool):
            raise ValueError
        return parsed, uuid.UUID(hex=tip_id), split
    except (ValueError, TypeError, json.JSONDecodeError):
        raise InvalidInputError(fields={"cursor": ["This cursor is not valid."]}) from None


def search_statement(
    tokens: list[bytes],
    scope: int | None,
    hidden: Iterable[int],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Any:
    """Hits for every token in one queue (or in every queue but ``hidden``), newest first.

    The first token drives: its index range is walked newest first and stops after ``limit``
    rows, whatever the token's frequency. In one queue that range is
    ``ix_search_token_walk`` (token, queue_id, tip_created_at, tip_id): only that queue's rows
    are read. Across every queue it is the primary key (token, tip_created_at, tip_id, field).
    Each other token is one primary-key probe per row.
    """
    driver, *others = tokens
    query = (
        select(*queues.LISTING_COLUMNS)
        .select_from(SearchToken)
        .join(Tip, Tip.id == SearchToken.tip_id)
        .where(SearchToken.token == driver)
    )
    if scope is not None:
        # The tip's own queue is checked too, so a copy out of step could never show a hidden tip.
        query = query.where(SearchToken.queue_id == scope, Tip.queue_id == scope)
    else:
        hidden_ids = list(hidden)
        if hidden_ids:
            query = query.where(
                SearchToken.queue_id.not_in(hidden_ids), Tip.queue_id.not_in(hidden_ids)
            )
    for token in others:
        other = aliased(SearchToken)
        # A correlated probe with LIMIT 1: PostgreSQL would turn a plain EXISTS into a hashed
        # semi-join over every row of the other token (and of the tip table); this stays one
        # primary-key probe per row of the walk, as SQLite does anyway.
        probe = (
            select(literal(1))
            .where(
                other.token == token,
                other.tip_created_at == SearchToken.tip_created_at,
                other.tip_id == SearchToken.tip_id,
            )
            .limit(1)
            .scalar_subquery()
        )
        query = query.where(probe.is_not(None))
    if after is not None:
        query = query.where(
            tuple_(SearchToken.tip_created_at, SearchToken.tip_id) < tuple_(*after),
            SearchToken.tip_created_at <= after[0],
        )
    return query.order_by(SearchToken.tip_created_at.desc(), SearchToken.tip_id.desc()).limit(limit)


def search_tips(
    session: Session,
    keyring: Keyring,
    user: User,
    text: str,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> SearchPage:
    """Tips of the caller's visible queues whose sealed text holds every word of ``text``.

    A plate or number typed in pieces ("7XKD 392") is one word. When that finds nothing, the
    pieces are searched as separate words ("ford 7XKD" against "7XKD, a Ford"); the cursor
    remembers which reading its pages follow.
    """
    joined, split = query_words(text), query_words(text, join=False)
    if not joined:
        raise InvalidInputError(fields={"q": ["Search for at least one word of two letters."]})
    limit = max(1, min(limit, PAGE_MAX))
    scopes = _scopes(session, user)
    if cursor:
        created_at, tip_id, is_split = decode_cursor(cursor)
        words = split if is_split else joined
        return _search(session, keyring, words, scopes, (created_at, tip_id), limit, is_split)
    page = _search(session, keyring, joined, scopes, None, limit, False)
    if page.items or split == joined:
        return page
    return _search(session, keyring, split, scopes, None, limit, True)


@dataclass(frozen=True)
class _Scopes:
    """Where a search looks: each of ``queue_ids`` apart, or (``None``) every queue but
    ``hidden``, as the queue listing does."""

    queue_ids: list[int] | None
    hidden: list[int]


def _scopes(session: Session, user: User) -> _Scopes:
    if queues.sees_every_queue(user):
        return _Scopes(None, queues.hidden_queue_ids(session, user))
    return _Scopes([q.id for q in queues.visible_queues(session, user)], [])


def rarity_statement(
    tokens: list[bytes], scope: int | None, after: tuple[datetime, uuid.UUID] | None
) -> Any:
    """One row: for each token, the ``tip_created_at`` of its ``RARITY_SAMPLE``-th index row
    in one queue (or in every queue) from where the walk starts, newest first; NULL when it
    has fewer. The older that moment, the fewer rows the word has where the walk goes.

    Each is an index-only range of at most ``RARITY_SAMPLE`` rows (``ix_search_token_walk``
    in one queue, the primary key across all), whatever the word's frequency."""
    moments = []
    for token in tokens:
        query = select(SearchToken.tip_created_at).where(SearchToken.token == token)
        if scope is not None:
            query = query.where(SearchToken.queue_id == scope)
        if after is not None:
            query = query.where(
                tuple_(SearchToken.tip_created_at, SearchToken.tip_id) < tuple_(*after),
                SearchToken.tip_created_at <= after[0],
            )
        query = query.order_by(SearchToken.tip_created_at.desc(), SearchToken.tip_id.desc())
        moments.append(query.offset(RARITY_SAMPLE - 1).limit(1).scalar_subquery())
    return select(*moments)


def _rarest_first(
    session: Session,
    tokens: list[bytes],
    scope: int | None,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[bytes]:
    # The walk reads about (page size) x (the driver's rows / the hits) index rows: the word
    # with the fewest rows where the walk goes drives, the others are probed. Counting rows
    # up to a cap could not tell a word in one tip in ten from one in a hundred (both past the
    # cap); how far back a word's hundredth row lies can, at a hundred index rows per word.
    moments = session.execute(rarity_statement(tokens, scope, after)).one()
    never = datetime.min.replace(tzinfo=UTC)
    order = sorted(range(len(tokens)), key=lambda i: moments[i] or never)
    return [tokens[i] for i in order]


def _walk(
    session: Session,
    tokens: list[bytes],
    scope: int | None,
    hidden: list[int],
    after: tuple[datetime, uuid.UUID] | None,
    want: int,
) -> list[Any]:
    """Up to ``want`` distinct tips of one scope, newest first."""
    if len(tokens) > 1:
        tokens = _rarest_first(session, tokens, scope, after)
    rows: list[Any] = []
    seen: set[uuid.UUID] = set()
    # A tip has one row per field the driving word is in: fetch, drop repeats, go on if short.
    while len(rows) < want:
        found = session.execute(search_statement(tokens, scope, hidden, after, want)).all()
        for row in found:
            if row.id not in seen:
                seen.add(row.id)
                rows.append(row)
        if len(found) < want:
            break
        after = (found[-1].created_at, found[-1].id)
    return rows[:want]


def _search(
    session: Session,
    keyring: Keyring,
    words: list[str],
    scopes: _Scopes,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    is_split: bool,
) -> SearchPage:
    tokens = [search_token(keyring, w) for w in words]
    want = limit + 1
    if scopes.queue_ids is None:
        rows = _walk(session, tokens, None, scopes.hidden, after, want)
    else:
        # One bounded walk per visible queue, merged newest first (as the queue listing does):
        # a detective's page reads about ``want`` index rows per queue, never the other
        # queues' rows in between.
        per_queue = [_walk(session, tokens, q, [], after, want) for q in scopes.queue_ids]
        merged = heapq.merge(*per_queue, key=lambda r: (r.created_at, r.id), reverse=True)
        rows = [row for _, row in zip(range(want), merged, strict=False)]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id, split=is_split)
    matched = _matched_fields(session, tokens, rows)
    return SearchPage(
        [
            FoundTip(listed, matched.get(listed.tip_id, []))
            for listed in queues.listed_tips(session, rows)
        ],
        next_cursor,
    )


def matched_fields_statement(tokens: list[bytes], tip_ids: list[uuid.UUID]) -> Any:
    """The fields each hit holds the words in (comma-separated): for each hit's tip row, a
    correlated subquery over its token rows by the whole primary-key prefix (token,
    tip_created_at, tip_id) of ``search_token``.

    A correlated subquery runs once per hit whatever the planner estimates: a join left it the
    choice to walk every row of a common word instead, which it made under a generic plan (one
    row per word on average) once the statement was prepared."""
    fields = (
        select(func.aggregate_strings(SearchToken.field, ","))
        .where(
            SearchToken.token.in_(tokens),
            SearchToken.tip_created_at == Tip.created_at,
            SearchToken.tip_id == Tip.id,
        )
        .scalar_subquery()
    )
    return select(Tip.id, fields).where(Tip.id.in_(tip_ids))


def _matched_fields(
    session: Session, tokens: list[bytes], rows: list[Any]
) -> dict[uuid.UUID, list[str]]:
    if not rows:
        return {}
    statement = matched_fields_statement(tokens, [row.id for row in rows])
    return {
        tip_id: sorted(set(fields.split(","))) if fields else []
        for tip_id, fields in session.execute(statement)
    }


def reindex_all(session: Session, keyring: Keyring, *, batch_size: int = 500) -> int:
    """Rebuild every tip's tokens (commits per batch); the number of tips done."""
    done = 0
    last: uuid.UUID | None = None
    while True:
        query = select(Tip).order_by(Tip.id).limit(batch_size)
        if last is not None:
            query = query.where(Tip.id > last)
        tips = list(session.scalars(query))
        if not tips:
            return done
        for tip in tips:
            reindex_tip(session, keyring, tip)
        session.commit()
        done += len(tips)
        last = tips[-1].id
