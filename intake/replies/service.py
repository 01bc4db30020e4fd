"""Canned replies: supervisors write and retire them; detectives start a reply from one."""

from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from intake.audit.service import record_event
from intake.errors import InvalidInputError, NotFoundError
from intake.models import CannedReply, User
from intake.models.canned import CANNED_LANGUAGES
from intake.tips.rules import REPLY_MAX

TITLE_MAX = 120


def list_canned(session: Session, *, language: str | None = None) -> list[CannedReply]:
    """Active canned replies, those in ``language`` first, then by title."""
    first = case((CannedReply.language == language, 0), else_=1) if language else None
    order = [first] if first is not None else []
    statement = (
        select(CannedReply)
        .where(CannedReply.is_active.is_(True))
        .order_by(*order, CannedReply.language, CannedReply.title)
    )
    return list(session.scalars(statement))


def get_canned(session: Session, canned_id: int) -> CannedReply:
    """An active canned reply by id."""
    row = session.get(CannedReply, canned_id)
    if row is None or not row.is_active:
        raise NotFoundError("No such canned reply.")
    return row


def add_canned(session: Session, user: User, title: str, language: str, body: str) -> CannedReply:
    """A new canned reply (supervisors); the same length limit as a reply."""
    title, body = title.strip(), body.strip()
    fields: dict[str, list[str]] = {}
    if not title or len(title) > TITLE_MAX:
        fields["title"] = [f"Give a title of at most {TITLE_MAX} characters."]
    if language not in CANNED_LANGUAGES:
        fields["language"] = ["Choose English or Spanish."]
    if not body or len(body) > REPLY_MAX:
        fields["body"] = [f"Write a reply of at most {REPLY_MAX} characters."]
    if fields:
        raise InvalidInputError(fields=fields)
    row = CannedReply(title=title, language=language, body=body, created_by_user_id=user.id)
    session.add(row)
    session.flush()
    record_event(
        session,
        "canned_reply.added",
        actor_kind="user",
        actor_user_id=user.id,
        details={"canned_reply": row.id, "language": language},
    )
    return row


def retire_canned(session: Session, user: User, canned_id: int) -> None:
    """Stop offering a canned reply (kept, so old audit events still name it)."""
    row = get_canned(session, canned_id)
    row.is_active = False
    session.flush()
    record_event(
        session,
        "canned_reply.retired",
        actor_kind="user",
        actor_user_id=user.id,
        details={"canned_reply": row.id},
    )
