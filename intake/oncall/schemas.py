"""On-call API schemas."""

from __future__ import annotations

from marshmallow import fields

from intake.api import Schema


class AcknowledgedSchema(Schema):
    """An urgent tip's acknowledgement: who, when, after how many steps of notices."""

    tip_number = fields.String()
    urgency = fields.String()
    acknowledged_at = fields.AwareDateTime()
    acknowledged_by = fields.String(allow_none=True)
    steps = fields.Integer(metadata={"description": "rounds of notices sent before it"})
