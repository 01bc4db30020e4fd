"""Finding a tip the caller may see: the one lookup the tip's workflow and the features that act
on a tip from outside it (legal hold, on-call acknowledgement) share.

It sits below :mod:`intake.tips.service`, which calls those features (a held tip, an urgency
change): they find the tip here and never import the workflow back.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.errors import NotFoundError
from intake.models import Tip, User
from intake.queues.service import visible_queues
from intake.submissions.rules import normalise_tip_number


def find_tip(session: Session, user: User, tip_number: str) -> Tip:
    """A tip in a queue the user may see, or NotFoundError (also for tips elsewhere)."""
    number = normalise_tip_number(tip_number)
    tip = session.scalar(select(Tip).where(Tip.tip_number == number)) if number else None
    if tip is None or tip.queue_id not in {q.id for q in visible_queues(session, user)}:
        raise NotFoundError("No such tip.")
    return tip
