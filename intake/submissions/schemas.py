"""Public API schemas: they whitelist fields and refuse unknown ones."""

from __future__ import annotations

from marshmallow import fields, validate

from intake.api import Schema
from intake.rewards.schemas import TipsterRewardSchema
from intake.submissions.service import LOCATION_TEXT_MAX, NARRATIVE_MAX, SUPPORTED_LANGUAGES


class LocationSchema(Schema):
    """Where it happened: words, a point, or both."""

    text = fields.String(validate=validate.Length(max=LOCATION_TEXT_MAX), allow_none=True)
    lat = fields.Float(validate=validate.Range(-90, 90), allow_none=True, allow_nan=False)
    lon = fields.Float(validate=validate.Range(-180, 180), allow_none=True, allow_nan=False)


class ContactSchema(Schema):
    """A way to reach the tipster, only if they choose to give one."""

    phone = fields.String(validate=validate.Length(max=40), allow_none=True)
    email = fields.Email(validate=validate.Length(max=200), allow_none=True)
    name = fields.String(validate=validate.Length(max=120), allow_none=True)
    notify_by = fields.String(
        validate=validate.OneOf(["sms", "email"]),
        allow_none=True,
        metadata={
            "description": "Tell the tipster (by SMS to the phone, or email to the address) "
            "when a detective writes: a content-free notice, never the message or tip number."
        },
    )


class TipCreateSchema(Schema):
    """A new tip."""

    narrative = fields.String(required=True, validate=validate.Length(min=1, max=NARRATIVE_MAX))
    location = fields.Nested(LocationSchema, allow_none=True)
    occurred_at = fields.AwareDateTime(allow_none=True)
    contact = fields.Nested(ContactSchema, allow_none=True)
    language = fields.String(validate=validate.OneOf(SUPPORTED_LANGUAGES), allow_none=True)


class TipCreatedSchema(Schema):
    """The tip number and the secret receipt: the only time the receipt is ever shown."""

    tip_number = fields.String(required=True)
    receipt = fields.String(required=True)
    status = fields.String(required=True)
    category = fields.String(required=True)
    urgency = fields.String(required=True)
    language = fields.String(required=True)
    is_replay = fields.Boolean(required=True)
    emergency_advice = fields.String(allow_none=True)
    next_steps = fields.String(required=True)


class ReceiptSchema(Schema):
    """Proof that the caller is the tipster."""

    receipt = fields.String(required=True, validate=validate.Length(min=1, max=64))


class ThreadMessageSchema(Schema):
    """A message of the tip's thread: from you (inbound) or from a detective (outbound)."""

    direction = fields.String(required=True)
    body = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


class TipStatusSchema(Schema):
    """What the tipster may see about their tip."""

    tip_number = fields.String(required=True)
    status = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    messages = fields.List(fields.Nested(ThreadMessageSchema), required=True)
    rewards = fields.List(fields.Nested(TipsterRewardSchema), required=True)


class FollowupSchema(Schema):
    """More information, or an answer to a detective's question."""

    receipt = fields.String(required=True, validate=validate.Length(min=1, max=64))
    body = fields.String(required=True, validate=validate.Length(min=1, max=NARRATIVE_MAX))


class FollowupCreatedSchema(Schema):
    """The follow-up was added."""

    tip_number = fields.String(required=True)
    status = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
