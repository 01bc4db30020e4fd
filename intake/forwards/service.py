"""Forwarding by the social-media team: a post, comment or DM becomes a tip (channel ``forward``).

The sender's handle is sealed as the tip's identity, like any tipster's contact. A post forwarded
before (the same keyed digest of its normalised link, or of its text when it has no link) still
makes a tip, so nothing a second sender adds is lost, but the team is told "forwarded before as
tip X" and the two tips are linked as the same incident. The team then sees the status of what it
forwarded in words, and nothing else of the tip. Functions flush; the request commits.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from intake.audit.service import record_event
from intake.crypto import Keyring, forward_source_digest
from intake.errors import ForbiddenError, InvalidInputError
from intake.forwards.rules import (
    FORWARD_ROLES,
    normalise_post_text,
    normalise_source_url,
    status_word,
)
from intake.identity.service import Sender
from intake.models import Tip, User, utcnow
from intake.queues.rules import Cursor, decode_cursor, encode_cursor
from intake.related.service import link_same_source, source_reason
from intake.submissions.service import SubmittedTip, TipSubmission, submit_tip

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ForwardedPost:
    """A post, comment or DM the social-media team turns into a tip."""

    platform: str
    url: str | None
    handle: str | None
    text: str
    posted_at: datetime | None
    images: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class Forward:
    """A new forward's tip, and the earlier forward of the same post if there was one."""

    tip: SubmittedTip
    forwarded_before: str | None = None
    why: str | None = None

    @property
    def notice(self) -> str | None:
        """What the team is told of a post forwarded before (staff English)."""
        if self.forwarded_before is None:
            return None
        return (
            f"Forwarded before as tip {self.forwarded_before} ({self.why}). "
            "The new tip is linked to it as the same incident."
        )


def source_digest(keyring: Keyring, url: str | None, text: str) -> bytes | None:
    """The keyed digest a post is recognised by: of its normalised link when it has one, else of
    its normalised text; None when neither names one post (a link that is no web link, a text
    of a few words)."""
    if url and url.strip():
        link = normalise_source_url(url)
        return forward_source_digest(keyring, "url", link) if link else None
    words = normalise_post_text(text)
    return forward_source_digest(keyring, "text", words) if words else None


def earlier_forward(session: Session, digest: bytes) -> Tip | None:
    """The first tip made of the post with this digest, if any (any queue: the team is told
    only its number)."""
    return session.scalar(
        select(Tip).where(Tip.source_digest == digest).order_by(Tip.created_at, Tip.id).limit(1)
    )


def forward_post(
    session: Session,
    keyring: Keyring,
    user: User,
    post: ForwardedPost,
    *,
    default_region: str = "US",
) -> Forward:
    """Make a tip of a forwarded post (channel ``forward``); the handle is sealed as identity; a
    post forwarded before is linked to its first tip."""
    if user.role not in FORWARD_ROLES:
        raise ForbiddenError()
    if post.posted_at is not None and post.posted_at > utcnow():
        raise InvalidInputError(fields={"posted_at": ["This time is in the future."]})
    handle = (post.handle or "").strip()
    url = (post.url or "").strip() or None
    digest = source_digest(keyring, url, post.text)
    earlier = earlier_forward(session, digest) if digest is not None else None
    created = submit_tip(
        session,
        keyring,
        TipSubmission(
            channel="forward",
            narrative=post.text,
            sender=Sender(kind="handle", address=handle) if handle else None,
            images=post.images,
            source_platform=post.platform,
            source_url=url,
            source_posted_at=post.posted_at,
            source_digest=digest,
            forwarded_by_user_id=user.id,
        ),
        default_region=default_region,
    )
    record_event(
        session,
        "tip.forwarded",
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=created.tip_id,
        details={"platform": post.platform, "images": len(post.images)},
    )
    if earlier is None:
        log.info("tip %s forwarded by user %s", created.tip_number, user.id)
        return Forward(created)
    tip = session.get(Tip, created.tip_id)
    assert tip is not None  # just flushed by submit_tip
    link_same_source(session, user, tip, earlier)
    log.info(
        "tip id %s forwarded by user %s, forwarded before as tip id %s",
        created.tip_id,
        user.id,
        earlier.id,
    )
    return Forward(created, earlier.tip_number, source_reason(tip))


# --- what the team sees of its forwards ----------------------------------------------------------

PAGE_MAX = 100


@dataclass(frozen=True)
class ForwardStatus:
    """One of the user's forwards as the team may see it: no narrative, note, assignee or queue."""

    tip_number: str
    platform: str | None
    forwarded_at: datetime
    status: str


@dataclass(frozen=True)
class ForwardPage:
    """A page of the user's forwards, newest first; ``next_cursor`` opens the next page."""

    items: list[ForwardStatus]
    next_cursor: str | None


def list_forwards(
    session: Session, user: User, *, limit: int = 50, cursor: str | None = None
) -> ForwardPage:
    """The forwards ``user`` made, newest first, keyset-paged, each with its status in words."""
    if user.role not in FORWARD_ROLES:
        raise ForbiddenError()
    limit = max(1, min(limit, PAGE_MAX))
    statement = select(
        Tip.id, Tip.tip_number, Tip.source_platform, Tip.created_at, Tip.status
    ).where(Tip.forwarded_by_user_id == user.id)
    if cursor:
        after: Cursor = decode_cursor(cursor)
        statement = statement.where(
            tuple_(Tip.created_at, Tip.id) < tuple_(after.created_at, after.tip_id)
        )
    rows = session.execute(
        statement.order_by(Tip.created_at.desc(), Tip.id.desc()).limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        ForwardStatus(r.tip_number, r.source_platform, r.created_at, status_word(r.status))
        for r in rows
    ]
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = encode_cursor(Cursor(0, last.created_at, last.id))
    return ForwardPage(items, next_cursor)


# --- digests of forwards made before digests existed ---------------------------------------------


def digest_forwards_batch(
    session: Session, keyring: Keyring, *, after: uuid.UUID | None, batch_size: int = 500
) -> tuple[int, uuid.UUID | None]:
    """Give up to ``batch_size`` forwards without a digest theirs (after tip id ``after``);
    (how many got one, the last tip id looked at, None when none is left). Flushes only.

    Shredded tips are skipped: their link and text are gone, and so is what would match them.
    """
    query = (
        select(Tip)
        .where(Tip.channel == "forward", Tip.source_digest.is_(None))
        .order_by(Tip.id)
        .limit(batch_size)
    )
    if after is not None:
        query = query.where(Tip.id > after)
    tips = list(session.scalars(query))
    if not tips:
        return 0, None
    done = 0
    for tip in tips:
        if tip.wrapped_key is None:
            continue
        url = tip.source_url.read(keyring)
        tip.source_digest = source_digest(keyring, url, tip.narrative.read(keyring))
        done += tip.source_digest is not None
    session.flush()
    return done, tips[-1].id
