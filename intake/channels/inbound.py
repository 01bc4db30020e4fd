"""One inbound path for every messaging channel: from a provider's message to what is stored or
answered, the same for Twilio (SMS, MMS, WhatsApp), Meta (Messenger, Instagram, WhatsApp Cloud
API) and X.

A provider view verifies the signature and parses the payload (the pure adapters of
``webhooks/``), then hands the messages here:

1. :func:`prefetch` reads which messages were already handled, ends that read transaction and
   downloads the photos of the new ones (:mod:`intake.channels.media`), with no transaction
   open and within one allowance for the whole webhook;
2. :func:`receive` threads one message by the conversation rules (:func:`conversation.decide`:
   a new tip, a follow-up, a keyword, nothing), writing only through ``submissions`` (tips,
   reporters, inbound events, opt-outs) and ``outbound`` (outbox rows, delivery statuses), and
   answers in the tipster's language (:mod:`intake.channels.texts`): in the webhook's own
   response (Twilio's TwiML) or, for a DM, queued through the outbox;
3. :func:`receive_batch` does that for every message and status of a delivery, each in its own
   savepoint.

Every message from a person is either stored (its words, a kept photo, what it shared, or a
placeholder for what could not be kept) or answered telling the person what to do instead.
Only photos are downloaded; a voice note, a video or a file becomes a placeholder the detective
reads and a line in the answer asking the tipster to write it. Provider message ids are stored
only as keyed digests (:func:`conversation.provider_key`): a WhatsApp ``wamid`` embeds the
sender's phone number, a Twilio SID finds the message in the Twilio account.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.channels import conversation
from intake.channels.conversation import PLACEHOLDERS, IncomingText, provider_key
from intake.channels.media import FetchedMedia, fetch_photos, new_budget
from intake.channels.meta_sender import AWAITING_TIPSTER, OUTSIDE_WINDOW
from intake.channels.texts import DM, SMS
from intake.channels.twilio_sender import OPTED_OUT
from intake.config import Settings
from intake.crypto import Keyring
from intake.errors import InvalidInputError
from intake.identity.service import (
    Sender,
    ensure_reporter,
    find_reporter,
    rekey_reporter,
    set_opted_out,
)
from intake.models import Message, Reporter, Tip
from intake.outbound.rows import enqueue
from intake.outbound.service import (
    apply_delivery_status,
    enqueue_answer,
    enqueue_reply,
    record_answered_reply,
    requeue_as_invitation,
)
from intake.submissions.service import NARRATIVE_MAX, locate_tip
from intake.unit_of_work import end_read
from webhooks import twilio_sms
from webhooks.base import InboundMessage, MediaRef, StatusUpdate

log = logging.getLogger(__name__)

# Media kinds that are not content: answered like an empty message when alone.
_CONTENTLESS_KINDS = frozenset({"sticker"})


@dataclass(frozen=True)
class MediaPlan:
    """Which of a message's media to download (photos) and which are not kept, by kind."""

    photos: tuple[MediaRef, ...]
    unkept: tuple[str, ...]


def plan_media(message: InboundMessage) -> MediaPlan:
    """Split a message's media into photos to fetch and kinds that are never downloaded."""
    photos = tuple(ref for ref in message.media if ref.media_kind == "image")
    unkept = tuple(
        ref.media_kind
        for ref in message.media
        if ref.media_kind != "image" and ref.media_kind not in _CONTENTLESS_KINDS
    )
    return MediaPlan(photos, unkept)


def sender_of(message: InboundMessage) -> Sender:
    """The pipeline's Sender for a message (an id, never assumed to be a phone)."""
    return Sender(
        kind=message.sender_kind,
        address=message.sender,
        handle=message.sender_handle,
        via=message.extra.get("via"),
    )


def incoming_text(
    message: InboundMessage,
    event_key: str,
    *,
    images: tuple[bytes, ...],
    photos_failed: int,
    plan: MediaPlan,
    replied_key: str | None = None,
) -> IncomingText:
    """The conversation rules' view of one message: words, kept photos, notes and placeholders.

    ``event_key`` is the stored (digested) form of the provider message id, ``replied_key`` that
    of the message this one quotes (a WhatsApp reply), if any.
    """
    unkept = list(plan.unkept) + ["image"] * photos_failed
    unkept += [part for part in message.unreadable if part in ("unsupported", "encrypted")]
    notes: list[str] = []
    if message.location is not None:
        # The point itself goes on the tip; the note keeps a shared location visible in the
        # thread (and gives a location-only message something to store).
        notes.append("[Shared location: {:.5f}, {:.5f}]".format(*message.location))
    notes += message.shared
    notes += [PLACEHOLDERS[kind] for kind in unkept if kind in PLACEHOLDERS]
    text = message.text[:NARRATIVE_MAX]
    room = NARRATIVE_MAX - len(text) - 1
    kept_notes = []
    for note in notes:
        if len(note) + 1 > room:
            break  # the tipster's own words come first; a note that does not fit is dropped
        kept_notes.append(note)
        room -= len(note) + 1
    return IncomingText(
        channel=message.channel,
        provider=message.provider,
        event_id=event_key,
        sender=sender_of(message),
        text=text,
        images=images,
        location=message.location,
        images_failed=photos_failed,
        notes=tuple(kept_notes),
        unkept=tuple(unkept),
        is_greeting="greeting" in message.unreadable,
        replied_to=replied_key,
        keyword=message.extra.get("keyword"),
    )


def context_of(message: InboundMessage) -> str:
    """How the tipster is spoken to: ``sms`` through Twilio (a phone number, "texts"), ``dm``
    on the platforms."""
    return SMS if message.provider == twilio_sms.PROVIDER else DM


@dataclass(frozen=True)
class Received:
    """What became of one message: a conversation outcome kind, ``duplicate`` (delivered
    again: nothing written) or ``ignored`` (an edit of a message that was not stored)."""

    kind: str
    tip_number: str | None = None
    reply: str | None = None  # the answer; sent in the response when answered inline
    images_stored: int = 0
    media_failed: int = 0
    reply_queued: bool = False

    @property
    def is_replay(self) -> bool:
        """True when the message was already handled: nothing was written."""
        return self.kind == "duplicate"


def prefetch(
    session: Session, keyring: Keyring, settings: Settings, messages: list[InboundMessage]
) -> list[FetchedMedia]:
    """The photos of every new message of a delivery, by position, fetched with no transaction
    open (one download allowance for the delivery: the provider waits for our answer).

    Reads which messages were already handled, then ends that read transaction: on SQLite a
    read transaction held across the network would keep writers waiting. Call it before the
    request writes anything. A message without photos costs nothing here.
    """
    plans = [plan_media(message) for message in messages]
    fetched = [FetchedMedia() for _ in messages]
    if not any(plan.photos for plan in plans):
        return fetched
    wanted = [
        index
        for index, message in enumerate(messages)
        if plans[index].photos
        and not conversation.is_redelivery(
            session, message.provider, provider_key(keyring, message.provider, message.event_id)
        )
    ]
    end_read(session)
    budget = new_budget(messages[0].provider)
    for index in wanted:
        photos = replace(messages[index], media=plans[index].photos)
        fetched[index] = fetch_photos(photos, settings, budget=budget)
    return fetched


def receive(
    session: Session,
    keyring: Keyring,
    settings: Settings,
    message: InboundMessage,
    *,
    fetched: FetchedMedia | None = None,
    answer_inline: bool = False,
) -> Received:
    """Thread one message into a tip (or apply its keyword) and answer it. Flushes only.

    ``fetched``: its photos, downloaded by :func:`prefetch`. ``answer_inline``: the answer goes
    back in the webhook's response (Twilio's TwiML) and is put in the tip's thread; otherwise it
    is queued through the outbox to the sender's address. Raises InvalidInputError when the
    message cannot be stored (too long, unusable sender).
    """
    fetched = fetched or FetchedMedia()
    key = provider_key(keyring, message.provider, message.event_id)
    edit_of = message.extra.get("edit_of")
    if edit_of is not None:
        if conversation.is_redelivery(session, message.provider, key):
            return Received("duplicate")
        # An edit is kept only when the message it edits was stored, as a follow-up marked
        # edited (the original stays as it was): an edit of anything else is not a tip.
        original = provider_key(keyring, message.provider, edit_of)
        if not conversation.is_redelivery(session, message.provider, original):
            return Received("ignored")
        message = replace(message, text=f"[edited] {message.text}", extra={})
    plan = plan_media(message)
    _adopt_whatsapp_identity(session, keyring, settings, message)
    replied_to = message.extra.get("replied_to")
    incoming = incoming_text(
        message,
        key,
        images=fetched.images,
        photos_failed=len(plan.photos) - len(fetched.images),
        plan=plan,
        replied_key=provider_key(keyring, message.provider, replied_to) if replied_to else None,
    )
    context = context_of(message)
    outcome = conversation.handle_incoming(
        session,
        keyring,
        incoming,
        window=timedelta(hours=int(settings.conversation_window_hours)),
        default_region=settings.default_region,
        context=context,
    )
    if outcome.kind == conversation.STOP and outcome.reply is None and _is_whatsapp(message):
        # WhatsApp through Twilio: no carrier confirms a STOP there, so the line does, in the
        # words of a DM (as on the Cloud API); an SMS STOP stays unanswered (the carrier's).
        outcome = replace(outcome, reply=conversation.answer_text(outcome, DM))
    if outcome.is_replay:
        return Received("duplicate", outcome.tip_number, outcome.reply)
    tip = (
        session.scalar(select(Tip).where(Tip.tip_number == outcome.tip_number))
        if outcome.tip_number
        else None
    )
    if tip is not None and outcome.kind == conversation.FOLLOWUP and message.location:
        locate_tip(session, keyring, tip, *message.location)
    if _is_whatsapp(message):
        # Their window is open again: replies held for it go now.
        release_held_replies(session, keyring, message)
    is_tip = outcome.kind in (conversation.NEW_TIP, conversation.FOLLOWUP)
    stored = outcome.images_stored if is_tip else 0
    failed = len(plan.unkept) + len(plan.photos) - stored
    if answer_inline:
        if outcome.reply and tip is not None:
            record_answered_reply(session, keyring, tip, outcome.reply)
        queued = False
    else:
        queued = _queue_answer(session, keyring, settings, message, outcome, tip)
    return Received(
        outcome.kind, outcome.tip_number, outcome.reply, outcome.images_stored, failed, queued
    )


def _is_whatsapp(message: InboundMessage) -> bool:
    return message.channel == "whatsapp" or message.sender_kind == "whatsapp"


def release_held_replies(session: Session, keyring: Keyring, message: InboundMessage) -> int:
    """Queue again the detective replies held for this WhatsApp tipster (sent after the
    invitation template, once they write: their 24-hour window is open again)."""
    reporter = find_reporter(session, keyring, message.channel, sender_of(message))
    if reporter is None or reporter.is_opted_out:
        return 0
    held = session.execute(
        select(Message, Tip)
        .join(Tip, Message.tip_id == Tip.id)
        .where(Tip.reporter_id == reporter.id, Message.delivery_status == AWAITING_TIPSTER)
        .order_by(Message.created_at)
    ).all()
    for held_message, tip in held:
        enqueue_reply(session, tip, held_message)
    if held:
        session.flush()
        log.info("whatsapp replies released after the tipster wrote: %d", len(held))
    return len(held)


def _adopt_whatsapp_identity(
    session: Session, keyring: Keyring, settings: Settings, message: InboundMessage
) -> None:
    """A WhatsApp reporter known by phone (wa_id) moves to the business-scoped id (BSUID) the
    first time a message carries both: one person stays one reporter, and their thread holds."""
    phone = message.extra.get("wa_id")
    if message.channel != "whatsapp" or message.sender_kind != "bsuid" or not phone:
        return
    region = settings.default_region
    if find_reporter(session, keyring, message.channel, sender_of(message), region) is not None:
        return
    legacy = Sender(kind="wa_id", address=phone, handle=message.sender_handle)
    reporter = find_reporter(session, keyring, message.channel, legacy, region)
    if reporter is not None and reporter.wrapped_key is not None:
        rekey_reporter(session, keyring, reporter, sender_of(message), default_region=region)


def apply_identity_change(
    session: Session, keyring: Keyring, settings: Settings, change: tuple[str, str, str | None]
) -> bool:
    """WhatsApp's ``user_changed_number``: the reporter keyed on the old number (when not
    already keyed on the BSUID) moves to the new one. True when a reporter moved."""
    old, new, bsuid = change
    region = settings.default_region
    if bsuid and find_reporter(session, keyring, "whatsapp", Sender("bsuid", bsuid), region):
        return False  # keyed on the BSUID, which a new number does not change
    reporter = find_reporter(session, keyring, "whatsapp", Sender("wa_id", old), region)
    if reporter is None or reporter.wrapped_key is None:
        return False
    target = Sender("bsuid", bsuid) if bsuid else Sender("wa_id", new)
    return rekey_reporter(session, keyring, reporter, target, default_region=region)


def _queue_answer(
    session: Session,
    keyring: Keyring,
    settings: Settings,
    message: InboundMessage,
    outcome: conversation.Outcome,
    tip: Tip | None,
) -> bool:
    """Queue the DM answering this message; False when nothing may or can be sent."""
    if not outcome.reply:
        return False  # opted out, or nothing to say
    if tip is not None and outcome.kind in (conversation.NEW_TIP, conversation.FOLLOWUP):
        return enqueue_answer(session, keyring, tip, outcome.reply) is not None
    reporter = find_reporter(session, keyring, message.channel, sender_of(message))
    if reporter is None:
        # HELP, STOP or a sticker before any tip: the answer needs an address to go to, kept
        # sealed like every identity (and STOP is remembered).
        reporter = ensure_reporter(
            session,
            keyring,
            message.channel,
            sender_of(message),
            language=outcome.language,
            default_region=settings.default_region,
        )
        if reporter is not None and outcome.kind == conversation.STOP:
            set_opted_out(reporter, True)
    if reporter is None or reporter.wrapped_key is None:
        return False  # crypto-shredded: no address left to answer
    payload = {"text": outcome.reply}
    if outcome.kind == conversation.STOP:
        payload["notice"] = "opt_out"  # the one message an opted-out tipster still gets
    enqueue(
        session, kind="reply", channel=message.channel, reporter_id=reporter.id, payload=payload
    )
    session.flush()
    return True


# A provider's failure code as the detective reads it (codes only, never the provider's text).
_ERROR_LABELS = {twilio_sms.PROVIDER: "Twilio error"}


def apply_status(session: Session, keyring: Keyring, status: StatusUpdate) -> bool:
    """Record a delivery report (a Twilio status callback, a WhatsApp Cloud API status) on the
    message it names, by the one ladder; False when no outbound message of ours matches."""
    key = provider_key(keyring, status.provider, status.provider_message_id)
    message = session.scalar(
        select(Message).where(
            Message.provider == status.provider, Message.provider_message_id == key
        )
    )
    if message is None or message.direction != "outbound":
        # Not ours (or not yet recorded by the worker): nothing to update, and no retry needed.
        return False
    if (
        status.status == "failed"
        and status.error_code == str(OUTSIDE_WINDOW)
        and message.channel == "whatsapp"
    ):
        # WhatsApp accepted the reply, then refused it: the tipster's 24-hour window had closed.
        # Invite them with the approved template and hold the reply, as when the send itself is
        # refused. Only once: a redelivered report finds the reply already queued or held.
        tip = session.get(Tip, message.tip_id)
        if tip is not None and message.delivery_status == "sent":
            requeue_as_invitation(session, tip, message)
            session.flush()
        return True
    label = _ERROR_LABELS.get(status.provider, "provider error")
    error = f"{label} {status.error_code or 'unknown'}"
    if message.delivery_status == AWAITING_TIPSTER:
        # A report of the invitation template sent in the reply's place: delivered or read, the
        # reply still waits for the tipster; failed, nobody was asked and the detective must see.
        if status.status == "failed":
            apply_delivery_status(message, "failed", error=f"invitation template: {error}")
        return True
    apply_delivery_status(message, status.status, error=error)
    if status.provider == twilio_sms.PROVIDER and status.error_code == str(OPTED_OUT):
        # The carrier refused: the tipster sent STOP to the carrier, not to us.
        tip = session.get(Tip, message.tip_id)
        reporter = session.get(Reporter, tip.reporter_id) if tip and tip.reporter_id else None
        if reporter is not None:
            set_opted_out(reporter, True)
    return True


@dataclass
class BatchReport:
    """Counts for one webhook delivery; ``unstored`` > 0 means the provider must deliver again."""

    kinds: dict[str, int] = field(default_factory=dict)
    statuses: int = 0
    refused: int = 0
    degraded: int = 0
    unstored: int = 0

    def summary(self) -> str:
        """A log-safe one-liner: counts only."""
        kinds = " ".join(f"{kind}={count}" for kind, count in sorted(self.kinds.items()))
        return (
            f"{kinds} statuses={self.statuses} refused={self.refused} "
            f"degraded={self.degraded} unstored={self.unstored}"
        ).strip()


def _where(exc: BaseException) -> str:
    """Where an exception was raised (file:line), for the log: its message may hold data."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    frame = frames[-1]
    return f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"


def _store_one(
    session: Session,
    keyring: Keyring,
    settings: Settings,
    message: InboundMessage,
    report: BatchReport,
    fetched: FetchedMedia,
) -> str | None:
    """The outcome kind of one message, or None when it was refused or could not be stored."""
    attempts = (message, replace(message, media=(), location=None))
    for number, attempt in enumerate(attempts):
        if number and attempt == message:
            break  # nothing to leave out: a second try would fail the same way
        try:
            with session.begin_nested():
                received = receive(
                    session,
                    keyring,
                    settings,
                    attempt,
                    fetched=fetched if not number else FetchedMedia(),
                )
        except InvalidInputError:
            report.refused += 1
            log.warning("%s message refused by the pipeline", message.channel)
            return None
        except Exception as exc:  # noqa: BLE001 - one item must not sink the batch
            log.error(
                "%s message failed kind=%s at=%s", message.channel, type(exc).__name__, _where(exc)
            )
            continue
        report.degraded += 1 if number else 0
        return received.kind
    report.unstored += 1
    return None


def receive_batch(
    session: Session,
    keyring: Keyring,
    settings: Settings,
    messages: list[InboundMessage],
    statuses: list[StatusUpdate] | None = None,
    fetched: list[FetchedMedia] | None = None,
    identity_changes: list[tuple[str, str, str | None]] | None = None,
) -> BatchReport:
    """Store every message and status of one delivery, each in its own savepoint. Flushes only.

    A message the pipeline refuses (InvalidInputError: nothing storable) is dropped and counted.
    A message that fails unexpectedly is tried once more without its media and location, the
    likeliest culprits; if that fails too it is counted in ``unstored`` and the view must answer
    non-200 so the platform delivers the batch again (stored items deduplicate).
    ``fetched``: the photos :func:`prefetch` downloaded, by message position.
    """
    report = BatchReport()
    for change in identity_changes or ():
        with session.begin_nested():
            apply_identity_change(session, keyring, settings, change)
    for index, message in enumerate(messages):
        prepared = fetched[index] if fetched is not None else FetchedMedia()
        kind = _store_one(session, keyring, settings, message, report, prepared)
        if kind is not None:
            report.kinds[kind] = report.kinds.get(kind, 0) + 1
    for status in statuses or ():
        try:
            with session.begin_nested():
                if apply_status(session, keyring, status):
                    report.statuses += 1
        except Exception as exc:  # noqa: BLE001 - a report is worth less than the batch
            log.error("status update failed kind=%s at=%s", type(exc).__name__, _where(exc))
    return report
