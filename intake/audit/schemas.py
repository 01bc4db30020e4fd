"""Staff API schemas of the audit log."""

from __future__ import annotations

from marshmallow import fields, validate

from intake.api import Schema
from intake.tips.schemas import HistoryEntrySchema


class AuditQuerySchema(Schema):
    """Audit log filters."""

    tip = fields.String(validate=validate.Length(max=20))
    view = fields.String(
        load_default="all",
        validate=validate.OneOf(("all", "reveals")),
        metadata={"description": "``reveals``: identity reveals and refused attempts only"},
    )
    before = fields.Integer(validate=validate.Range(min=1))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class AuditPageSchema(Schema):
    """A page of the audit log, newest first; pass ``next_before`` as ``before``."""

    items = fields.List(fields.Nested(HistoryEntrySchema))
    next_before = fields.Integer(allow_none=True)
