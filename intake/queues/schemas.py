"""Staff API schemas. Nothing here has a field for a tipster's identity except the reveal."""

from __future__ import annotations

from marshmallow import fields, validate

from intake.api import Schema
from intake.models.tip import CHANNELS, STATUSES, URGENCIES
from intake.queues.rules import DISPOSITIONS, NOTE_MAX, REPLY_MAX, SORTS
from intake.queues.service import BULK_ACTIONS, BULK_MAX


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


class ThreadEntrySchema(Schema):
    """A message of the thread."""

    direction = fields.String()
    channel = fields.String()
    created_at = fields.DateTime()
    body = fields.String()
    delivery_status = fields.String()
    delivery_error = fields.String(allow_none=True)
    author = fields.String(allow_none=True)


class NoteSchema(Schema):
    """An internal note."""

    author = fields.String(allow_none=True)
    created_at = fields.DateTime()
    body = fields.String()


class AttachmentSchema(Schema):
    """An attachment's metadata; ``download`` is where its bytes are."""

    id = fields.UUID()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    created_at = fields.DateTime()
    from_message = fields.Boolean()
    download = fields.String()


class HistoryEntrySchema(Schema):
    """An audit event."""

    seq = fields.Integer()
    created_at = fields.DateTime()
    action = fields.String()
    actor_kind = fields.String()
    actor = fields.String(allow_none=True)
    tip_number = fields.String(allow_none=True)
    details = fields.Dict()


class RelatedTipSchema(Schema):
    """Another tip the caller may see that is likely about the same thing, and why."""

    tip_number = fields.String()
    why = fields.String()
    is_confirmed = fields.Boolean(metadata={"description": "in a confirmed same-incident cluster"})


class LinkDecisionSchema(Schema):
    """A detective's decision about a suggested related tip."""

    tip_number = fields.String(required=True, validate=validate.Length(1, 20))
    decision = fields.String(required=True, validate=validate.OneOf(("confirmed", "rejected")))


class TipDetailSchema(Schema):
    """Everything staff may see about a tip; never who sent it."""

    tip_number = fields.String()
    rms_case_number = fields.String(allow_none=True)
    channel = fields.String()
    language = fields.String()
    status = fields.String()
    disposition = fields.String(allow_none=True)
    queue = fields.String()
    queue_name = fields.String()
    district = fields.String(allow_none=True)
    routing_reason = fields.String()
    category = fields.String()
    category_confidence = fields.Float()
    category_evidence = fields.List(fields.Raw())
    category_runners_up = fields.List(fields.Raw())
    is_classifier_unsure = fields.Boolean()
    urgency = fields.String()
    urgency_evidence = fields.List(fields.Raw())
    narrative = fields.String()
    location_text = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    location_source = fields.String(allow_none=True)
    occurred_at = fields.DateTime(allow_none=True)
    source_platform = fields.String(allow_none=True)
    has_source_url = fields.Boolean(
        metadata={
            "description": "the post's link exists; it names its author, so only a reveal shows it"
        }
    )
    source_posted_at = fields.DateTime(allow_none=True)
    assignee = fields.String(allow_none=True)
    has_contact = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    legal_hold = fields.Boolean()
    content_shredded = fields.Boolean(
        metadata={"description": "only the tombstone is left (retention): content is gone"}
    )
    messages = fields.List(fields.Nested(ThreadEntrySchema))
    notes = fields.List(fields.Nested(NoteSchema))
    attachments = fields.List(fields.Nested(AttachmentSchema))
    history = fields.List(fields.Nested(HistoryEntrySchema))
    related = fields.List(fields.Nested(RelatedTipSchema))


class TipPatchSchema(Schema):
    """A change of status, category, urgency or queue (queue: supervisors, with a reason)."""

    status = fields.String(validate=validate.OneOf(STATUSES))
    disposition = fields.String(validate=validate.OneOf(DISPOSITIONS))
    category = fields.String(validate=validate.Length(min=1, max=40))
    urgency = fields.String(validate=validate.OneOf(URGENCIES))
    queue = fields.String(validate=validate.Length(min=1, max=40))
    reason = fields.String(validate=validate.Length(max=300))
    rms_case_number = fields.String(
        validate=validate.Length(max=200),
        metadata={
            "description": "the records system's case number (at most 40 characters of"
            " letters, digits, spaces and . / # : _ -); an empty string clears it"
        },
    )
    legal_hold = fields.Boolean(
        metadata={"description": "supervisors: hold (true) or release (false), with a reason"}
    )


class TipStateSchema(Schema):
    """A tip's workflow state after a change."""

    tip_number = fields.String()
    status = fields.String()
    disposition = fields.String(allow_none=True)
    category = fields.String()
    urgency = fields.String()
    queue = fields.String()
    assignee = fields.String(allow_none=True)
    legal_hold = fields.Boolean()
    rms_case_number = fields.String(allow_none=True)


class NoteCreateSchema(Schema):
    """A new internal note."""

    body = fields.String(required=True, validate=validate.Length(min=1, max=NOTE_MAX))


class ReplyCreateSchema(Schema):
    """A message to the tipster."""

    body = fields.String(required=True, validate=validate.Length(min=1, max=REPLY_MAX))


class ReplyCreatedSchema(Schema):
    """The reply as queued: ``pending`` (outbox) or ``available`` (read with the receipt)."""

    tip_number = fields.String()
    channel = fields.String()
    delivery_status = fields.String()


class RevealRequestSchema(Schema):
    """Why the identity must be revealed (required, audited), and a current TOTP code."""

    reason = fields.String(required=True, validate=validate.Length(max=500))
    totp = fields.String(
        required=True,
        validate=validate.Length(max=12),
        metadata={"description": "a current code of the caller's authenticator (used once)"},
    )


class RevealedSchema(Schema):
    """The decrypted contact of the tipster."""

    tip_number = fields.String()
    channel = fields.String(allow_none=True)
    identity = fields.Dict(keys=fields.String(), values=fields.String())
    source_url = fields.String(allow_none=True)


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


class ClusterActionSchema(Schema):
    """One action for every tip of a confirmed cluster: ``claim``, ``assign`` (with
    ``assignee``), ``reroute`` (with ``queue`` and ``reason``) or ``close`` (with
    ``disposition``)."""

    action = fields.String(required=True, validate=validate.OneOf(BULK_ACTIONS))
    assignee = fields.String(validate=validate.Length(1, 80))
    queue = fields.String(validate=validate.Length(1, 32))
    reason = fields.String(validate=validate.Length(1, 300))
    disposition = fields.String(validate=validate.OneOf(DISPOSITIONS))


class BulkActionSchema(ClusterActionSchema):
    """The same action for the tips named (at most 200)."""

    tip_numbers = fields.List(
        fields.String(validate=validate.Length(1, 20)),
        required=True,
        validate=validate.Length(1, BULK_MAX),
    )


class BulkOutcomeSchema(Schema):
    """What became of one tip: done, or refused with the error the single action gives (a tip
    outside the caller's queues reads ``not_found``, like a number no tip has)."""

    tip_number = fields.String()
    is_done = fields.Boolean()
    code = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields", allow_none=True)


class BulkResultSchema(Schema):
    """Per-tip outcomes, in the order sent (repeats counted once), and the totals."""

    results = fields.List(fields.Nested(BulkOutcomeSchema))
    done = fields.Integer()
    refused = fields.Integer()
