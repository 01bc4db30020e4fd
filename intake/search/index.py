"""Writing the blind token index; imported by every writer of tip text (no queue logic here)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from intake.crypto import Keyring, search_token
from intake.models import SearchToken, Tip
from intake.search.rules import index_words, named_things


def index_text(session: Session, keyring: Keyring, tip: Tip, field: str, text: str | None) -> None:
    """Add the tokens of ``text`` to the index of ``tip`` under ``field`` (same transaction):
    its words, and its names and addresses as compound words (for related tips)."""
    if text:
        index_tokens(session, keyring, tip, field, index_words(text) | named_things(text))


def index_tokens(session: Session, keyring: Keyring, tip: Tip, field: str, words: set[str]) -> None:
    """Add tokens of already-normalised ``words`` (such as a photo's perceptual hash)."""
    tokens = {search_token(keyring, word) for word in words}
    if not tokens:
        return
    # Tokens of this field already added in this transaction (two photos with one hash).
    have: set[bytes] = {
        row.token
        for row in session.new
        if isinstance(row, SearchToken) and row.tip is tip and row.field == field
    }
    if tip not in session.new:
        # A stored tip may have tokens for this field already; a tip being created has none
        # (and its row goes in first: SearchToken.tip tells the unit of work).
        session.flush()
        have |= set(
            session.scalars(
                select(SearchToken.token).where(
                    SearchToken.tip_id == tip.id, SearchToken.field == field
                )
            )
        )
    session.add_all(
        SearchToken(
            token=t,
            tip_created_at=tip.created_at,
            tip=tip,
            field=field,
            queue_id=tip.queue_id,
        )
        for t in tokens - have
    )


def move_tokens(session: Session, tip: Tip, queue_id: int) -> None:
    """Keep the tokens' copy of the tip's queue in step with a re-route (same transaction)."""
    session.execute(
        update(SearchToken).where(SearchToken.tip_id == tip.id).values(queue_id=queue_id)
    )
