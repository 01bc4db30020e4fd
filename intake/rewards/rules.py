"""Pure rules of rewards: amounts, the two-person rule, the stages a tipster sees."""

from __future__ import annotations

from intake.errors import ForbiddenError, InvalidInputError

AMOUNT_MAX_CENTS = 10_000_000  # $100,000: more is a typing mistake
REASON_MIN = 10
REASON_MAX = 1000
# What the tipster sees on /check at each stage.
TIPSTER_STAGES = ("proposed", "approved", "paid", "declined")


def check_amount(amount_cents: int) -> None:
    """A positive amount of at most :data:`AMOUNT_MAX_CENTS`, or InvalidInputError."""
    if not 0 < amount_cents <= AMOUNT_MAX_CENTS:
        raise InvalidInputError(
            fields={"amount_cents": [f"Give an amount from 1 to {AMOUNT_MAX_CENTS} cents."]}
        )


def check_reason(reason: str) -> str:
    """The trimmed reason, or InvalidInputError."""
    reason = reason.strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise InvalidInputError(
            fields={"reason": [f"Say why in {REASON_MIN} to {REASON_MAX} characters."]}
        )
    return reason


def check_second_person(proposed_by: int, decided_by: int) -> None:
    """The supervisor who decides is not the one who proposed (two people, always)."""
    if proposed_by == decided_by:
        raise ForbiddenError("A second supervisor must decide on a reward you proposed.")
