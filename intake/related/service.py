"""Related tips: suggested from the blind index and nearby points; decided by detectives.

Suggestions are computed when a tip is viewed, from what the viewer may already read (the tip's
own text, decrypted for the page anyway) and only among the viewer's visible queues
(:func:`intake.queues.service.visible_queues`). A detective's decision is stored: a rejected
pair is no longer suggested; confirmed pairs chain into a cluster ("same incident").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from intake.audit.service import record_event
from intake.crypto import Keyring, search_token
from intake.errors import InvalidInputError
from intake.models import SearchToken, Tip, TipLink, User, utcnow
from intake.models.link import LINK_DECISIONS
from intake.queues import service as queues
from intake.related.rules import (
    MAX_IDENTIFIERS,
    NEARBY_HOURS,
    NEARBY_METRES,
    identifier_reason,
    identifiers,
    metres_between,
    neighbour_cells,
)
from intake.tips import service as tips_service

MAX_RELATED = 25
MAX_CLUSTER = 200


@dataclass(frozen=True)
class RelatedTip:
    """Another tip the viewer may see, and why it is listed."""

    tip_number: str
    why: str
    is_confirmed: bool = False


def _pair(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if a.hex < b.hex else (b, a)


def _decisions(session: Session, tip_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = session.execute(
        select(TipLink.low_tip_id, TipLink.high_tip_id, TipLink.decision).where(
            or_(TipLink.low_tip_id == tip_id, TipLink.high_tip_id == tip_id)
        )
    )
    return {(high if low == tip_id else low): decision for low, high, decision in rows}


def cluster_of(session: Session, tip_id: uuid.UUID) -> set[uuid.UUID]:
    """Every tip joined to ``tip_id`` by a chain of confirmed links (itself excluded)."""
    seen, frontier = {tip_id}, [tip_id]
    while frontier and len(seen) < MAX_CLUSTER:
        rows = session.execute(
            select(TipLink.low_tip_id, TipLink.high_tip_id).where(
                TipLink.decision == "confirmed",
                or_(TipLink.low_tip_id.in_(frontier), TipLink.high_tip_id.in_(frontier)),
            )
        )
        found = {tid for pair in rows for tid in pair} - seen
        seen |= found
        frontier = list(found)
    return seen - {tip_id}


def related_tips(
    session: Session, keyring: Keyring, user: User, tip: Tip, texts: list[str]
) -> list[RelatedTip]:
    """Tips related to ``tip`` that ``user`` may see; ``texts`` is the tip's readable text."""
    visible = [q.id for q in queues.visible_queues(session, user)]
    decided = _decisions(session, tip.id)
    why: dict[uuid.UUID, list[str]] = {}

    for other in cluster_of(session, tip.id):
        why.setdefault(other, []).append("confirmed: same incident")  # a cluster is listed whole
    words = sorted(set().union(*(identifiers(t) for t in texts)))[:MAX_IDENTIFIERS]
    by_token = {search_token(keyring, w): identifier_reason(w) for w in words}
    photo_tokens = set(
        session.scalars(
            select(SearchToken.token).where(
                SearchToken.tip_id == tip.id, SearchToken.field == "photo"
            )
        )
    )
    by_token.update(dict.fromkeys(photo_tokens, "same photo"))
    _same_source(session, tip, visible, why)
    if by_token:
        rows = session.execute(
            select(SearchToken.tip_id, SearchToken.token)
            .join(Tip, Tip.id == SearchToken.tip_id)
            .where(
                SearchToken.token.in_(list(by_token)),
                SearchToken.tip_id != tip.id,
                Tip.queue_id.in_(visible),
            )
            .order_by(SearchToken.tip_created_at.desc())
            .limit(MAX_RELATED * 4)
        )
        for other, token in rows:
            reason = by_token[token]
            if reason not in why.setdefault(other, []):
                why[other].append(reason)
    _nearby(session, keyring, tip, visible, why)

    cluster = cluster_of(session, tip.id)
    found = [tid for tid in why if decided.get(tid) != "rejected" or tid in cluster]
    if not found:
        return []
    hits = session.execute(
        select(Tip.id, Tip.tip_number, Tip.created_at).where(
            Tip.id.in_(found), Tip.queue_id.in_(visible)
        )
    ).all()
    listed = sorted(hits, key=lambda r: r.created_at, reverse=True)
    return [
        RelatedTip(r.tip_number, "; ".join(why[r.id]), r.id in cluster)
        for r in listed[:MAX_RELATED]
    ]


SAME_LINK = "same link"
SAME_POST_TEXT = "same post text"


def source_reason(tip: Tip) -> str:
    """Why two forwards with one source digest are related: a link's digest, or the text's."""
    return SAME_LINK if tip.source_url_ct is not None else SAME_POST_TEXT


def _same_source(
    session: Session, tip: Tip, visible: list[int], why: dict[uuid.UUID, list[str]]
) -> None:
    """Forwards of the same post (one keyed digest of its normalised link or text)."""
    if tip.source_digest is None:
        return
    others = session.scalars(
        select(Tip.id)
        .where(
            Tip.source_digest == tip.source_digest,
            Tip.id != tip.id,
            Tip.queue_id.in_(visible),
        )
        .limit(MAX_RELATED)
    )
    for other in others:
        why.setdefault(other, []).append(source_reason(tip))


def link_same_source(session: Session, user: User, tip: Tip, earlier: Tip) -> TipLink:
    """Confirm a new forward and an earlier forward of the same post as one incident (audited).

    The forwarding user need not see either queue: the digests, not a person, found the pair; a
    detective who may see both can still reject the link.
    """
    low, high = _pair(tip.id, earlier.id)
    link = session.scalar(
        select(TipLink).where(TipLink.low_tip_id == low, TipLink.high_tip_id == high)
    )
    if link is None:
        link = TipLink(low_tip_id=low, high_tip_id=high, decision="confirmed")
        session.add(link)
    link.decision, link.decided_by_user_id, link.decided_at = "confirmed", user.id, utcnow()
    session.flush()
    reason = source_reason(tip)
    for subject, partner in ((tip, earlier), (earlier, tip)):
        record_event(
            session,
            "tip.link_confirmed",
            actor_kind="user",
            actor_user_id=user.id,
            tip_id=subject.id,
            details={"other_tip": partner.tip_number, "why": reason},
        )
    return link


def _nearby(
    session: Session,
    keyring: Keyring,
    tip: Tip,
    visible: list[int],
    why: dict[uuid.UUID, list[str]],
) -> None:
    """Tips of the same category within 250 m and 48 h (the coarse cell narrows the search; the
    sealed points decide)."""
    point = tip.point.read(keyring)
    if point is None or tip.cell is None:
        return
    window = timedelta(hours=NEARBY_HOURS)
    candidates = session.scalars(
        select(Tip)
        .where(
            Tip.id != tip.id,
            Tip.category_code == tip.category_code,
            Tip.cell.in_(neighbour_cells(tip.cell)),
            Tip.created_at.between(tip.created_at - window, tip.created_at + window),
            Tip.queue_id.in_(visible),
        )
        .limit(MAX_RELATED * 4)
    )
    for other in candidates:
        there = other.point.read(keyring)
        if there is not None and metres_between(point, there) <= NEARBY_METRES:
            metres = round(metres_between(point, there) / 10) * 10
            why.setdefault(other.id, []).append(
                f"same category within {metres:.0f} m and {NEARBY_HOURS} h"
            )


def decide_link(
    session: Session, user: User, tip_number: str, other_number: str, decision: str
) -> TipLink:
    """Record that two tips the user may see are the same incident, or not (audited)."""
    if decision not in LINK_DECISIONS:
        raise InvalidInputError(fields={"decision": ["Say confirmed or rejected."]})
    tip = tips_service.find_tip(session, user, tip_number)
    other = tips_service.find_tip(session, user, other_number)
    if tip.id == other.id:
        raise InvalidInputError(fields={"tip_number": ["A tip is not related to itself."]})
    low, high = _pair(tip.id, other.id)
    link = session.scalar(
        select(TipLink).where(TipLink.low_tip_id == low, TipLink.high_tip_id == high)
    )
    if link is None:
        link = TipLink(low_tip_id=low, high_tip_id=high, decision=decision)
        session.add(link)
    link.decision, link.decided_by_user_id, link.decided_at = decision, user.id, utcnow()
    session.flush()
    for subject, partner in ((tip, other), (other, tip)):
        record_event(
            session,
            f"tip.link_{decision}",
            actor_kind="user",
            actor_user_id=user.id,
            tip_id=subject.id,
            details={"other_tip": partner.tip_number},
        )
    return link


def cluster_numbers(session: Session, user: User, tip_number: str) -> list[str]:
    """The tip and every tip of its confirmed cluster that ``user`` may see, newest first
    (NotFoundError for a tip the user may not see; InvalidInputError when it has no cluster)."""
    tip = tips_service.find_tip(session, user, tip_number)
    members = cluster_of(session, tip.id)
    visible = [q.id for q in queues.visible_queues(session, user)]
    others = (
        session.execute(
            select(Tip.tip_number)
            .where(Tip.id.in_(members), Tip.queue_id.in_(visible))
            .order_by(Tip.created_at.desc())
        )
        .scalars()
        .all()
        if members
        else []
    )
    if not others:
        raise InvalidInputError(
            fields={"tip_number": ["This tip has no confirmed related tip in your queues."]}
        )
    return [tip.tip_number, *others[: tips_service.BULK_MAX - 1]]


def cluster_change(
    session: Session, keyring: Keyring, user: User, tip_number: str, change: tips_service.BulkAction
) -> list[tips_service.BulkOutcome]:
    """Claim, assign, re-route or close a tip and its confirmed cluster together: the bulk action
    on those tips (same rules, audited per tip, per-tip results)."""
    return tips_service.bulk_change(
        session, keyring, user, cluster_numbers(session, user, tip_number), change
    )


def related_of(
    session: Session, keyring: Keyring, user: User, detail: tips_service.TipDetail
) -> list[RelatedTip]:
    """The related tips of a viewed tip, from the text the viewer is reading anyway."""
    tip = tips_service.find_tip(session, user, detail.tip_number)
    texts = [detail.narrative, detail.location_text or ""]
    texts += [m.body for m in detail.messages if m.direction == "inbound"]
    return related_tips(session, keyring, user, tip, texts)
