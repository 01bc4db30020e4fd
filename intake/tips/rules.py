"""Pure rules of the tip workflow: status transitions, dispositions, the longest note and reply."""

from __future__ import annotations

from intake.queues.rules import SUPERVISING_ROLES

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
