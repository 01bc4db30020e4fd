"""The tokens of a tip being created are written after its row, or not at all if it is not."""

from __future__ import annotations

from sqlalchemy import func, select

from intake.crypto import search_token
from intake.models import SearchToken, Tip
from intake.submissions.service import TipSubmission, create_tip
from tests.staff.factories import N1_POINT


def _submission(narrative: str) -> TipSubmission:
    return TipSubmission(channel="api", narrative=narrative, lat=N1_POINT[0], lon=N1_POINT[1])


def _tokens(session, tip_id) -> set[tuple[bytes, str]]:
    rows = session.execute(
        select(SearchToken.token, SearchToken.field).where(SearchToken.tip_id == tip_id)
    )
    return {(row.token, row.field) for row in rows}


def test_a_new_tips_tokens_are_readable_in_its_transaction(session, keyring):
    tip, _ = create_tip(session, keyring, _submission("Kayak stolen from the Fenway dock."))
    assert session.info.get("intake.search_pending")  # not written before the tip's flush
    stored = _tokens(session, tip.id)  # the query's autoflush writes the tip, then its tokens
    assert not session.info.get("intake.search_pending")
    assert (search_token(keyring, "kayak"), "narrative") in stored
    assert (search_token(keyring, "fenway"), "narrative") in stored
    row = session.scalars(select(SearchToken).where(SearchToken.tip_id == tip.id)).first()
    assert row is not None
    assert (row.queue_id, row.tip_created_at) == (tip.queue_id, tip.created_at)
    session.commit()
    assert _tokens(session, tip.id) == stored


def test_a_tip_rolled_back_in_a_savepoint_leaves_no_tokens_and_the_next_tip_keeps_its_own(
    session, keyring
):
    kept, _ = create_tip(session, keyring, _submission("Grey sedan with plate 7XKD392."))
    savepoint = session.begin_nested()
    dropped, _ = create_tip(session, keyring, _submission("A canoe went missing tonight."))
    savepoint.rollback()
    after, _ = create_tip(session, keyring, _submission("The sedan came back at noon."))
    session.commit()
    assert session.get(Tip, dropped.id) is None
    count = session.scalar(
        select(func.count()).select_from(SearchToken).where(SearchToken.tip_id == dropped.id)
    )
    assert count == 0
    assert (search_token(keyring, "sedan"), "narrative") in _tokens(session, kept.id)
    assert (search_token(keyring, "noon"), "narrative") in _tokens(session, after.id)


def test_a_tip_taken_back_before_its_flush_writes_no_tokens(session, keyring):
    tip, _ = create_tip(session, keyring, _submission("Bikes taken from the Back Bay racks."))
    session.expunge(tip)
    other, _ = create_tip(session, keyring, _submission("Racks cut open again on Boylston."))
    session.commit()
    assert session.get(Tip, tip.id) is None
    assert _tokens(session, tip.id) == set()
    assert (search_token(keyring, "boylston"), "narrative") in _tokens(session, other.id)


def test_a_rollback_forgets_pending_tokens(session, keyring):
    tip, _ = create_tip(session, keyring, _submission("Scooter taken outside the library."))
    session.rollback()
    other, _ = create_tip(session, keyring, _submission("A second scooter outside the gym."))
    session.commit()
    assert _tokens(session, tip.id) == set()
    assert (search_token(keyring, "gym"), "narrative") in _tokens(session, other.id)
