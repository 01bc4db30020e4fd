"""Staff rewards API under /api/v1/staff/rewards (bearer tokens; supervisors and oversight)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Flask

from intake import access
from intake.api import Blueprint
from intake.extensions import db, get_keyring
from intake.models import Reward
from intake.priorities.pages import staff_bp as community_bp
from intake.queues.rules import SUPERVISING_ROLES
from intake.rewards import service
from intake.rewards.pages import bp as pages_bp
from intake.rewards.schemas import (
    RewardDecisionSchema,
    RewardListSchema,
    RewardPaySchema,
    RewardProposeSchema,
    RewardStateSchema,
)
from intake.staff.access import current_user, staff_rule

bp = Blueprint(
    "staff_rewards_api",
    __name__,
    url_prefix="/api/v1/staff/rewards",
    description="Crime Stoppers rewards: proposed by a supervisor, decided by a second one, "
    "paid against the tipster's claim code.",
)


def _state(reward: Reward) -> dict[str, Any]:
    return {
        "reward_id": reward.id,
        "tip_number": reward.tip.tip_number,
        "amount_cents": reward.amount_cents,
        "status": reward.status,
    }


@bp.route("", methods=["GET"])
@bp.response(200, RewardListSchema)
def list_rewards() -> Any:
    """Rewards on the tips the caller may see, newest first."""
    items = service.list_rewards(db.session(), get_keyring(), current_user())
    return {"items": [asdict(item) for item in items]}


@bp.route("", methods=["POST"])
@bp.arguments(RewardProposeSchema)
@bp.response(201, RewardStateSchema)
def propose(args: dict[str, Any]) -> Any:
    """Propose a reward on a tip (a second supervisor decides)."""
    reward = service.propose_reward(
        db.session(),
        get_keyring(),
        current_user(),
        args["tip_number"],
        args["amount_cents"],
        args["reason"],
    )
    return _state(reward)


@bp.route("/<reward_id>/decision", methods=["POST"])
@bp.arguments(RewardDecisionSchema)
@bp.response(200, RewardStateSchema)
def decide(args: dict[str, Any], reward_id: str) -> Any:
    """Approve (the tipster gets a claim code on /check) or decline a proposed reward."""
    reward = service.decide_reward(
        db.session(),
        get_keyring(),
        current_user(),
        service.parse_reward_id(reward_id),
        approve=args["approve"],
    )
    return _state(reward)


@bp.route("/payments", methods=["POST"])
@bp.arguments(RewardPaySchema)
@bp.response(200, RewardStateSchema)
def pay(args: dict[str, Any]) -> Any:
    """Mark the reward with this claim code paid (the code is then spent)."""
    reward = service.pay_reward(db.session(), get_keyring(), current_user(), args["claim_code"])
    return _state(reward)


def register_rewards(app: Flask) -> None:
    """Rewards (supervisors) and the community comparison (supervisors, prosecutors)."""
    access.register_api(app, bp, staff_rule(SUPERVISING_ROLES))
    access.register(app, pages_bp, staff_rule(SUPERVISING_ROLES))
    access.register(app, community_bp, staff_rule(("supervisor", "prosecutor")))
