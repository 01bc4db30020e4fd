"""Copies of a tip for outside the service: a redacted records-request copy, a prosecutor's copy.

Both are audited. The records-request copy never carries an identity, a location, a note or an
attachment, and masks what looks identifying in the tipster's words (contact details, links,
handles, street addresses, the tipster's own known details): a first pass that a records officer
still reads before release, because no pattern recognises every name. The prosecutor's copy is
reason-bound and carries the tip's content; the tipster's identity only when asked for, from the
administrator's console (``--include-identity``), because the law requires it in that case.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.audit.service import record_event
from intake.crypto import Keyring
from intake.errors import InvalidInputError, NotFoundError
from intake.identity.service import read_identity
from intake.lifecycle.service import is_held
from intake.models import AuditEvent, Note, Tip, User, utcnow
from intake.submissions.rules import normalise_tip_number

RECORDS = "records"
PROSECUTOR = "prosecutor"
KINDS = (RECORDS, PROSECUTOR)
REASON_MIN = 10
REASON_MAX = 500
REDACTED = "[redacted]"

# What commonly identifies someone in free text. Order matters: links and e-mail addresses
# before handles, long digit runs (phones, ids) before house numbers.
_PATTERNS = (
    re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE),
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    re.compile(r"(?<!\w)@\w{2,}"),
    re.compile(r"(?:\+?\d[\d\s().-]{6,}\d)"),
    re.compile(
        r"\b\d{1,6}\s+(?:[A-Z][\w'.-]*\s+){1,4}"
        r"(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Dr|Drive|Ln|Lane|Ct|Court|Way|Pl|Place"
        r"|Terrace|Ter|Calle|Avenida)\b\.?",
        re.IGNORECASE,
    ),
)


def redact(text: str, known: tuple[str, ...] = ()) -> str:
    """``text`` with contact details, links, handles, street addresses and ``known`` masked."""
    for value in sorted((v for v in known if len(v.strip()) >= 3), key=len, reverse=True):
        text = re.sub(re.escape(value.strip()), REDACTED, text, flags=re.IGNORECASE)
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def _find(session: Session, tip_number: str) -> Tip:
    number = normalise_tip_number(tip_number)
    tip = session.scalar(select(Tip).where(Tip.tip_number == number)) if number else None
    if tip is None:
        raise NotFoundError("No such tip.")
    return tip


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _tombstone(session: Session, tip: Tip) -> dict[str, Any]:
    """What every copy carries: the fields statistics count, never identifying."""
    return {
        "tip_number": tip.tip_number,
        "channel": tip.channel,
        "language": tip.language,
        "category": tip.category_code,
        "district": tip.district.code if tip.district is not None else None,
        "queue": tip.queue.code,
        "urgency": tip.urgency,
        "status": tip.status,
        "disposition": tip.disposition,
        "created_at": _iso(tip.created_at),
        "closed_at": _iso(tip.closed_at),
        "legal_hold": is_held(session, tip),
        "content_shredded": tip.wrapped_key is None,
        "has_contact": tip.reporter_id is not None,
    }


def _known_identity(keyring: Keyring, tip: Tip) -> tuple[str, ...]:
    if tip.reporter is None or tip.reporter.wrapped_key is None:
        return ()
    return tuple(str(v) for v in read_identity(keyring, tip.reporter).values() if v)


def records_copy(
    session: Session, keyring: Keyring, tip_number: str, *, user: User | None = None
) -> dict[str, Any]:
    """The records-request copy: redacted narrative and thread, nothing else identifying."""
    tip = _find(session, tip_number)
    known = _known_identity(keyring, tip)
    copy = {
        "export": RECORDS,
        "generated_at": _iso(utcnow()),
        **_tombstone(session, tip),
        "occurred_on": tip.occurred_at.date().isoformat() if tip.occurred_at else None,
        "narrative": redact(tip.narrative.read(keyring), known),
        "messages": [
            {
                "direction": m.direction,
                "created_at": _iso(m.created_at),
                "body": redact(m.body.read(keyring), known),
            }
            for m in tip.messages
        ],
        "withheld": {
            "identity": "never released",
            "location": tip.location_text_ct is not None or tip.point_ct is not None,
            "notes": len(list(session.scalars(select(Note.id).where(Note.tip_id == tip.id)))),
            "attachments": len(tip.attachments),
        },
        "review": "Automatic redaction is a first pass: read every line before release.",
    }
    record_event(
        session,
        "export.records",
        actor_kind="user" if user else "system",
        actor_user_id=user.id if user else None,
        tip_id=tip.id,
    )
    return copy


def prosecutor_copy(
    session: Session,
    keyring: Keyring,
    tip_number: str,
    reason: str,
    *,
    user: User | None = None,
    include_identity: bool = False,
) -> dict[str, Any]:
    """The prosecutor's copy: the tip's content and history, with a reason (audited)."""
    reason = (reason or "").strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise InvalidInputError(
            fields={"reason": [f"Say why ({REASON_MIN} to {REASON_MAX} characters)."]}
        )
    tip = _find(session, tip_number)
    point = tip.point.read(keyring)
    notes = list(
        session.scalars(select(Note).where(Note.tip_id == tip.id).order_by(Note.created_at))
    )
    copy: dict[str, Any] = {
        "export": PROSECUTOR,
        "generated_at": _iso(utcnow()),
        "reason": reason,
        **_tombstone(session, tip),
        "occurred_at": _iso(tip.occurred_at),
        "narrative": tip.narrative.read(keyring),
        "location_text": tip.location_text.read(keyring),
        "point": list(point) if point else None,
        "routing_reason": tip.routing_reason.read(keyring),
        "messages": [
            {
                "direction": m.direction,
                "created_at": _iso(m.created_at),
                "body": m.body.read(keyring),
            }
            for m in tip.messages
        ],
        "notes": [{"created_at": _iso(n.created_at), "body": n.body.read(keyring)} for n in notes],
        "attachments": [
            {"content_type": a.content_type, "size_bytes": a.size_bytes, "sha256": a.sha256}
            for a in tip.attachments
        ],
        "history": [
            {"seq": e.seq, "created_at": _iso(e.created_at), "action": e.action}
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.tip_id == tip.id).order_by(AuditEvent.seq)
            )
        ],
    }
    identity: dict[str, str] = {}
    if include_identity and tip.reporter is not None and tip.reporter.wrapped_key is not None:
        identity = read_identity(keyring, tip.reporter)
    if include_identity:
        copy["identity"] = identity or None
    record_event(
        session,
        "export.prosecutor",
        actor_kind="user" if user else "system",
        actor_user_id=user.id if user else None,
        tip_id=tip.id,
        details={
            "reason": reason,
            "included_identity": bool(identity),
        },
    )
    return copy
