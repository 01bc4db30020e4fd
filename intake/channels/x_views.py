"""``/webhooks/x``: X's CRC challenge and signed direct-message deliveries.

Both the Account Activity API and the X Activity API (``dm.received``) post here. The signature
covers the raw body, read once before anything parses it; the account's own DMs are ignored.
"""

from __future__ import annotations

import logging

from flask import Response, jsonify, request

from intake.blueprints import Blueprint
from intake.channels.inbound import prefetch, receive_batch
from intake.errors import ForbiddenError, InvalidInputError
from intake.extensions import db, get_keyring, get_settings
from intake.unit_of_work import keep_on_error
from webhooks import x
from webhooks.base import PayloadError, SignatureError

log = logging.getLogger(__name__)

bp = Blueprint("x_webhook", __name__)


@bp.get("/webhooks/x")
def answer_crc() -> Response:
    """Answer X's challenge-response check with the HMAC of ``crc_token``."""
    secret = get_settings().x.consumer_secret
    try:
        answer = x.crc_response(secret, request.args.get("crc_token", ""))
    except SignatureError:
        log.warning("x crc refused: X_CONSUMER_SECRET is not set")
        raise ForbiddenError("The X webhook is not configured.") from None
    except PayloadError:
        # Only token-shaped values are signed: the answer is the same HMAC a POST body carries.
        raise InvalidInputError("crc_token is missing or not an X CRC token.") from None
    return jsonify(answer)


@bp.post("/webhooks/x")
def receive_events() -> tuple[Response, int]:
    """Store every resident DM of a signed X delivery."""
    # Before anything parses the body: the signature is over these exact bytes.
    raw_body = request.get_data(cache=False)
    settings = get_settings()
    try:
        x.verify_signature(
            settings.x.consumer_secret,
            raw_body,
            request.headers.get(x.SIGNATURE_HEADER),
        )
    except SignatureError:
        log.warning("x delivery refused: signature missing or wrong")
        raise ForbiddenError("The request is not signed by X.") from None
    try:
        batch = x.parse_events(raw_body, own_user_id=settings.x.user_id)
    except PayloadError:
        log.warning("x delivery refused: not a JSON object")
        raise InvalidInputError("The body is not an X webhook event.") from None
    session, keyring = db.session(), get_keyring()
    # Photos are downloaded before anything is written: no transaction across the network.
    fetched = prefetch(session, keyring, settings, batch.messages)
    report = receive_batch(session, keyring, settings, batch.messages, fetched=fetched)
    kinds = " ".join(f"{kind}:{count}" for kind, count in sorted(batch.ignored_kinds.items()))
    log.info(
        "x delivery messages=%d %s ignored=%d (%s) malformed=%d",
        len(batch.messages),
        report.summary(),
        batch.ignored,
        kinds or "none",
        batch.malformed,
    )
    if batch.revoked:
        # The department's account took back the app's access: no DM arrives, no reply goes.
        log.warning("x account revoked the app's access: re-authorise it (X_BEARER_TOKEN)")
    if report.unstored:
        # Stored items are kept (committed before the answer) and will deduplicate; X must
        # send the rest again.
        keep_on_error()
        return jsonify({"status": "retry"}), 503
    return jsonify({"status": "received"}), 200
