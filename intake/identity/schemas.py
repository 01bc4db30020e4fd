"""Staff API schemas of a reveal: the only ones with a field for a tipster's identity."""

from __future__ import annotations

from marshmallow import fields, validate

from intake.api import Schema


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
