"""Staff API schemas of the queues and their listing. No field for a tipster's identity."""

from __future__ import annotations

from marshmallow import fields, validate

from intake.api import Schema
from intake.models.tip import CHANNELS, STATUSES, URGENCIES
from intake.queues.rules import SORTS


class TipFilterSchema(Schema):
    """Listing filters (query string)."""

    status = fields.String(validate=validate.OneOf((*STATUSES, "open")))
    category = fields.String(validate=validate.Length(max=40))
    urgency = fields.String(validate=validate.OneOf(URGENCIES))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    created_from = fields.AwareDateTime(metadata={"description": "created at or after"})
    created_to = fields.AwareDateTime(metadata={"description": "created before"})
    cursor = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    sort = fields.String(
        validate=validate.OneOf(SORTS),
        metadata={
            "description": "``urgency`` (default: most urgent first, then newest), ``newest``,"
            " ``oldest`` or ``activity`` (last activity first); a cursor works only with the"
            " order it came from"
        },
    )
    assigned = fields.String(
        validate=validate.OneOf(("me", "none")),
        metadata={"description": "``me``: assigned to the caller; ``none``: unassigned"},
    )
    awaiting = fields.Boolean(
        metadata={"description": "true: the tipster wrote last and no staff member answered yet"}
    )
    q = fields.String(
        validate=validate.Length(1, 200),
        metadata={
            "description": "search the sealed text (every word must match; newest first); "
            "not combined with the other filters"
        },
    )


class ListedTipSchema(Schema):
    """One tip in a listing: routing facts only, no content (the narrative is read, audited, on
    the tip itself)."""

    tip_number = fields.String()
    channel = fields.String()
    language = fields.String()
    category = fields.String()
    category_label = fields.String(metadata={"description": "the category's English name"})
    place = fields.String(allow_none=True, metadata={"description": "the district's name"})
    urgency = fields.String()
    status = fields.String()
    queue = fields.String()
    district = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    is_classifier_unsure = fields.Boolean()
    created_at = fields.DateTime()
    last_activity_at = fields.DateTime(
        allow_none=True, metadata={"description": "last changed, answered or added to"}
    )
    is_awaiting = fields.Boolean(metadata={"description": "the tipster wrote last"})
    matched = fields.List(
        fields.String(), metadata={"description": "with ``q``: the fields the words are in"}
    )


class TipPageSchema(Schema):
    """A page of tips; pass ``next_cursor`` (or ``prev_cursor``) back as ``cursor`` for the next
    (or previous) page, with the same ``sort``."""

    items = fields.List(fields.Nested(ListedTipSchema))
    next_cursor = fields.String(allow_none=True)
    prev_cursor = fields.String(allow_none=True, metadata={"description": "null on the first page"})


class QueueSchema(Schema):
    """A queue the caller works, with counts of open tips."""

    code = fields.String()
    name = fields.String()
    kind = fields.String()
    open_count = fields.Integer()
    new_count = fields.Integer()
    urgent_count = fields.Integer()
    emergency_count = fields.Integer()


class QueueListSchema(Schema):
    """The caller's queues."""

    items = fields.List(fields.Nested(QueueSchema))
