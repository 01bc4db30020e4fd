"""Forwarding API under /api/v1/staff/forwards, and the registration of the feature's routes.

Bearer tokens only (no cookie authenticates these routes, so they need no CSRF token).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict
from typing import Any

from flask import Flask

from intake import access
from intake.api import Blueprint, accepts_base64_uploads
from intake.errors import InvalidInputError
from intake.extensions import db, get_keyring, get_settings
from intake.forwards import service
from intake.forwards.messages import forward_answer
from intake.forwards.pages import forward_bp as forward_pages_bp
from intake.forwards.pages import forwards_bp as forwards_pages_bp
from intake.forwards.rules import FORWARD_ROLES
from intake.forwards.schemas import (
    ForwardCreatedSchema,
    ForwardCreateSchema,
    ForwardListSchema,
    ForwardQuerySchema,
)
from intake.staff.access import current_user, staff_rule

forwards_bp = Blueprint(
    "staff_forwards_api",
    __name__,
    url_prefix="/api/v1/staff",
    description="Posts forwarded by the social-media team.",
)


def decode_images(encoded: list[str]) -> tuple[bytes, ...]:
    """Base64 images from a JSON body."""
    images = []
    for value in encoded:
        try:
            images.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            raise InvalidInputError(
                fields={"attachments": ["Send images base64-encoded."]}
            ) from None
    return tuple(images)


@forwards_bp.route("/forwards", methods=["POST"])
@accepts_base64_uploads
@forwards_bp.arguments(ForwardCreateSchema)
@forwards_bp.response(201, ForwardCreatedSchema)
def create_forward(data: dict[str, Any]) -> Any:
    """Make a tip of a forwarded post, comment or DM (the handle is sealed, never shown)."""
    forward = service.forward_post(
        db.session(),
        get_keyring(),
        current_user(),
        service.ForwardedPost(
            platform=data["platform"],
            url=data.get("url"),
            handle=data.get("handle"),
            text=data["text"],
            posted_at=data.get("posted_at"),
            images=decode_images(data.get("attachments") or []),
        ),
        default_region=get_settings().default_region,
    )
    created = forward.tip
    return {
        "tip_number": created.tip_number,
        "category": created.category,
        "urgency": created.urgency,
        "queue": created.queue_code,
        **forward_answer(created.tip_number, created.receipt or "", get_settings().public_base_url),
        "forwarded_before": forward.forwarded_before,
        "forwarded_before_why": forward.why,
        "notice": forward.notice,
    }


@forwards_bp.route("/forwards", methods=["GET"])
@forwards_bp.arguments(ForwardQuerySchema, location="query")
@forwards_bp.response(200, ForwardListSchema)
def list_forwards(args: dict[str, Any]) -> Any:
    """The caller's own forwards, newest first, with their status in words (nothing else)."""
    page = service.list_forwards(
        db.session(), current_user(), limit=args["limit"], cursor=args.get("cursor")
    )
    return {"items": [asdict(item) for item in page.items], "next_cursor": page.next_cursor}


def register_forwards(app: Flask) -> None:
    """Register the forwarding API and pages for the roles that forward."""
    access.register_api(app, forwards_bp, staff_rule(FORWARD_ROLES))
    access.register(app, forward_pages_bp, staff_rule(FORWARD_ROLES))
    access.register(app, forwards_pages_bp, staff_rule(FORWARD_ROLES))
