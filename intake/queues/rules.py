"""Pure rules of the queues: the workspace roles and queue kinds, listing orders and cursors,
snippets and ages."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from intake.errors import InvalidInputError
from intake.models.tip import URGENCY_RANK

WORKSPACE_ROLES = ("detective", "supervisor", "oversight", "prosecutor")
SUPERVISOR = "supervisor"
OVERSIGHT = "oversight"
# Who supervises the queues they see: re-route, reopen, take over a claim, reveal, read the audit
# log. Supervisors do it for every queue but oversight's; oversight users for theirs alone.
SUPERVISING_ROLES = (SUPERVISOR, OVERSIGHT)
# Queues of this kind hold complaints about staff: only the oversight role sees them.
OVERSIGHT_QUEUE_KIND = "oversight"
# Supervisors forward tips to queues of this kind; prosecutors see these queues and no other.
PROSECUTOR = "prosecutor"
PROSECUTOR_QUEUE_KIND = "prosecutor"

# Listing orders. "urgency": most urgent first, then newest (the default); "newest" and
# "oldest": by the time received alone; "activity": the most recently changed or answered first.
# Each is served by ix_tip_queue_listing / ix_tip_listing (ix_tip_queue_activity /
# ix_tip_activity for activity), one index range per urgency rank, merged: see
# intake.queues.service.listing_statement.
SORTS = ("urgency", "newest", "oldest", "activity")


@dataclass(frozen=True)
class Cursor:
    """Where a listing page ends: the last tip's sort key (urgency rank, its time, id), the
    order it was made for, and whether it pages backwards (the page before that tip). The time
    is ``created_at``, or ``updated_at`` for the activity order."""

    urgency_rank: int
    created_at: datetime
    tip_id: uuid.UUID
    sort: str = "urgency"
    is_backward: bool = False


def encode_cursor(cursor: Cursor) -> str:
    """An opaque cursor string."""
    parts: list[object] = [cursor.urgency_rank, cursor.created_at.isoformat(), cursor.tip_id.hex]
    if cursor.sort != "urgency" or cursor.is_backward:
        parts += [cursor.sort, cursor.is_backward]
    raw = json.dumps(parts, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str) -> Cursor:
    """Parse a cursor string, or InvalidInputError."""
    try:
        padded = value + "=" * (-len(value) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(parts, list) or len(parts) not in (3, 5):
            raise ValueError
        rank, created_at, tip_id = parts[:3]
        sort, is_backward = parts[3:] if len(parts) == 5 else ("urgency", False)
        parsed = datetime.fromisoformat(created_at)
        if parsed.tzinfo is None or not isinstance(rank, int) or rank not in URGENCY_RANK.values():
            raise ValueError
        if sort not in SORTS or not isinstance(is_backward, bool):
            raise ValueError
        return Cursor(rank, parsed, uuid.UUID(hex=tip_id), sort, is_backward)
    except (ValueError, TypeError, AttributeError, json.JSONDecodeError):
        raise InvalidInputError(fields={"cursor": ["This cursor is not valid."]}) from None


SNIPPET_MAX = 120


def snippet_of(text: str, most: int = SNIPPET_MAX) -> str:
    """The start of ``text`` on one line, cut on a word boundary at about ``most`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= most:
        return flat
    cut = flat[: most + 1]
    space = cut.rfind(" ")
    # A single very long word (a pasted link) is cut where it is rather than shown whole.
    head = cut[:space] if space > most // 2 else flat[:most]
    return head.rstrip(" ,;:.-") + "…"


def age_words(then: datetime, now: datetime) -> str:
    """How long ago ``then`` was, short: "just now", "12 min", "3 h", "2 d"."""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"
