"""Staff API schemas of one tip and of bulk changes. No field for a tipster's identity."""

from __future__ import annotations

from marshmallow import fields, validate

from intake.api import Schema
from intake.models.tip import STATUSES, URGENCIES
from intake.tips.rules import DISPOSITIONS, NOTE_MAX, REPLY_MAX
from intake.tips.service import BULK_ACTIONS, BULK_MAX


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
