"""Schemas of the surge view's API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from intake.queues.schemas import ListedTipSchema


class SurgeQuerySchema(Schema):
    """Which tips: since an instant (with its offset), optionally one category."""

    since = fields.AwareDateTime(
        required=True, metadata={"description": "tips created at or after (ISO 8601, with offset)"}
    )
    category = fields.String(validate=validate.Length(max=40))


class SurgeGroupSchema(Schema):
    """Tips that are likely one thing, newest first."""

    size = fields.Integer()
    why = fields.List(fields.String())
    categories = fields.List(
        fields.Tuple((fields.String(), fields.Integer())),
        metadata={"description": "[category, count], most common first"},
    )
    first_at = fields.DateTime()
    last_at = fields.DateTime()
    tips = fields.List(fields.Nested(ListedTipSchema))


class SurgeSchema(Schema):
    """Groups largest first, then the tips in no group."""

    since = fields.DateTime()
    total = fields.Integer()
    is_cut_short = fields.Boolean(
        metadata={"description": "more tips than the view reads (the newest are shown)"}
    )
    groups = fields.List(fields.Nested(SurgeGroupSchema))
    ungrouped = fields.List(fields.Nested(ListedTipSchema))
