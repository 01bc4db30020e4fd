"""Twilio Programmable Messaging (SMS/MMS): signature, inbound and status parsing, TwiML replies.

Twilio posts form-encoded parameters and signs them, together with the exact URL it called, in
``X-Twilio-Signature``. Behind a proxy that URL is the configured public base URL + path + the
raw query string (see :func:`signed_url`), never Flask's ``request.url``.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

# twilio ships no type information.
from twilio.request_validator import (
    HMAC_SHA1,
    HMAC_SHA256,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.twiml.messaging_response import MessagingResponse

from webhooks.base import (
    MAX_ID_LENGTH,
    InboundMessage,
    MediaRef,
    PayloadError,
    SignatureError,
    StatusUpdate,
)

PROVIDER = "twilio"
CHANNEL = "sms"
TWIML_CONTENT_TYPE = "text/xml"
# An MMS carries at most 10 media; a larger count is not something Twilio sends.
MAX_MEDIA = 10

# Whole-message keywords. Twilio enforces its own opt-out list on the carrier side (and refuses
# sends with error 21610), so every word it honours must also mark the reporter opted out here.
_KEYWORDS: dict[str, str] = {
    **dict.fromkeys(
        ("stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"), "stop"
    ),
    **dict.fromkeys(("alto", "parar"), "stop"),
    **dict.fromkeys(("start", "yes", "unstop"), "start"),
    **dict.fromkeys(("help", "info", "ayuda"), "help"),
    **dict.fromkeys(("new", "nuevo"), "new"),
}
_KEYWORD_TRIM = " \t\r\n.!¡¿?"


def signed_url(public_base_url: str, path: str, raw_query_string: str | bytes = "") -> str:
    """The URL Twilio signed: public base URL + path + raw (still percent-encoded) query string."""
    if isinstance(raw_query_string, bytes):
        # PEP 3333 carries the query as latin-1; Twilio's URLs are ASCII, percent-encoded.
        raw_query_string = raw_query_string.decode("latin-1")
    url = public_base_url.rstrip("/") + "/" + path.lstrip("/")
    if raw_query_string:
        url += "?" + raw_query_string.lstrip("?")
    return url


def verify_signature(
    auth_token: str,
    url: str,
    form_params: Mapping[str, str],
    signature: str | None,
    *,
    signature_settings: str | None = None,
) -> None:
    """Raise SignatureError unless ``signature`` is Twilio's signature of ``url`` + params.

    ``form_params`` is the decoded POST form (a werkzeug MultiDict works: repeated keys count).
    ``signature_settings`` is the ``X-Twilio-Webhooks-Signature-Settings`` header, present when
    the webhook is signed with a SharedKey (then ``auth_token`` is that key's secret).
    """
    if not auth_token:
        raise SignatureError("no Twilio auth token configured")
    if not signature:
        raise SignatureError("missing X-Twilio-Signature")
    validator = RequestValidator(auth_token)
    # RequestValidator compares in constant time and tries the URL with and without the default
    # port, because Twilio is inconsistent about including it.
    algorithm = get_signature_algorithm(signature_settings)
    if algorithm.upper() not in (HMAC_SHA1, HMAC_SHA256):
        # Refused here: the library would log the name, which is the sender's own text.
        raise SignatureError("unsupported signature algorithm")
    if not validator.validate(url, form_params, signature, algorithm=algorithm):
        raise SignatureError("X-Twilio-Signature does not match")


def _required(form: Mapping[str, str], *names: str) -> str:
    for name in names:
        value = (form.get(name) or "").strip()
        if value:
            if len(value) > MAX_ID_LENGTH:
                raise PayloadError(f"{names[0]} is too long")
            return value
    raise PayloadError(f"missing {names[0]}")


def _media_sid(url: str) -> str | None:
    # .../Messages/MMxxx/Media/MExxx: the ME sid is what deleting the media needs.
    last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return last if last.startswith("ME") else None


WHATSAPP_PREFIX = "whatsapp:"


def _coordinate(form: Mapping[str, str], name: str, bound: float) -> float | None:
    try:
        value = float((form.get(name) or "").strip())
    except ValueError:
        return None
    return value if -bound <= value <= bound else None  # also refuses NaN


def parse_message(form: Mapping[str, str]) -> InboundMessage:
    """An inbound SMS/MMS or WhatsApp webhook's form as an InboundMessage; PayloadError when
    unusable.

    A WhatsApp message (``From=whatsapp:+...``) keeps its kind: ``sender`` is the number,
    ``sender_kind`` ``"whatsapp"`` and ``extra["via"]`` our WhatsApp sender (``To``), so that
    replies go back on WhatsApp, never by SMS.
    """
    message_sid = _required(form, "MessageSid", "SmsMessageSid", "SmsSid")
    sender = _required(form, "From")
    sender_kind, extra = "phone", {}
    if sender.lower().startswith(WHATSAPP_PREFIX):
        sender, sender_kind = sender[len(WHATSAPP_PREFIX) :].strip(), "whatsapp"
        to = (form.get("To") or "").strip()
        if to.lower().startswith(WHATSAPP_PREFIX):
            extra["via"] = to
        if not sender:
            raise PayloadError("missing From")
        # A reply quoting an earlier message names it: the conversation joins that message's tip.
        replied_to = (form.get("OriginalRepliedMessageSid") or "").strip()
        if replied_to and len(replied_to) <= MAX_ID_LENGTH:
            extra["replied_to"] = replied_to
    # With Advanced Opt-Out on a Messaging Service, Twilio names the keyword it matched
    # (``OptOutType``: STOP, START or HELP), also for the custom and other-language words
    # configured there: the line must honour what Twilio honours on the carrier side.
    declared = (form.get("OptOutType") or "").strip().lower()
    if declared in ("stop", "start", "help"):
        extra["keyword"] = declared
    latitude, longitude = _coordinate(form, "Latitude", 90), _coordinate(form, "Longitude", 180)
    location = (latitude, longitude) if latitude is not None and longitude is not None else None
    shared = []
    place = " ".join((form.get(name) or "").strip() for name in ("Label", "Address")).strip()
    if place:
        shared.append(f"Shared place: {place[:500]}")
    # WhatsApp marks a forwarded message: words the tipster passed on, not necessarily theirs.
    if (form.get("FrequentlyForwarded") or "").strip().lower() == "true":
        shared.append("[forwarded many times: not the tipster's own words]")
    elif (form.get("Forwarded") or "").strip().lower() == "true":
        shared.append("[forwarded: not necessarily the tipster's own words]")
    raw_count = (form.get("NumMedia") or "0").strip()
    if not raw_count.isdigit() or int(raw_count) > MAX_MEDIA:
        raise PayloadError("NumMedia is not a media count")
    media = []
    # A WhatsApp sticker arrives as an image/webp medium; it is not content (as on Meta).
    sticker = (form.get("MessageType") or "").strip().lower() == "sticker"
    for index in range(int(raw_count)):
        url = (form.get(f"MediaUrl{index}") or "").strip()
        if not url:
            raise PayloadError(f"missing MediaUrl{index}")
        content_type = (form.get(f"MediaContentType{index}") or "").strip() or None
        media.append(
            MediaRef(
                url=url,
                content_type=content_type,
                provider_media_id=_media_sid(url),
                kind="sticker" if sticker else "",
            )
        )
    # The tipster's words: what they typed, or the label of what they tapped. A quick-reply
    # button posts ButtonText (and ButtonPayload, our own id), a list-picker reply ListTitle
    # (and ListId, our own id); the Body repeats the label on most accounts. Ids are not kept.
    text = form.get("Body") or form.get("ButtonText") or form.get("ListTitle") or ""
    unreadable: tuple[str, ...] = ()
    if not text and not media and location is None and not shared:
        # WhatsApp types Twilio passes without content (MessageType "unknown", a reaction...)
        unreadable = ("unsupported",) if sender_kind == "whatsapp" else ()
    return InboundMessage(
        provider=PROVIDER,
        channel=CHANNEL,
        event_id=message_sid,
        sender=sender,
        sender_kind=sender_kind,
        text=text,
        recipient=(form.get("To") or "").strip() or None,
        media=tuple(media),
        location=location,
        extra=extra,
        shared=tuple(shared),
        unreadable=unreadable,
    )


def parse_status(form: Mapping[str, str]) -> StatusUpdate:
    """A delivery status callback's form as a StatusUpdate; PayloadError when unusable."""
    message_sid = _required(form, "MessageSid", "SmsSid")
    status = _required(form, "MessageStatus", "SmsStatus").lower()
    error_code = (form.get("ErrorCode") or "").strip() or None
    return StatusUpdate(
        provider=PROVIDER, provider_message_id=message_sid, status=status, error_code=error_code
    )


def keyword(text: str) -> str | None:
    """``"stop"``, ``"start"``, ``"help"`` or ``"new"`` when the whole message is that keyword.

    Case, spacing and trailing punctuation do not matter ("Stop all." is STOPALL). A ``"start"``
    (YES) only means something for an opted-out reporter; otherwise treat the text as a reply.
    """
    folded = "".join(text.strip(_KEYWORD_TRIM).split()).casefold()
    return _KEYWORDS.get(folded)


def twiml_reply(text: str | None) -> tuple[str, str]:
    """The TwiML body and content type answering a webhook: one message, or none for None."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response), TWIML_CONTENT_TYPE


def is_twilio_media_url(url: str) -> bool:
    """True when ``url`` looks like an HTTPS Twilio API URL (a hint: the application's fetcher
    decides what is fetched, parsing the URL the way its HTTP client connects)."""
    if "\\" in url or any(ord(character) < 0x21 for character in url):
        return False  # parsers disagree on these: urlsplit and requests pick different hosts
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return False
    if "@" in parts.netloc or port not in (None, 443):
        return False
    return parts.scheme == "https" and (host == "api.twilio.com" or host.endswith(".twilio.com"))
