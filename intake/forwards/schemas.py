"""Forwarding API schemas: what the team sends, and what it is answered (never the handle)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load, validate

from intake.api import Schema
from intake.submissions.service import NARRATIVE_MAX

PLATFORM = validate.Regexp(r"^[A-Za-z][A-Za-z0-9_]{0,31}$", error="Use a short platform name.")


class ForwardCreateSchema(Schema):
    """A post, comment or DM forwarded by the social-media team."""

    platform = fields.String(required=True, validate=PLATFORM)
    url = fields.Url(validate=validate.Length(max=2000), allow_none=True, schemes={"http", "https"})
    handle = fields.String(validate=validate.Length(max=200), allow_none=True)
    text = fields.String(required=True, validate=validate.Length(min=1, max=NARRATIVE_MAX))
    posted_at = fields.AwareDateTime(allow_none=True)
    attachments = fields.List(
        fields.String(validate=validate.Length(max=12_000_000)),
        validate=validate.Length(max=4),
        load_default=list,
        metadata={"description": "images, base64-encoded"},
    )

    @post_load
    def _lower(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["platform"] = data["platform"].lower()
        return data


class ForwardCreatedSchema(Schema):
    """The new tip, and what to send back to the person who wrote: shown once, never again."""

    tip_number = fields.String()
    category = fields.String()
    urgency = fields.String()
    queue = fields.String()
    receipt = fields.String(metadata={"description": "the tip's secret code, this answer only"})
    check_url = fields.String(metadata={"description": "where the person checks back"})
    reply_en = fields.String(metadata={"description": "a reply to paste back, in English"})
    reply_es = fields.String(metadata={"description": "the same reply in Spanish"})
    forwarded_before = fields.String(
        allow_none=True,
        metadata={"description": "the first tip made of the same post, now linked to this one"},
    )
    forwarded_before_why = fields.String(
        allow_none=True, metadata={"description": "``same link`` or ``same post text``"}
    )
    notice = fields.String(
        allow_none=True, metadata={"description": "e.g. Forwarded before as tip 7KQ-XM2P"}
    )


class ForwardQuerySchema(Schema):
    """A page of the caller's forwards (query string)."""

    cursor = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 100))


class ForwardStatusSchema(Schema):
    """One of the caller's forwards: its number, platform, when, and its status in words."""

    tip_number = fields.String()
    platform = fields.String(allow_none=True)
    forwarded_at = fields.DateTime()
    status = fields.String(
        metadata={"description": "``received``, ``being worked on`` or ``closed``"}
    )


class ForwardListSchema(Schema):
    """The caller's forwards, newest first; pass ``next_cursor`` as ``cursor`` for more."""

    items = fields.List(fields.Nested(ForwardStatusSchema))
    next_cursor = fields.String(allow_none=True)
