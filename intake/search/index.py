"""Writing the blind token index; imported by every writer of tip text (no queue logic here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert, inspect, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, scoped_session

from intake.crypto import Keyring, search_token
from intake.models import SearchToken, Tip
from intake.search.rules import index_words, named_things

# Tokens of tips not yet written, per (tip, field): the session writes them in one Core INSERT
# right after the flush that writes their tips (see install_index_hooks). A new tip has a few
# dozen tokens; as ORM rows their construction and unit of work cost more than the tip's own.
_PENDING = "intake.search_pending"
_TABLE: Table = SearchToken.__table__  # type: ignore[assignment]
_INSERT = insert(_TABLE)


def tokens_of(keyring: Keyring, text: str | None) -> frozenset[bytes]:
    """The blind tokens of ``text``: its words, and its names and addresses as compound words
    (for related tips). Pure: computed before a transaction begins, it holds no lock."""
    if not text:
        return frozenset()
    return frozenset(search_token(keyring, w) for w in index_words(text) | named_things(text))


def index_text(
    session: Session,
    keyring: Keyring,
    tip: Tip,
    field: str,
    text: str | None,
    *,
    tokens: frozenset[bytes] | None = None,
) -> None:
    """Add the tokens of ``text`` to the index of ``tip`` under ``field`` (same transaction).
    ``tokens``: those of this same text, computed beforehand by :func:`tokens_of`."""
    if text:
        add_tokens(session, tip, field, tokens if tokens is not None else tokens_of(keyring, text))


def index_tokens(session: Session, keyring: Keyring, tip: Tip, field: str, words: set[str]) -> None:
    """Add tokens of already-normalised ``words`` (such as a photo's perceptual hash)."""
    add_tokens(session, tip, field, {search_token(keyring, word) for word in words})


def add_tokens(
    session: Session, tip: Tip, field: str, tokens: frozenset[bytes] | set[bytes]
) -> None:
    """Add blind ``tokens`` to the index of ``tip`` under ``field``, each once."""
    if not tokens:
        return
    if inspect(tip).pending:
        # A tip being created has no tokens stored yet: they go in after its row (two photos
        # with one hash give one token).
        pending: dict[tuple[Tip, str], set[bytes]] = session.info.setdefault(_PENDING, {})
        pending.setdefault((tip, field), set()).update(tokens)
        return
    # A stored tip may have tokens for this field already.
    session.flush()
    have = set(
        session.scalars(
            select(SearchToken.token).where(
                SearchToken.tip_id == tip.id, SearchToken.field == field
            )
        )
    )
    rows = [_row(tip, field, token) for token in tokens - have]
    if rows:
        session.execute(_INSERT, rows)


def _row(tip: Tip, field: str, token: bytes) -> dict[str, Any]:
    return {
        "token": token,
        "tip_created_at": tip.created_at,
        "tip_id": tip.id,
        "field": field,
        "queue_id": tip.queue_id,
    }


def _write_pending(session: Session, _context: Any) -> None:
    """After a flush: the tokens of the tips it wrote, in one INSERT. A tip taken back before
    the flush (deleted or expunged while pending) was not written, and neither are its tokens."""
    pending: dict[tuple[Tip, str], set[bytes]] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    rows = [
        _row(tip, field, token)
        for (tip, field), tokens in pending.items()
        if inspect(tip).persistent
        for token in tokens
    ]
    if rows:
        session.connection().execute(_INSERT, rows)


def _forget_pending(session: Session, *_: Any) -> None:
    # A savepoint flushes when it begins, so what is pending at a rollback was added inside
    # whatever rolled back, and its tips are gone with it.
    session.info.pop(_PENDING, None)


def install_index_hooks(sessions: scoped_session[Any]) -> None:
    """Make the sessions of ``sessions`` write pending tokens after each flush and forget them at
    a rollback; init_database calls this; calling it again changes nothing."""
    if not sa_event.contains(sessions, "after_flush_postexec", _write_pending):
        sa_event.listen(sessions, "after_flush_postexec", _write_pending)
        sa_event.listen(sessions, "after_soft_rollback", _forget_pending)


def move_tokens(session: Session, tip: Tip, queue_id: int) -> None:
    """Keep the tokens' copy of the tip's queue in step with a re-route (same transaction)."""
    session.execute(
        update(SearchToken).where(SearchToken.tip_id == tip.id).values(queue_id=queue_id)
    )
