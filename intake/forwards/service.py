"""Forwarding by the social-media team: a post, comment or DM becomes a tip (channel ``forward``).

The sender's handle is sealed as the tip's identity, like any tipster's contact. Functions flush;
the request commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from intake.audit.service import record_event
from intake.crypto import Keyring
from intake.errors import ForbiddenError, InvalidInputError
from intake.forwards.rules import FORWARD_ROLES
from intake.models import User, utcnow
from intake.submissions.service import Sender, SubmittedTip, TipSubmission, submit_tip

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


def forward_post(
    session: Session,
    keyring: Keyring,
    user: User,
    post: ForwardedPost,
    *,
    default_region: str = "US",
) -> SubmittedTip:
    """Make a tip of a forwarded post (channel ``forward``); the handle is sealed as identity."""
    if user.role not in FORWARD_ROLES:
        raise ForbiddenError()
    if post.posted_at is not None and post.posted_at > utcnow():
        raise InvalidInputError(fields={"posted_at": ["This time is in the future."]})
    handle = (post.handle or "").strip()
    created = submit_tip(
        session,
        keyring,
        TipSubmission(
            channel="forward",
            narrative=post.text,
            sender=Sender(kind="handle", address=handle) if handle else None,
            images=post.images,
            source_platform=post.platform,
            source_url=(post.url or "").strip() or None,
            source_posted_at=post.posted_at,
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
    log.info("tip %s forwarded by user %s", created.tip_number, user.id)
    return created
