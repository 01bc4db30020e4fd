"""Rewards: one supervisor proposes, a second approves or declines, staff pay against the code.

Each step is audited (amounts and ids, never the reason or the code). The tip is found through
:func:`intake.tips.service.find_tip`, so a reward is only ever handled by staff who may see the
tip. The claim code is sealed under the tip's key (the tipster reads it again on /check) and kept
as a keyed digest (staff find the reward from the code shown to them); the row records who
marked it paid, never who collected it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale, gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from intake import crypto
from intake.audit.service import record_event
from intake.crypto import Keyring
from intake.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from intake.models import Message, Reward, Tip, User, utcnow
from intake.outbound.service import PULL_CHANNELS, enqueue_reply
from intake.queues.service import supervises, visible_queues
from intake.rewards.rules import check_amount, check_reason, check_second_person
from intake.submissions.rules import new_receipt, normalise_receipt
from intake.tips.service import find_tip

log = logging.getLogger(__name__)
CLAIM_LABEL = "reward-claim"


def _require_supervisor(user: User) -> None:
    if not supervises(user):
        raise ForbiddenError("Only a supervisor handles rewards.")


def _audit(session: Session, action: str, user: User, reward: Reward) -> None:
    record_event(
        session,
        action,
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=reward.tip_id,
        details={"reward": reward.id.hex, "amount_cents": reward.amount_cents},
    )


def propose_reward(
    session: Session, keyring: Keyring, user: User, tip_number: str, amount_cents: int, reason: str
) -> Reward:
    """A supervisor proposes a reward on a tip they may see (one open reward per tip)."""
    _require_supervisor(user)
    tip = find_tip(session, user, tip_number)
    check_amount(amount_cents)
    reason = check_reason(reason)
    open_reward = session.scalar(
        select(Reward.id).where(
            Reward.tip_id == tip.id, Reward.status.in_(("proposed", "approved"))
        )
    )
    if open_reward is not None:
        raise ConflictError("This tip already has a reward proposed or approved.")
    reward = Reward(
        id=uuid.uuid4(),
        tip=tip,
        tip_id=tip.id,
        amount_cents=amount_cents,
        status="proposed",
        proposed_by_id=user.id,
        proposed_at=utcnow(),
    )
    reward.reason.seal(keyring, reason)
    session.add(reward)
    session.flush()
    _audit(session, "reward.proposed", user, reward)
    return reward


def parse_reward_id(value: str) -> uuid.UUID:
    """A reward id from a path, or NotFoundError (as for an id that does not exist)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFoundError("No such reward.") from None


def _find_reward(session: Session, user: User, reward_id: uuid.UUID) -> Reward:
    reward = session.get(Reward, reward_id)
    visible = {q.id for q in visible_queues(session, user)}
    if reward is None or reward.tip.queue_id not in visible:
        raise NotFoundError("No such reward.")
    return reward


def _notify_tipster(session: Session, keyring: Keyring, reward: Reward, user: User) -> None:
    """Tell an SMS or DM tipster there is news: the words alone, never the amount or code.

    The claim code never travels by SMS or DM: a phone can be read by someone else, and the code
    is money; the tipster reads it on /check with their receipt.
    """
    tip = reward.tip
    if tip.channel in PULL_CHANNELS or tip.reporter_id is None:
        return  # they read it on /check
    language = tip.language if tip.language in ("en", "es") else "en"
    with force_locale(language):
        body = str(
            gettext("There is news on your tip. Check it with your tip number and secret code.")
        )
    message = Message(
        tip=tip,
        direction="outbound",
        author_user_id=user.id,
        channel=tip.channel,
        delivery_status="pending",
        created_at=utcnow(),
    )
    message.body.seal(keyring, body)
    session.add(message)
    session.flush()
    enqueue_reply(session, tip, message)


def decide_reward(
    session: Session, keyring: Keyring, user: User, reward_id: uuid.UUID, *, approve: bool
) -> Reward:
    """A second supervisor approves (a claim code is made) or declines a proposed reward."""
    _require_supervisor(user)
    reward = _find_reward(session, user, reward_id)
    if reward.status != "proposed":
        raise ConflictError("This reward has been decided already.")
    check_second_person(reward.proposed_by_id, user.id)
    # Only if it is still proposed in the database: two supervisors deciding at once both read
    # "proposed", and only the first may decide (a second approval would issue a second code).
    decided = session.execute(
        update(Reward)
        .where(Reward.id == reward.id, Reward.status == "proposed")
        .values(
            status="approved" if approve else "declined",
            decided_by_id=user.id,
            decided_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(decided, "rowcount", 0) != 1:
        raise ConflictError("This reward has been decided already.")
    session.expire(reward, ["status", "decided_by_id", "decided_at"])
    if not approve:
        _audit(session, "reward.declined", user, reward)
        return reward
    code = new_receipt()
    reward.claim_code.seal(keyring, code)
    reward.claim_digest = crypto.keyed_digest(keyring, CLAIM_LABEL, code.replace("-", ""))
    session.flush()
    _notify_tipster(session, keyring, reward, user)
    _audit(session, "reward.approved", user, reward)
    return reward


def pay_reward(session: Session, keyring: Keyring, user: User, claim_code: str) -> Reward:
    """Mark an approved reward paid against the code the collector shows; the code is spent."""
    _require_supervisor(user)
    code = normalise_receipt(claim_code)
    if code is None:
        raise InvalidInputError(fields={"claim_code": ["This is not a claim code."]})
    digest = crypto.keyed_digest(keyring, CLAIM_LABEL, code.replace("-", ""))
    reward = session.scalar(select(Reward).where(Reward.claim_digest == digest))
    visible = {q.id for q in visible_queues(session, user)}
    if reward is None or reward.tip.queue_id not in visible:
        raise NotFoundError("No reward has this claim code.")
    if reward.status != "approved":
        raise ConflictError("This reward has been paid already.")
    # Only if it is still approved in the database: two cashiers entering the same code at once
    # both read "approved", and only the first may pay.
    paid = session.execute(
        update(Reward)
        .where(Reward.id == reward.id, Reward.status == "approved")
        .values(status="paid", paid_by_id=user.id, paid_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(paid, "rowcount", 0) != 1:
        raise ConflictError("This reward has been paid already.")
    session.expire(reward, ["status", "paid_by_id", "paid_at"])
    _audit(session, "reward.paid", user, reward)
    log.info("reward %s paid", reward.id.hex)
    return reward


@dataclass(frozen=True)
class StaffReward:
    """A reward as staff see it: never the claim code."""

    reward_id: uuid.UUID
    tip_number: str
    amount_cents: int
    reason: str
    status: str
    proposed_by: int
    proposed_at: datetime
    decided_at: datetime | None
    paid_at: datetime | None


def list_rewards(session: Session, keyring: Keyring, user: User) -> list[StaffReward]:
    """Rewards on the tips the user may see, newest first."""
    _require_supervisor(user)
    visible = [q.id for q in visible_queues(session, user)]
    rows = session.scalars(
        select(Reward)
        .join(Tip, Tip.id == Reward.tip_id)
        .where(Tip.queue_id.in_(visible))
        .order_by(Reward.proposed_at.desc())
    )
    return [
        StaffReward(
            r.id,
            r.tip.tip_number,
            r.amount_cents,
            r.reason.read(keyring),
            r.status,
            r.proposed_by_id,
            r.proposed_at,
            r.decided_at,
            r.paid_at,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class TipsterReward:
    """What the tipster sees of a reward on /check."""

    status: str
    amount_cents: int
    claim_code: str | None


def tipster_rewards(session: Session, keyring: Keyring, tip: Tip) -> list[TipsterReward]:
    """The rewards on the tip, for the holder of its receipt (the code while it is unspent)."""
    rows = session.scalars(
        select(Reward).where(Reward.tip_id == tip.id).order_by(Reward.proposed_at)
    )
    return [
        TipsterReward(
            r.status,
            r.amount_cents,
            r.claim_code.read(keyring) if r.status == "approved" else None,
        )
        for r in rows
    ]
