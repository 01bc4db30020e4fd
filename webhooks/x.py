"""X (Twitter) direct messages: CRC challenge, signature, Account Activity and X Activity events.

The Account Activity API posts ``{"for_user_id": ..., "direct_message_events": [...], "users":
{...}}``. The X Activity API, which replaces it, posts one envelope per event:
``{"data": {"event_uuid", "filter": {"user_id"}, "event_type": "dm.received", "payload":
{"direct_message_events": [...], "users": {id: {"data": {...}}}}}}``. Both carry the same DM event
objects, so a DM's ``id`` deduplicates across them. Both are signed the same way.

Every other event kind (public posts, likes, follows, blocks, mutes, deletions, typing, reads,
``user_event`` revocations) is counted by kind and ignored; an encrypted X Chat message
(``chat.received``) is a message whose content cannot be read (see
:func:`_collect_encrypted_chat`).
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
    as_list,
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
# An end-to-end encrypted X Chat message: ciphertext only (the Chat XDK decrypts it with the
# conversation key, which this service does not hold).
_RECEIVED_CHAT_EVENT = "chat.received"
# Account Activity keys named in the log by their own name; any other is logged as "other".
_KNOWN_KINDS = frozenset(
    {
        "direct_message_events",
        "direct_message_indicate_typing_events",
        "direct_message_mark_read_events",
        "tweet_create_events",
        "tweet_delete_events",
        "favorite_events",
        "follow_events",
        "unfollow_events",
        "block_events",
        "mute_events",
        "user_event",
    }
)
_EVENT_TYPE = re.compile(r"[a-z][a-z_]{0,30}\.[a-z_.]{1,30}")
# Links expanded for the detective from one DM's ``entities.urls``, at most.
_MAX_LINKS = 5


@dataclass(frozen=True)
class XBatch:
    """The DMs in one webhook POST, and how many other events it carried (or could not use).

    ``ignored_kinds`` counts the ignored events by kind (Account Activity key or X Activity
    event type, "other" for any name not known here): log-safe names, never content.
    ``revoked``: the account's authorisation of the app was revoked (``user_event.revoke``),
    after which no DM arrives and no reply can be sent.
    """

    messages: list[InboundMessage] = field(default_factory=list)
    ignored: int = 0
    malformed: int = 0
    ignored_kinds: dict[str, int] = field(default_factory=dict)
    revoked: int = 0


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
        messages=collector.messages,
        ignored=collector.ignored,
        malformed=collector.malformed,
        ignored_kinds=collector.ignored_kinds,
        revoked=collector.revoked,
    )


@dataclass
class _Collector:
    own_ids: set[str]
    messages: list[InboundMessage] = field(default_factory=list)
    ignored: int = 0
    malformed: int = 0
    ignored_kinds: dict[str, int] = field(default_factory=dict)
    revoked: int = 0

    def ignore(self, kind: str, count: int = 1) -> None:
        self.ignored += count
        # X Activity event types ("dm.sent", "follow.follow") are log-safe when word-shaped.
        known = kind if kind in _KNOWN_KINDS or _EVENT_TYPE.fullmatch(kind) else "other"
        self.ignored_kinds[known] = self.ignored_kinds.get(known, 0) + count


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
        elif key == "user_event":
            # {"user_event": {"revoke": {...}}}: the account took back the app's access.
            if "revoke" in as_dict(value):
                collector.revoked += 1
            collector.ignore(key)
        elif key.endswith("_events"):
            # Public posts (mentions, replies, quotes, retweets), likes, follows, blocks,
            # mutes, deletions, typing and read receipts: not a message to the tip line.
            collector.ignore(key, len(value) if isinstance(value, list) else 1)


def _collect_activity_event(envelope: dict[str, Any], collector: _Collector) -> None:
    event_type = as_text(envelope.get("event_type"))
    payload = as_dict(envelope.get("payload"))
    filtered = as_id(as_dict(envelope.get("filter")).get("user_id"))
    own_ids = collector.own_ids | ({filtered} if filtered else set())
    if event_type == _RECEIVED_CHAT_EVENT:
        _collect_encrypted_chat(envelope, payload, own_ids, collector)
        return
    if event_type != _RECEIVED_DM_EVENT:
        collector.ignore(event_type)  # dm.sent, dm.read, typing, posts, follows, profile...
        return
    events = payload.get("direct_message_events")
    if not isinstance(events, list):
        collector.malformed += 1
        return
    users = as_dict(payload.get("users"))
    for event in events:
        _collect_dm(as_dict(event), users, own_ids, collector)


def _collect_encrypted_chat(
    envelope: dict[str, Any], payload: dict[str, Any], own_ids: set[str], collector: _Collector
) -> None:
    """An X Chat message: a person wrote, but only ciphertext arrived.

    X documents the payload as the message event's envelope in clear (``id``, the message id;
    ``sender_id``; ``conversation_id``; ``created_at_msec``) beside ``encoded_event``, the
    ciphertext, and a delivery's ``event_uuid`` beside it; the message id deduplicates (a
    message redelivered under a new ``event_uuid`` is the same message). Without the
    conversation key nothing of it can be read: with a sender it becomes a placeholder (kept,
    and answered asking for a regular DM); without one there is nobody to thread or answer, and
    it is counted as ignored.
    """
    sender = as_id(payload.get("sender_id"))
    event_id = as_id(payload.get("id")) or as_id(envelope.get("event_uuid"))
    if sender is None or event_id is None or sender in own_ids:
        collector.ignore(_RECEIVED_CHAT_EVENT)
        return
    collector.messages.append(
        InboundMessage(
            provider=PROVIDER,
            channel=CHANNEL,
            # Its own id space: an X Chat event id is not a DM event id.
            event_id="chat:" + event_id,
            sender=sender,
            sender_kind="x_user_id",
            recipient=next(iter(own_ids), None),
            sent_at=from_epoch(payload.get("created_at_msec"), milliseconds=True),
            unreadable=("encrypted",),
        )
    )


def _collect_dm(
    event: dict[str, Any], users: dict[str, Any], own_ids: set[str], collector: _Collector
) -> None:
    if event.get("type") != "message_create":
        collector.ignore("direct_message_events")
        return
    create = as_dict(event.get("message_create"))
    event_id = as_id(event.get("id"))
    sender = as_id(create.get("sender_id"))
    if event_id is None or sender is None:
        collector.malformed += 1
        return
    if sender in own_ids:
        collector.ignore("direct_message_events")  # the account's own DM, echoed back to us
        return
    data = as_dict(create.get("message_data"))
    text = as_text(data.get("text"))
    attachment = as_dict(data.get("attachment"))
    media = _media(attachment)
    location, place = _location(attachment)
    shared = _links(data, text)
    if place:
        shared += (f"Shared place: {place[:200]}",)
    if not text and not media and location is None and not shared:
        # X shows nothing else in a DM (a reaction arrives as its own event): nothing sent.
        collector.ignore("direct_message_events")
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
            location=location,
            sender_handle=_handle(users.get(sender)),
            shared=shared,
        )
    )


def _location(attachment: dict[str, Any]) -> tuple[tuple[float, float] | None, str]:
    """A DM's shared location: ``(lat, lon)`` of a ``shared_coordinate`` (GeoJSON order is
    longitude first), and the name of a ``shared_place``."""
    if attachment.get("type") != "location":
        return None, ""
    location = as_dict(attachment.get("location"))
    point = as_dict(as_dict(location.get("shared_coordinate")).get("coordinates"))
    coordinates = point.get("coordinates")
    found: tuple[float, float] | None = None
    if isinstance(coordinates, list) and len(coordinates) == 2:
        lon, lat = coordinates
        if (
            all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon))
            and -90 <= lat <= 90
            and -180 <= lon <= 180
        ):
            found = (float(lat), float(lon))
    place = as_dict(as_dict(location.get("shared_place")).get("place"))
    name = as_text(place.get("full_name")) or as_text(place.get("name"))
    return found, name


def _links(data: dict[str, Any], text: str) -> tuple[str, ...]:
    """The links of a DM as the tipster shared them: X shortens each to ``t.co`` in the text,
    and the detective needs the address behind it (never fetched here)."""
    links = []
    for entity in as_list(as_dict(data.get("entities")).get("urls"))[:_MAX_LINKS]:
        url = as_text(as_dict(entity).get("expanded_url"))
        if url.startswith(("https://", "http://")) and url not in text:
            links.append(f"Shared link: {url[:500]}")
    return tuple(links)


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
