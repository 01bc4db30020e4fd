"""``/webhooks/meta``: the subscription handshake and signed event deliveries from Meta.

Messenger, Instagram and the WhatsApp Cloud API all post here. The signature covers the raw body,
so the body is read once, unparsed, before anything else touches it. Every message of a delivery
is stored in the request's one transaction before the 200: an acknowledged message is never lost,
and a redelivery (WhatsApp retries non-200 answers for days) deduplicates.
"""

from __future__ import annotations

import logging

from flask import Response, jsonify, request

from intake.blueprints import Blueprint
from intake.channels.inbound import prefetch, receive_batch
from intake.errors import ForbiddenError, InvalidInputError
from intake.extensions import db, get_keyring, get_settings
from intake.unit_of_work import keep_on_error
from webhooks import meta
from webhooks.base import PayloadError, SignatureError

log = logging.getLogger(__name__)

bp = Blueprint("meta_webhook", __name__)


@bp.get("/webhooks/meta")
def verify_subscription() -> Response:
    """Echo ``hub.challenge`` when Meta subscribes with our verify token."""
    token = get_settings().meta.verify_token
    try:
        challenge = meta.verify_subscription(request.args, token)
    except SignatureError:
        log.warning("meta subscription refused: verify token missing or wrong")
        raise ForbiddenError("The verify token does not match.") from None
    except PayloadError:
        raise InvalidInputError("hub.challenge is missing or too long.") from None
    return Response(challenge, mimetype="text/plain")


@bp.post("/webhooks/meta")
def receive_events() -> tuple[Response, int]:
    """Store every message and delivery status of a signed Meta delivery."""
    # Before anything parses the body: the signature is over these exact bytes.
    raw_body = request.get_data(cache=False)
    settings = get_settings()
    try:
        meta.verify_signature(
            settings.meta.app_secret,
            raw_body,
            request.headers.get(meta.SIGNATURE_HEADER),
        )
    except SignatureError:
        log.warning("meta delivery refused: signature missing or wrong")
        raise ForbiddenError("The request is not signed by Meta.") from None
    try:
        batch = meta.parse_events(raw_body)
    except PayloadError:
        log.warning("meta delivery refused: not a webhook batch")
        raise InvalidInputError("The body is not a Meta webhook batch.") from None
    session, keyring = db.session(), get_keyring()
    # Photos are downloaded before anything is written: no transaction across the network.
    fetched = prefetch(session, keyring, settings, batch.messages)
    report = receive_batch(
        session,
        keyring,
        settings,
        batch.messages,
        batch.statuses,
        fetched=fetched,
        identity_changes=batch.identity_changes,
    )
    log.info(
        "meta delivery messages=%d %s ignored=%d malformed=%d",
        len(batch.messages),
        report.summary(),
        batch.ignored,
        batch.malformed,
    )
    if report.unstored:
        # Stored items are kept (committed before the answer) and will deduplicate; Meta must
        # send the rest again.
        keep_on_error()
        return jsonify({"status": "retry"}), 503
    return jsonify({"status": "received"}), 200
