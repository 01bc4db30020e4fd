"""Schemas of the rewards API: they whitelist fields and refuse unknown ones."""

from __future__ import annotations

from marshmallow import fields, validate

from intake.api import Schema
from intake.rewards.rules import AMOUNT_MAX_CENTS, REASON_MAX


class RewardProposeSchema(Schema):
    """A proposed reward."""

    tip_number = fields.String(required=True, validate=validate.Length(max=20))
    amount_cents = fields.Integer(
        required=True, validate=validate.Range(1, AMOUNT_MAX_CENTS), strict=True
    )
    reason = fields.String(required=True, validate=validate.Length(max=REASON_MAX))


class RewardDecisionSchema(Schema):
    """A second supervisor's decision."""

    approve = fields.Boolean(required=True)


class RewardPaySchema(Schema):
    """The claim code the collector shows."""

    claim_code = fields.String(required=True, validate=validate.Length(max=40))


class RewardSchema(Schema):
    """A reward as staff see it (never the claim code)."""

    reward_id = fields.UUID(required=True)
    tip_number = fields.String(required=True)
    amount_cents = fields.Integer(required=True)
    reason = fields.String(required=True)
    status = fields.String(required=True)
    proposed_by = fields.Integer(required=True, metadata={"description": "User id"})
    proposed_at = fields.AwareDateTime(required=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    paid_at = fields.AwareDateTime(allow_none=True)


class RewardListSchema(Schema):
    """Rewards on the tips the caller may see."""

    items = fields.List(fields.Nested(RewardSchema), required=True)


class RewardStateSchema(Schema):
    """A reward's state after a step."""

    reward_id = fields.UUID(required=True)
    tip_number = fields.String(required=True)
    amount_cents = fields.Integer(required=True)
    status = fields.String(required=True)


class TipsterRewardSchema(Schema):
    """A reward as the tipster sees it: its stage, amount, and the claim code while unspent."""

    status = fields.String(
        required=True, metadata={"description": "proposed, approved, paid or declined"}
    )
    amount_cents = fields.Integer(required=True)
    claim_code = fields.String(
        allow_none=True, metadata={"description": "Show it to collect; null unless approved"}
    )
