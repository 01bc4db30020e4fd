"""X (Twitter) direct messages: CRC challenge, signature, Account Activity and X Activity events.

The Account Activity API posts ``{"for_user_id": ..., "direct_message_events": [...], "users":
{...}}``. The X Activity API, which replaces it, posts one envelope per event:
``{"data": {"event_uuid", "filter": {"user_id"}, "event_type": "dm.received", "payload":
{"direct_message_events": [...], "users": {id: {"data": {...}}}}}}``. Both carry the same DM event
objects, so a DM's ``id`` deduplicates across them. Both are signed the same way.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from webhooks.base import (
    InboundMessage,
    MediaRef,
    PayloadError,
    PreparedRequest,
    SignatureError,
    as_dict,
    as_id,
    as_text,
    from_epoch,
    load_json_object,
    secrets_equal,
)

PROVIDER = "x"
CHANNEL = "x"
SIGNATURE_HEADER = "x-twitter-webhooks-signature"
_SIGNATURE_PREFIX = "sha256="
# X's CRC tokens are short strings of URL-safe characters (base64 or a UUID). The CRC answer and
# the POST signature are the same HMAC under the same secret, so anything else is refused: a
# token of these characters can never be a webhook body (a JSON object starts with "{"), so the
# CRC endpoint can never sign one.
_CRC_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{1,255}")
# X Activity API event types that carry a resident's DM; everything else is ignored.
_RECEIVED_DM_EVENT = "dm.received"


@dataclass(frozen=True)
class XBatch:
    """The DMs in one webhook POST, and how many other events it carried (or could not use)."""

    messages: list[InboundMessage] = field(default_factory=list)
    ignored: int = 0
    malformed: int = 0


def _hmac_sha256(consumer_secret: str, data: bytes) -> bytes:
    return hmac.new(consumer_secret.encode("utf-8"), data, hashlib.sha256).digest()


def crc_response(consumer_secret: str, crc_token: str) -> dict[str, str]:
    """The JSON answer to X's CRC check: ``sha256=`` + base64 HMAC of the token."""
    if not consumer_secret:
        raise SignatureError("no X consumer secret configured")
    if not _CRC_TOKEN.fullmatch(crc_token):
        raise PayloadError("crc_token is missing or not token-shaped")
    digest = _hmac_sha256(consumer_secret, crc_token.encode("utf-8"))
    return {"response_token": _SIGNATURE_PREFIX + base64.b64encode(digest).decode("ascii")}


def verify_signature(consumer_secret: str, raw_body: bytes, header: str | None) -> None:
    """Raise SignatureError unless ``header`` is ``sha256=`` + base64 HMAC-SHA256 of the body."""
    if not consumer_secret:
        raise SignatureError("no X consumer secret configured")
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER}")
    scheme, _, encoded = header.strip().partition("=")
    try:
        given = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"malformed {SIGNATURE_HEADER}") from None
    if scheme.lower() + "=" != _SIGNATURE_PREFIX or len(given) != hashlib.sha256().digest_size:
        raise SignatureError(f"malformed {SIGNATURE_HEADER}")
    if not secrets_equal(_hmac_sha256(consumer_secret, raw_body), given):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match")


def parse_events(raw_body: bytes, *, own_user_id: str) -> XBatch:
    """The residents' DMs in a (verified) webhook body; the account's own DMs are ignored."""
    document = load_json_object(raw_body)
    collector = _Collector(own_ids={own_user_id} - {""})
    if "data" in document and "for_user_id" not in document:
        envelopes = document["data"]
        for envelope in envelopes if isinstance(envelopes, list) else [envelopes]:
            _collect_activity_event(as_dict(envelope), collector)
    else:
        _collect_account_activity(document, collector)
    return XBatch(
        messages=collector.messages, ignored=collector.ignored, malformed=collector.malformed
    )


@dataclass
class _Collector:
    own_ids: set[str]
    messages: list[InboundMessage] = field(default_factory=list)
    ignored: int = 0
    malformed: int = 0


def _collect_account_activity(document: dict[str, Any], collector: _Collector) -> None:
    # Account Activity: one key per event kind, each a list (favorite_events, follow_events,
    # direct_message_indicate_typing_events, ...). Only direct_message_events matter here.
    subscribed = as_id(document.get("for_user_id"))
    own_ids = collector.own_ids | ({subscribed} if subscribed else set())
    for key, value in document.items():
        if key == "direct_message_events":
            if not isinstance(value, list):
                collector.malformed += 1
                continue
            users = as_dict(document.get("users"))
            for event in value:
                _collect_dm(as_dict(event), users, own_ids, collector)
        elif key.endswith("_events"):
            collector.ignored += len(value) if isinstance(value, list) else 1


def _collect_activity_event(envelope: dict[str, Any], collector: _Collector) -> None:
    if envelope.get("event_type") != _RECEIVED_DM_EVENT:
        collector.ignored += 1  # dm.sent, chat.received (end-to-end encrypted), posts, follows...
        return
    payload = as_dict(envelope.get("payload"))
    filtered = as_id(as_dict(envelope.get("filter")).get("user_id"))
    own_ids = collector.own_ids | ({filtered} if filtered else set())
    events = payload.get("direct_message_events")
    if not isinstance(events, list):
        collector.malformed += 1
        return
    users = as_dict(payload.get("users"))
    for event in events:
        _collect_dm(as_dict(event), users, own_ids, collector)


def _collect_dm(
    event: dict[str, Any], users: dict[str, Any], own_ids: set[str], collector: _Collector
) -> None:
    if event.get("type") != "message_create":
        collector.ignored += 1
        return
    create = as_dict(event.get("message_create"))
    event_id = as_id(event.get("id"))
    sender = as_id(create.get("sender_id"))
    if event_id is None or sender is None:
        collector.malformed += 1
        return
    if sender in own_ids:
        collector.ignored += 1  # the account's own outgoing DM, echoed back to us
        return
    data = as_dict(create.get("message_data"))
    text = as_text(data.get("text"))
    media = _media(as_dict(data.get("attachment")))
    if not text and not media:
        # X shows nothing else in a DM (a reaction arrives as its own event): nothing sent.
        collector.ignored += 1
        return
    collector.messages.append(
        InboundMessage(
            provider=PROVIDER,
            channel=CHANNEL,
            event_id=event_id,
            sender=sender,
            sender_kind="x_user_id",
            text=text,
            recipient=as_id(as_dict(create.get("target")).get("recipient_id")),
            sent_at=from_epoch(event.get("created_timestamp"), milliseconds=True),
            media=media,
            sender_handle=_handle(users.get(sender)),
        )
    )


def _media(attachment: dict[str, Any]) -> tuple[MediaRef, ...]:
    # DM media is only readable with the account's user-context credentials.
    if attachment.get("type") != "media":
        return ()
    media = as_dict(attachment.get("media"))
    url = as_text(media.get("media_url_https"))
    kind = {"photo": "image", "video": "video", "animated_gif": "video"}.get(
        as_text(media.get("type")), "file"
    )
    # Only photos are downloaded; a video becomes a placeholder asking the tipster to write.
    media_id = as_id(media.get("id_str") or media.get("id"))
    return (MediaRef(url=url, provider_media_id=media_id, kind=kind),)


def _handle(user: object) -> str | None:
    """``@screen_name`` from a v1.1 user (Account Activity) or a v2 user (X Activity)."""
    user = as_dict(user)
    user = as_dict(user.get("data")) or user  # X Activity wraps each user in {"data": {...}}
    name = user.get("screen_name") or user.get("username")
    return "@" + name if isinstance(name, str) and name else None


def send_dm_request(
    recipient_id: str, text: str, *, api_base_url: str, bearer_token: str
) -> PreparedRequest:
    """``POST /2/dm_conversations/with/:participant_id/messages`` for a text reply.

    ``bearer_token`` must be a user-context OAuth 2.0 token of the account (``dm.write``).
    """
    participant = quote(recipient_id, safe="")
    return PreparedRequest(
        method="POST",
        url=f"{api_base_url.rstrip('/')}/2/dm_conversations/with/{participant}/messages",
        headers={"Authorization": f"Bearer {bearer_token}", "Content-Type": "application/json"},
        json={"text": text},
    )
