"""Pure rules of the tip workflow: status transitions, dispositions, listing cursors."""

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

# Forward through the workflow; any open tip may be closed (with a disposition); only a
# supervisor reopens a closed tip, back to investigating.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"triaged", "assigned", "closed"}),
    "triaged": frozenset({"assigned", "closed"}),
    "assigned": frozenset({"investigating", "closed"}),
    "investigating": frozenset({"closed"}),
    "closed": frozenset({"investigating"}),
}
DISPOSITIONS = (
    "actioned",
    "arrest",
    "referred",
    "information_only",
    "insufficient_information",
    "unfounded",
    "duplicate",
    "no_action",
)
REPLY_MAX = 1600  # the longest text Twilio will split and deliver
NOTE_MAX = 10_000
REVEAL_REASON_MIN = 10
# Reveals a user may make in REVEAL_WINDOW (setting REVEAL_LIMIT overrides the number).
REVEAL_LIMIT = 5
REVEAL_WINDOW_SECONDS = 3600


class TransitionError(Exception):
    """A status change the workflow does not allow."""


def check_transition(current: str, new: str, *, role: str, disposition: str | None) -> None:
    """Raise TransitionError unless ``current -> new`` is allowed for ``role``."""
    if new == current:
        raise TransitionError(f"The tip is already {current}.")
    if new not in TRANSITIONS.get(current, frozenset()):
        raise TransitionError(f"A tip cannot go from {current} to {new}.")
    if current == "closed" and role not in SUPERVISING_ROLES:
        raise TransitionError("Only a supervisor can reopen a closed tip.")
    if new == "closed" and disposition not in DISPOSITIONS:
        raise TransitionError("Closing a tip needs a disposition.")


@dataclass(frozen=True)
class Cursor:
    """Where a listing page ends: the last tip's sort key (urgency rank, created_at, id)."""

    urgency_rank: int
    created_at: datetime
    tip_id: uuid.UUID


def encode_cursor(cursor: Cursor) -> str:
    """An opaque cursor string."""
    raw = json.dumps(
        [cursor.urgency_rank, cursor.created_at.isoformat(), cursor.tip_id.hex],
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str) -> Cursor:
    """Parse a cursor string, or InvalidInputError."""
    try:
        padded = value + "=" * (-len(value) % 4)
        rank, created_at, tip_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        parsed = datetime.fromisoformat(created_at)
        if parsed.tzinfo is None or not isinstance(rank, int) or rank not in URGENCY_RANK.values():
            raise ValueError
        return Cursor(rank, parsed, uuid.UUID(hex=tip_id))
    except (ValueError, TypeError, json.JSONDecodeError):
        raise InvalidInputError(fields={"cursor": ["This cursor is not valid."]}) from None
