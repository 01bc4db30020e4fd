"""Meta platforms: Messenger, Instagram messaging and the WhatsApp Cloud API.

One webhook serves all three. ``GET`` is the subscription handshake; ``POST`` is signed with
``X-Hub-Signature-256`` over the raw body, and one POST may carry many entries and messages.
Outbound requests are built here and sent by the outbox.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from webhooks.base import (
    InboundMessage,
    MediaRef,
    PayloadError,
    PreparedRequest,
    SignatureError,
    StatusUpdate,
    as_dict,
    as_id,
    as_list,
    as_text,
    from_epoch,
    load_json_object,
    secrets_equal,
)

PROVIDER = "meta"
SIGNATURE_HEADER = "X-Hub-Signature-256"
_SIGNATURE_PREFIX = "sha256="
_MAX_CHALLENGE_LENGTH = 256

# Attachment types that are media (only images are downloaded and kept; the others become a
# placeholder the detective sees and an answer asking the tipster to write it).
_MESSENGER_MEDIA_TYPES = frozenset({"image", "video", "audio", "file"})
_MESSENGER_MEDIA_KIND = {"image": "image", "video": "video", "audio": "audio", "file": "file"}
_WHATSAPP_MEDIA_TYPES = frozenset({"image", "video", "audio", "document", "sticker"})
# Attachments that point at something shared: for a tip line the shared thing is often the tip.
_SHARED_KINDS = {
    "fallback": "Shared link",
    "share": "Shared post",
    "ig_post": "Shared post",
    "ig_reel": "Shared reel",
    "reel": "Shared reel",
    "story_mention": "Mentioned the department in a story",
}
_CHANNEL_BY_OBJECT = {"page": "messenger", "instagram": "instagram"}
# Webhook fields whose ``changes`` value is one messaging event (sender, recipient, timestamp).
_MESSAGING_FIELDS = frozenset(
    {
        "messages",
        "messaging_postbacks",
        "message_edit",
        "message_edits",
        "messaging_seen",
        "message_reads",
        "message_deliveries",
        "message_reactions",
        "messaging_referral",
        "messaging_referrals",
        "messaging_optins",
        "message_echoes",
    }
)
_SENDER_KIND_BY_CHANNEL = {"messenger": "psid", "instagram": "igsid"}


@dataclass(frozen=True)
class MetaBatch:
    """What one webhook POST carried.

    ``ignored`` counts events the service does not handle (reads, deliveries, reactions, echoes,
    referrals...); ``malformed`` counts items too broken to use, so the view can log a
    count while still answering 200 for the rest of the batch.
    """

    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    ignored: int = 0
    malformed: int = 0
    # WhatsApp "user_changed_number" notices: (old wa_id, new wa_id, BSUID or None).
    identity_changes: list[tuple[str, str, str | None]] = field(default_factory=list)


def verify_subscription(params: Mapping[str, str], verify_token: str) -> str:
    """The ``hub.challenge`` to echo when the subscription request carries our verify token."""
    if not verify_token:
        raise SignatureError("no Meta verify token configured")
    if params.get("hub.mode") != "subscribe":
        raise SignatureError("hub.mode is not subscribe")
    if not secrets_equal(verify_token, params.get("hub.verify_token") or ""):
        raise SignatureError("hub.verify_token does not match")
    challenge = params.get("hub.challenge") or ""
    if not challenge or len(challenge) > _MAX_CHALLENGE_LENGTH:
        raise PayloadError("hub.challenge is missing or too long")
    return challenge


def verify_signature(app_secret: str, raw_body: bytes, header: str | None) -> None:
    """Raise SignatureError unless ``header`` is ``sha256=`` + hex HMAC-SHA256 of the raw body."""
    if not app_secret:
        raise SignatureError("no Meta app secret configured")
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER}")
    scheme, _, hex_digest = header.strip().partition("=")
    try:
        given = bytes.fromhex(hex_digest)
    except ValueError:
        raise SignatureError(f"malformed {SIGNATURE_HEADER}") from None
    if scheme.lower() + "=" != _SIGNATURE_PREFIX or len(given) != hashlib.sha256().digest_size:
        raise SignatureError(f"malformed {SIGNATURE_HEADER}")
    expected = hmac.new(app_secret.encode("utf-8"), raw_body, hashlib.sha256).digest()
    if not secrets_equal(expected, given):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match")


def parse_events(raw_body: bytes) -> MetaBatch:
    """Every message and delivery status in a (verified) webhook body; PayloadError if not JSON."""
    document = load_json_object(raw_body)
    kind = document.get("object")
    entries = document.get("entry")
    if not isinstance(kind, str) or not isinstance(entries, list):
        raise PayloadError("body is not a Meta webhook batch")
    batch = _Collector()
    for entry in entries:
        if not isinstance(entry, dict):
            batch.malformed += 1
        elif kind == "whatsapp_business_account":
            _collect_whatsapp_entry(entry, batch)
        elif kind in _CHANNEL_BY_OBJECT:
            _collect_messaging_entry(entry, _CHANNEL_BY_OBJECT[kind], batch)
        else:
            batch.ignored += 1
    return MetaBatch(
        messages=batch.messages,
        statuses=batch.statuses,
        ignored=batch.ignored,
        malformed=batch.malformed,
        identity_changes=batch.identity_changes,
    )


@dataclass
class _Collector:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    ignored: int = 0
    malformed: int = 0
    identity_changes: list[tuple[str, str, str | None]] = field(default_factory=list)


# --- Messenger and Instagram ------------------------------------------------------------------


def _collect_messaging_entry(entry: dict[str, Any], channel: str, batch: _Collector) -> None:
    own_id = as_id(entry.get("id"))
    events = list(as_list(entry.get("messaging")))
    # The dashboard's test payloads (and some subscriptions) put messaging events under
    # changes, one event per value; comments, mentions and insights come there too.
    for change in as_list(entry.get("changes")):
        change = as_dict(change)
        if change.get("field") in _MESSAGING_FIELDS:
            events.append(change.get("value"))
        else:
            batch.ignored += 1  # comments, live_comments, mentions, story_insights...
    # Events delivered to a secondary app under the handover protocol: not ours to answer.
    batch.ignored += len(as_list(entry.get("standby")))
    for event in events:
        if not isinstance(event, dict):
            batch.malformed += 1
            continue
        _collect_messaging_event(event, channel, own_id, batch)


def _collect_messaging_event(
    event: dict[str, Any], channel: str, own_id: str | None, batch: _Collector
) -> None:
    message = event.get("message")
    sender = as_id(as_dict(event.get("sender")).get("id"))
    postback = as_dict(event.get("postback"))
    if not isinstance(message, dict) and postback and sender and sender != own_id:
        # A button press; "Get Started" is how many first conversations open. It carries no
        # tip, but the person deserves an answer: the service treats it as a greeting.
        _collect_postback(event, postback, channel, sender, own_id, batch)
        return
    edit = event.get("message_edit")
    if not isinstance(message, dict) and isinstance(edit, dict) and sender != own_id:
        _collect_edit(event, edit, channel, sender, own_id, batch)
        return
    if not isinstance(message, dict) and _collect_receipt(event, batch):
        return
    if not isinstance(message, dict):
        batch.ignored += 1  # a reaction, referral, opt-in, handover...
        return
    if message.get("is_echo") or (sender is not None and sender == own_id):
        batch.ignored += 1  # what the page itself sent
        return
    if message.get("is_deleted"):
        batch.ignored += 1  # the resident took it back
        return
    mid = as_id(message.get("mid"))
    if sender is None or mid is None:
        batch.malformed += 1
        return
    text = as_text(message.get("text"))
    media: list[MediaRef] = []
    shared: list[str] = []
    location: tuple[float, float] | None = None
    for attachment in as_list(message.get("attachments")):
        attachment = as_dict(attachment)
        payload = as_dict(attachment.get("payload"))
        kind = attachment.get("type")
        # A "fallback" (a shared link) carries its url and title beside a null payload.
        url = as_text(payload.get("url")) or as_text(attachment.get("url"))
        if kind == "location":
            coordinates = as_dict(payload.get("coordinates"))
            location = location or _lat_lon(coordinates.get("lat"), coordinates.get("long"))
        elif kind == "image" and "sticker_id" in payload:
            continue  # a sticker or the like button: no content, answered if alone
        elif kind in _MESSENGER_MEDIA_TYPES:
            media.append(MediaRef(url=url, kind=_MESSENGER_MEDIA_KIND[str(kind)]))
        elif kind in _SHARED_KINDS:
            title = as_text(payload.get("title")) or as_text(attachment.get("title"))
            shared.append(_describe_share(_SHARED_KINDS[str(kind)], url, title))
        else:
            shared.append(_describe_share("Shared item", url, ""))  # template, product...
    # A reply to one of the department's Instagram stories: which story is context the
    # detective needs (the URL is never fetched).
    story = as_dict(as_dict(message.get("reply_to")).get("story"))
    if story:
        shared.append(
            _describe_share("Replying to the department's story", as_text(story.get("url")), "")
        )
    unreadable = ("unsupported",) if message.get("is_unsupported") else ()
    batch.messages.append(
        InboundMessage(
            provider=PROVIDER,
            channel=channel,
            event_id=mid,
            sender=sender,
            sender_kind=_SENDER_KIND_BY_CHANNEL[channel],
            text=text,
            recipient=as_id(as_dict(event.get("recipient")).get("id")) or own_id,
            sent_at=from_epoch(event.get("timestamp"), milliseconds=True),
            media=tuple(media),
            location=location,
            shared=tuple(shared),
            unreadable=unreadable,
        )
    )


def _collect_receipt(event: dict[str, Any], batch: _Collector) -> bool:
    """A delivery or read receipt naming our messages, as delivery statuses; False if the event
    is not a receipt. Messenger's read receipt names only a time (``watermark``): ignored."""
    delivery, read = as_dict(event.get("delivery")), as_dict(event.get("read"))
    if delivery:
        mids = [as_id(mid) for mid in as_list(delivery.get("mids"))]
        updates = [(mid, "delivered") for mid in mids if mid]
    elif read:
        mid = as_id(read.get("mid"))  # Instagram's messaging_seen
        updates = [(mid, "read")] if mid else []
    else:
        return False
    if not updates:
        batch.ignored += 1
    batch.statuses.extend(
        StatusUpdate(provider=PROVIDER, provider_message_id=mid, status=state)
        for mid, state in updates
    )
    return True


def _collect_edit(
    event: dict[str, Any],
    edit: dict[str, Any],
    channel: str,
    sender: str | None,
    own_id: str | None,
    batch: _Collector,
) -> None:
    # ``message_edits``: {"mid": the edited message, "text": its new text, "num_edit": n}.
    # The service keeps it only when the edited message was stored (a tip or a follow-up).
    mid = as_id(edit.get("mid"))
    number = as_id(edit.get("num_edit"))
    text = as_text(edit.get("text"))
    if sender is None or mid is None or number is None:
        batch.malformed += 1
        return
    if not text:
        batch.ignored += 1  # an edit with no words left: nothing to keep
        return
    batch.messages.append(
        InboundMessage(
            provider=PROVIDER,
            channel=channel,
            event_id=f"edit:{number}:{mid}",
            sender=sender,
            sender_kind=_SENDER_KIND_BY_CHANNEL[channel],
            text=text,
            recipient=as_id(as_dict(event.get("recipient")).get("id")) or own_id,
            sent_at=from_epoch(event.get("timestamp"), milliseconds=True),
            extra={"edit_of": mid},
        )
    )


def _collect_postback(
    event: dict[str, Any],
    postback: dict[str, Any],
    channel: str,
    sender: str,
    own_id: str | None,
    batch: _Collector,
) -> None:
    # A postback has no message id; its mid (Instagram, newer Messenger) or the timestamp
    # identifies it for deduplication.
    timestamp = as_id(event.get("timestamp"))
    event_id = as_id(postback.get("mid")) or (
        f"postback:{sender}:{timestamp}" if timestamp else None
    )
    if event_id is None:
        batch.malformed += 1
        return
    batch.messages.append(
        InboundMessage(
            provider=PROVIDER,
            channel=channel,
            event_id=event_id,
            sender=sender,
            sender_kind=_SENDER_KIND_BY_CHANNEL[channel],
            recipient=as_id(as_dict(event.get("recipient")).get("id")) or own_id,
            sent_at=from_epoch(event.get("timestamp"), milliseconds=True),
            unreadable=("greeting",),
        )
    )


def _describe_share(what: str, url: str, title: str) -> str:
    """One line for the detective about something shared (never parsed further: the URL is
    the resident's content, not something Intake fetches)."""
    parts = [part for part in (title.strip()[:200], url.strip()[:1000]) if part]
    return f"{what}: {' '.join(parts)}" if parts else what


# --- WhatsApp ---------------------------------------------------------------------------------


def _collect_whatsapp_entry(entry: dict[str, Any], batch: _Collector) -> None:
    for change in as_list(entry.get("changes")):
        change = as_dict(change)
        if change.get("field") != "messages":
            batch.ignored += 1  # account, template and quality updates
            continue
        value = as_dict(change.get("value"))
        phone_number_id = as_id(as_dict(value.get("metadata")).get("phone_number_id"))
        names = _contact_names(as_list(value.get("contacts")))
        for message in as_list(value.get("messages")):
            _collect_whatsapp_message(as_dict(message), phone_number_id, names, batch)
        for status in as_list(value.get("statuses")):
            _collect_whatsapp_status(as_dict(status), batch)
        batch.ignored += len(as_list(value.get("errors")))


def _contact_names(contacts: list[Any]) -> dict[str, str]:
    """Profile names by every id a contact is known under (phone wa_id and BSUID)."""
    names: dict[str, str] = {}
    for contact in contacts:
        contact = as_dict(contact)
        name = as_dict(contact.get("profile")).get("name")
        if not isinstance(name, str) or not name:
            continue
        for key in ("wa_id", "user_id"):
            contact_id = as_id(contact.get(key))
            if contact_id:
                names[contact_id] = name
    return names


def _collect_whatsapp_message(
    message: dict[str, Any],
    phone_number_id: str | None,
    names: dict[str, str],
    batch: _Collector,
) -> None:
    wamid = as_id(message.get("id"))
    # The business-scoped user id (BSUID) is always there on current API versions and stays
    # the same when the user adopts a username or changes number; ``from`` (the phone, wa_id)
    # may be dropped. The BSUID is the key; the phone is kept alongside (extra) while sent.
    bsuid = as_id(message.get("from_user_id"))
    phone = as_id(message.get("from"))
    sender = bsuid or phone
    if wamid is None or sender is None:
        batch.malformed += 1
        return
    kind = str(message.get("type") or "")
    text = ""
    media: list[MediaRef] = []
    shared: list[str] = []
    unreadable: tuple[str, ...] = ()
    location: tuple[float, float] | None = None
    extra: dict[str, str] = {}
    if kind == "text":
        text = as_text(as_dict(message.get("text")).get("body"))
    elif kind in _WHATSAPP_MEDIA_TYPES:
        body = as_dict(message.get(kind))
        media_id = as_id(body.get("id"))
        media_kind = {"document": "file"}.get(kind, kind)
        if kind == "audio" and body.get("voice") is True:
            media_kind = "voice"
        # No URL: the id is resolved with media_request(), then downloaded (images only).
        mime_type = as_text(body.get("mime_type")) or None
        media.append(
            MediaRef(url="", content_type=mime_type, provider_media_id=media_id, kind=media_kind)
        )
        text = as_text(body.get("caption"))
    elif kind == "location":
        body = as_dict(message.get("location"))
        location = _lat_lon(body.get("latitude"), body.get("longitude"))
        place = " ".join(as_text(body.get(key)) for key in ("name", "address")).strip()
        if place:
            shared.append(f"Shared place: {place[:500]}")
        if location is None and not place:
            batch.malformed += 1
            return
    elif kind == "contacts":
        shared.extend(_describe_contact(as_dict(card)) for card in as_list(message.get("contacts")))
    elif kind == "interactive":
        text = _interactive_reply(as_dict(message.get("interactive")))
        if not text:
            unreadable = ("unsupported",)  # an interactive reply of a kind newer than this code
    elif kind == "button":
        # The quick-reply button of a template: its label (payload when there is none).
        button = as_dict(message.get("button"))
        text = as_text(button.get("text")) or as_text(button.get("payload"))
    elif kind == "system":
        system = as_dict(message.get("system"))
        if system.get("type") in ("user_changed_number", "customer_changed_number"):
            # The same person on a new number: the service re-keys their reporter.
            new_id = as_id(system.get("new_wa_id")) or as_id(system.get("wa_id"))
            if new_id and phone:
                batch.identity_changes.append((phone, new_id, bsuid))
                return
        batch.ignored += 1  # other system notices carry nothing from the person
        return
    elif kind == "request_welcome":
        unreadable = ("greeting",)  # the user opened the chat: answered like HELP
    elif kind == "reaction":
        batch.ignored += 1  # an emoji on a message (or its removal): no content from the person
        return
    elif kind == "order":
        # The department sells nothing, but a person sent it: their note is kept and they are
        # asked to write what they meant.
        text = as_text(as_dict(message.get("order")).get("text"))
        unreadable = ("unsupported",)
    else:
        # "unsupported", "unknown", "ephemeral" (a disappearing message we cannot see) or a type
        # newer than this code: a placeholder, and the person is asked to write it as text.
        unreadable = ("unsupported",)
    context = as_dict(message.get("context"))
    if context.get("forwarded") or context.get("frequently_forwarded"):
        # Forwarded words are not the tipster's own: the detective should know.
        shared.append("[forwarded message]")
    if bsuid and phone:
        extra["wa_id"] = phone
    alternate = phone if sender == bsuid else bsuid
    batch.messages.append(
        InboundMessage(
            provider=PROVIDER,
            channel="whatsapp",
            event_id=wamid,
            sender=sender,
            sender_kind="bsuid" if sender == bsuid or not sender.isdigit() else "wa_id",
            text=text,
            recipient=phone_number_id,
            sent_at=from_epoch(message.get("timestamp"), milliseconds=False),
            media=tuple(media),
            location=location,
            sender_handle=names.get(sender) or (names.get(alternate) if alternate else None),
            extra=extra,
            shared=tuple(shared),
            unreadable=unreadable,
        )
    )


def _interactive_reply(body: dict[str, Any]) -> str:
    """The words of a WhatsApp interactive reply: a button's or list row's title (and a row's
    description), or the fields a person filled in a WhatsApp Flow."""
    reply = as_dict(body.get("button_reply")) or as_dict(body.get("list_reply"))
    if reply:
        words = " - ".join(
            part
            for part in (as_text(reply.get("title")), as_text(reply.get("description")))
            if part
        )
        return words
    flow = as_dict(body.get("nfm_reply"))
    if not flow:
        return ""
    # ``response_json`` is a JSON string of the form's fields (and the flow_token we set).
    try:
        fields = json.loads(as_text(flow.get("response_json")) or "{}")
    except ValueError:
        fields = {}
    answers = [
        f"{str(name)[:100]}: {value if isinstance(value, str) else json.dumps(value)}"[:500]
        for name, value in (fields.items() if isinstance(fields, dict) else ())
        if name != "flow_token"
    ]
    if answers:
        return "Form reply: " + "; ".join(answers)  # the person's own words
    return as_text(flow.get("body"))


def _describe_contact(card: dict[str, Any]) -> str:
    """A shared contact card as one line: the name and the numbers and addresses on it."""
    name = as_text(as_dict(card.get("name")).get("formatted_name"))
    phones = [as_text(as_dict(item).get("phone")) for item in as_list(card.get("phones"))]
    emails = [as_text(as_dict(item).get("email")) for item in as_list(card.get("emails"))]
    details = ", ".join(part[:200] for part in (name, *phones, *emails) if part)
    return f"Shared contact card: {details}" if details else "Shared contact card"


def _collect_whatsapp_status(status: dict[str, Any], batch: _Collector) -> None:
    wamid = as_id(status.get("id"))
    state = status.get("status")
    if wamid is None or not isinstance(state, str) or not state:
        batch.malformed += 1
        return
    errors = as_list(status.get("errors"))
    error_code = as_id(as_dict(errors[0]).get("code")) if errors else None
    batch.statuses.append(
        StatusUpdate(
            provider=PROVIDER,
            provider_message_id=wamid,
            status=state.lower(),
            error_code=error_code,
        )
    )


def _coordinate(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _lat_lon(latitude: object, longitude: object) -> tuple[float, float] | None:
    """A (lat, lon) pair when both are numbers within range, else None."""
    lat, lon = _coordinate(latitude), _coordinate(longitude)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None  # also refuses NaN, which compares false with everything
    return lat, lon


# --- outbound ---------------------------------------------------------------------------------


def _graph_url(graph_base_url: str, api_version: str, *segments: str) -> str:
    path = "/".join(quote(segment, safe="") for segment in (api_version, *segments))
    return graph_base_url.rstrip("/") + "/" + path


def _bearer(access_token: str) -> dict[str, str]:
    # A header, not the access_token query parameter, keeps the token out of URLs and logs.
    return {"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"}


def send_request(
    channel: str,
    recipient_id: str,
    text: str,
    *,
    graph_base_url: str,
    api_version: str,
    page_id_or_phone_number_id: str,
    access_token: str,
    message_tag: str | None = None,
) -> PreparedRequest:
    """The Send API (Messenger, Instagram) or WhatsApp ``/messages`` request for a text reply.

    ``message_tag`` (e.g. ``"HUMAN_AGENT"``) lets Messenger/Instagram deliver outside the 24-hour
    window; WhatsApp needs an approved template there instead, which this does not build.
    """
    if channel in ("messenger", "instagram"):
        body: dict[str, Any] = {
            "recipient": {"id": recipient_id},
            "messaging_type": "MESSAGE_TAG" if message_tag else "RESPONSE",
            "message": {"text": text},
        }
        if message_tag:
            body["tag"] = message_tag
    elif channel == "whatsapp":
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "type": "text",
            "text": {"preview_url": False, "body": text},
        }
        # A phone number (wa_id) goes in ``to``; a business-scoped user id in ``recipient``.
        body["to" if recipient_id.isdigit() else "recipient"] = recipient_id
    else:
        raise ValueError(f"not a Meta channel: {channel!r}")
    return PreparedRequest(
        method="POST",
        url=_graph_url(graph_base_url, api_version, page_id_or_phone_number_id, "messages"),
        headers=_bearer(access_token),
        json=body,
    )


def template_request(
    recipient_id: str,
    template_name: str,
    language_code: str,
    *,
    graph_base_url: str,
    api_version: str,
    phone_number_id: str,
    access_token: str,
) -> PreparedRequest:
    """The WhatsApp ``/messages`` request sending an approved template without parameters:
    the only message WhatsApp delivers more than 24 hours after the user last wrote."""
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "type": "template",
        "template": {"name": template_name, "language": {"code": language_code}},
    }
    body["to" if recipient_id.isdigit() else "recipient"] = recipient_id
    return PreparedRequest(
        method="POST",
        url=_graph_url(graph_base_url, api_version, phone_number_id, "messages"),
        headers=_bearer(access_token),
        json=body,
    )


def media_request(
    media_id: str, *, graph_base_url: str, api_version: str, access_token: str
) -> PreparedRequest:
    """The request that turns a WhatsApp media id into a short-lived download URL (JSON ``url``)."""
    headers = _bearer(access_token)
    del headers["Content-Type"]
    return PreparedRequest(
        method="GET", url=_graph_url(graph_base_url, api_version, media_id), headers=headers
    )


def media_download_request(url: str, *, access_token: str) -> PreparedRequest:
    """The authenticated GET for the URL :func:`media_request` answered (HTTPS only)."""
    if urlsplit(url).scheme != "https":
        # The access token must never travel in clear or to a non-URL.
        raise PayloadError("media URL is not HTTPS")
    return PreparedRequest(
        method="GET", url=url, headers={"Authorization": f"Bearer {access_token}"}
    )
