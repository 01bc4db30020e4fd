"""What happens to one Messenger, Instagram, WhatsApp or X message, and the replies it earns.

The webhook views verify and parse; this module deduplicates, fetches photos, threads the message
(a new tip or a follow-up, by the channel conversation rules), applies a shared location and
queues the acknowledgement in the tipster's language through the outbox (a DM cannot be answered
in the HTTP response). Everything flushes inside the caller's transaction.

Provider message ids are stored only as keyed digests: a WhatsApp ``wamid`` embeds the sender's
phone number in base64, and an Instagram ``mid`` names the account.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, replace
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.audit.service import record_event
from intake.channels import conversation
from intake.channels.conversation import provider_key
from intake.channels.fetch import FetchBudget
from intake.channels.inbound import incoming_text, plan_media, sender_of
from intake.channels.meta_sender import AWAITING_TIPSTER, OUTSIDE_WINDOW
from intake.channels.social_media import FetchedMedia, fetch_images, new_budget
from intake.config import Settings
from intake.crypto import Keyring
from intake.errors import InvalidInputError
from intake.identity.service import Sender, ensure_reporter, find_reporter, rekey_reporter
from intake.models import Message, OutboxMessage, Tip
from intake.outbound.rows import enqueue
from intake.outbound.service import apply_delivery_status, enqueue_reply, requeue_as_invitation
from intake.routing.service import route_tip
from webhooks.base import InboundMessage, StatusUpdate

log = logging.getLogger(__name__)

# Tipster-facing DM texts, keyed by conversation outcome. The SMS wording speaks of "texts" and a
# phone number; a DM tipster has neither, so the DM channels say it their way.
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "emergency": "If anyone is in danger right now, call 911 at once.",
        conversation.NEW_TIP: "Thank you. Your tip number is {tip_number}. Who you are is "
        "encrypted and no officer sees it. A detective may ask you questions here. "
        "Send NEW for a separate tip, STOP to get no more messages.",
        conversation.FOLLOWUP: "Added to tip {tip_number}. Thank you.",
        conversation.HELP: "Anonymous tip line. Tell us what you know; who you are is encrypted "
        "and never shown to officers. Send NEW for a new tip, STOP to get no more messages. "
        "In danger now? Call 911.",
        conversation.START: "You will get messages from the tip line again. Send STOP to end them.",
        conversation.NEW: "OK: your next message starts a new tip with its own number.",
        conversation.EMPTY: "Write to us what you know. If anyone is in danger now, call 911.",
        conversation.STOP: "You will get no more messages from the tip line. Send START to get "
        "them again.",
        "media_failed": "We could not keep your photo, video or file; please describe it in a "
        "message.",
        "photo_failed": "We could not keep your photo; please describe it in a message.",
        "voice_failed": "We cannot keep voice messages; please write what you wanted to say.",
        "unsupported": "We could not read your message; please write it as text.",
        "encrypted": "We cannot read encrypted X Chat messages; please send it again as a "
        "regular direct message, or use the tip line's web form.",
    },
    "es": {
        "emergency": "Si alguien está en peligro ahora mismo, llame al 911 de inmediato.",
        conversation.NEW_TIP: "Gracias. Su número de denuncia es {tip_number}. Quién es usted "
        "se guarda cifrado y ningún agente lo ve. Un detective puede hacerle preguntas aquí. "
        "Envíe NUEVO para otra denuncia, ALTO para no recibir más mensajes.",
        conversation.FOLLOWUP: "Añadido a la denuncia {tip_number}. Gracias.",
        conversation.HELP: "Línea de denuncias anónimas. Cuéntenos lo que sabe; quién es usted se "
        "guarda cifrado y ningún agente lo ve. Envíe NUEVO para otra denuncia, ALTO para no "
        "recibir más mensajes. ¿Peligro ahora? Llame al 911.",
        conversation.START: "Volverá a recibir mensajes de la línea de denuncias. Envíe ALTO "
        "para dejarlos.",
        conversation.NEW: "De acuerdo: su próximo mensaje será una denuncia nueva con su propio "
        "número.",
        conversation.EMPTY: "Escríbanos lo que sabe. Si alguien está en peligro ahora, llame "
        "al 911.",
        conversation.STOP: "No recibirá más mensajes de la línea de denuncias. Envíe START para "
        "volver a recibirlos.",
        "media_failed": "No pudimos guardar su foto, video o archivo; descríbalo en un mensaje.",
        "photo_failed": "No pudimos guardar su foto; descríbala en un mensaje.",
        "voice_failed": "No podemos guardar mensajes de voz; escriba lo que quería decir.",
        "unsupported": "No pudimos leer su mensaje; escríbalo como texto.",
        "encrypted": "No podemos leer los mensajes cifrados de X Chat; envíelo de nuevo como "
        "mensaje directo normal o use el formulario web de la línea de denuncias.",
    },
}
_TIP_KINDS = (conversation.NEW_TIP, conversation.FOLLOWUP)


def tipster_text(language: str | None, key: str, **values: str) -> str:
    """A tipster-facing DM text in English or Spanish (English for anything else)."""
    table = TEXTS.get(language or "en", TEXTS["en"])
    return table[key].format(**values)


@dataclass(frozen=True)
class SocialOutcome:
    """What became of one message: a conversation outcome kind, or ``duplicate``."""

    kind: str
    tip_number: str | None = None
    images_stored: int = 0
    media_failed: int = 0
    reply_queued: bool = False


def register_social_senders(app: Flask) -> None:
    """Register the outbox senders of messenger, instagram, whatsapp and x."""
    from intake.channels.meta_sender import register_meta_senders
    from intake.channels.x_sender import register_x_sender

    register_meta_senders(app)
    register_x_sender(app)


def prefetch_media(
    session: Session, keyring: Keyring, settings: Settings, messages: list[InboundMessage]
) -> dict[int, FetchedMedia]:
    """The photos of every new message of a delivery, by position, fetched with no transaction
    open (one download allowance for the delivery: the platform waits for our answer).

    Reads which messages were already handled, then ends that read transaction: on SQLite a
    read transaction held across the network would keep writers waiting. Call it before the
    request writes anything.
    """
    plans = {index: plan_media(message) for index, message in enumerate(messages)}
    wanted = [
        index
        for index, message in enumerate(messages)
        if plans[index].photos
        and not conversation.is_redelivery(
            session, message.provider, provider_key(keyring, message.provider, message.event_id)
        )
    ]
    session.rollback()
    budget = new_budget()
    return {
        index: fetch_images(
            replace(messages[index], media=plans[index].photos), settings, budget=budget
        )
        for index in wanted
    }


def process_message(
    session: Session,
    keyring: Keyring,
    settings: Settings,
    message: InboundMessage,
    budget: FetchBudget | None = None,
    fetched: FetchedMedia | None = None,
) -> SocialOutcome:
    """Thread one platform message into a tip (shared rules) and queue the reply. Flushes only.

    ``fetched``: its photos, already downloaded by :func:`prefetch_media`; otherwise they are
    fetched here within ``budget`` (the webhook's allowance, shared by all its messages).
    Raises InvalidInputError when the message cannot be stored (too long, unusable sender).
    """
    key = provider_key(keyring, message.provider, message.event_id)
    # Checked before fetching media: a redelivery must cost nothing.
    if conversation.is_redelivery(session, message.provider, key):
        return SocialOutcome("duplicate")
    edit_of = message.extra.get("edit_of")
    if edit_of is not None:
        # An edit is kept only when the message it edits was stored, as a follow-up marked
        # edited (the original stays as it was): an edit of anything else is not a tip.
        original = provider_key(keyring, message.provider, edit_of)
        if not conversation.is_redelivery(session, message.provider, original):
            return SocialOutcome("ignored")
        message = replace(message, text=f"[edited] {message.text}", extra={})
    plan = plan_media(message)
    if fetched is None:
        fetched = (
            fetch_images(replace(message, media=plan.photos), settings, budget=budget)
            if plan.photos
            else FetchedMedia()
        )
    _adopt_whatsapp_identity(session, keyring, settings, message)
    incoming = incoming_text(
        message, key, images=fetched.images, photos_failed=fetched.failed, plan=plan
    )
    outcome = conversation.handle_incoming(
        session,
        keyring,
        incoming,
        window=timedelta(hours=int(settings.conversation_window_hours)),
        default_region=settings.default_region,
    )
    if outcome.is_replay:
        return SocialOutcome("duplicate", outcome.tip_number)
    tip = (
        session.scalar(select(Tip).where(Tip.tip_number == outcome.tip_number))
        if outcome.tip_number
        else None
    )
    if tip is not None and outcome.kind == conversation.FOLLOWUP and message.location:
        _place_tip(session, keyring, tip, *message.location)
    if message.channel == "whatsapp":
        release_held_replies(session, keyring, message)
    stored = outcome.images_stored if outcome.kind in _TIP_KINDS else 0
    failed = len(plan.unkept) + fetched.failed + len(fetched.images) - stored
    queued = _queue_answer(session, keyring, settings, message, outcome, tip)
    return SocialOutcome(outcome.kind, outcome.tip_number, outcome.images_stored, failed, queued)


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


def _answer_text(outcome: conversation.Outcome) -> str:
    languages = ("en", "es") if outcome.is_bilingual else (outcome.language,)
    blocks = []
    for language in languages:
        lines = []
        if outcome.is_emergency:
            lines.append(tipster_text(language, "emergency"))
        lines.append(tipster_text(language, outcome.kind, tip_number=outcome.tip_number or ""))
        if outcome.kind in _TIP_KINDS:
            lines += [tipster_text(language, notice) for notice in outcome.notices]
        blocks.append("\n\n".join(lines))
    return "\n\n".join(blocks)


def _queue_answer(
    session: Session,
    keyring: Keyring,
    settings: Settings,
    message: InboundMessage,
    outcome: conversation.Outcome,
    tip: Tip | None,
) -> bool:
    """Queue the DM answering this message; False when nothing may or can be sent."""
    # The rules answer None to an opted-out tipster, and to STOP (where SMS carriers confirm
    # themselves); a DM platform confirms nothing, so STOP gets its one last message here.
    if outcome.reply is None and outcome.kind != conversation.STOP:
        return False
    # A kind the DM texts do not know yet gets the rules' own (SMS) wording rather than nothing.
    text = _answer_text(outcome) if outcome.kind in TEXTS["en"] else outcome.reply
    if not text:
        return False
    if tip is not None and outcome.kind in _TIP_KINDS:
        return queue_reply(session, keyring, tip, text) is not None
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
            reporter.is_opted_out = True
    if reporter is None or reporter.wrapped_key is None:
        return False  # crypto-shredded: no address left to answer
    payload = {"text": text}
    if outcome.kind == conversation.STOP:
        payload["notice"] = "opt_out"  # the one message an opted-out tipster still gets
    enqueue(
        session, kind="reply", channel=message.channel, reporter_id=reporter.id, payload=payload
    )
    session.flush()
    return True


def _place_tip(session: Session, keyring: Keyring, tip: Tip, lat: float, lon: float) -> None:
    """Give a tip without a point the location its tipster shared, and route it there if new.

    A tip someone already works stays in its queue: only a supervisor moves it.
    """
    if tip.has_point or tip.status != "new":
        return
    route = route_tip(
        session,
        category_code=tip.category_code,
        lat=lat,
        lon=lon,
        location_text=None,
        point_kind="shared",
    )
    old_queue = tip.queue.code
    tip.set_point(keyring, route.lat, route.lon)
    tip.location_source = route.location_source
    tip.district_id, tip.queue_id = route.district_id, route.queue_id
    tip.routing_reason.seal(keyring, route.reason)
    session.flush()
    session.expire(tip, ["queue"])  # the relationship still holds the old queue object
    record_event(
        session,
        "tip.located",
        actor_kind="tipster",
        tip_id=tip.id,
        details={"from_queue": old_queue, "to_queue": route.queue_code},
    )


def queue_reply(session: Session, keyring: Keyring, tip: Tip, text: str) -> OutboxMessage | None:
    """Add an outbound message to the tip's thread and queue it to the tipster."""
    message = Message(tip=tip, direction="outbound", channel=tip.channel)
    message.body.seal(keyring, text)
    session.add(message)
    session.flush()
    return enqueue_reply(session, tip, message)


def apply_status(session: Session, keyring: Keyring, status: StatusUpdate) -> bool:
    """Record a delivery report on the message it names; False when no message matches."""
    key = provider_key(keyring, status.provider, status.provider_message_id)
    message = session.scalar(
        select(Message).where(
            Message.provider == status.provider, Message.provider_message_id == key
        )
    )
    if message is None or message.direction != "outbound":
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
    error = f"provider error {status.error_code or 'unknown'}"
    if message.delivery_status == AWAITING_TIPSTER:
        # A report of the invitation template sent in the reply's place: delivered or read, the
        # reply still waits for the tipster; failed, nobody was asked and the detective must see.
        if status.status == "failed":
            apply_delivery_status(message, "failed", error=f"invitation template: {error}")
        return True
    apply_delivery_status(message, status.status, error=error)
    return True


@dataclass
class BatchReport:
    """Counts for one webhook delivery; ``unstored`` > 0 means the provider must deliver again."""

    kinds: dict[str, int]
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
    budget: FetchBudget,
    fetched: FetchedMedia | None,
) -> str | None:
    """The outcome kind of one message, or None when it was refused or could not be stored."""
    attempts = (message, replace(message, media=(), location=None))
    for number, attempt in enumerate(attempts):
        if number and attempt == message:
            break  # nothing to leave out: a second try would fail the same way
        try:
            with session.begin_nested():
                outcome = process_message(
                    session,
                    keyring,
                    settings,
                    attempt,
                    budget,
                    fetched if not number else FetchedMedia(),
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
        return outcome.kind
    report.unstored += 1
    return None


def process_batch(
    session: Session,
    keyring: Keyring,
    settings: Settings,
    messages: list[InboundMessage],
    statuses: list[StatusUpdate] = (),  # type: ignore[assignment]
    fetched: dict[int, FetchedMedia] | None = None,
    identity_changes: list[tuple[str, str, str | None]] = (),  # type: ignore[assignment]
) -> BatchReport:
    """Store every message and status of one delivery, each in its own savepoint. Flushes only.

    A message the pipeline refuses (InvalidInputError: nothing storable) is dropped and counted.
    A message that fails unexpectedly is tried once more without its media and location, the
    likeliest culprits; if that fails too it is counted in ``unstored`` and the view must answer
    non-200 so the platform delivers the batch again (stored items deduplicate).
    ``fetched``: the photos :func:`prefetch_media` downloaded, by message position; without it
    they are downloaded here, inside the transaction.
    """
    report = BatchReport(kinds={})
    # One download allowance for the whole delivery: the platform waits for our answer.
    budget = new_budget()
    for change in identity_changes:
        with session.begin_nested():
            apply_identity_change(session, keyring, settings, change)
    for index, message in enumerate(messages):
        prepared = fetched.get(index, FetchedMedia()) if fetched is not None else None
        kind = _store_one(session, keyring, settings, message, report, budget, prepared)
        if kind is not None:
            report.kinds[kind] = report.kinds.get(kind, 0) + 1
    for status in statuses:
        try:
            with session.begin_nested():
                if apply_status(session, keyring, status):
                    report.statuses += 1
        except Exception as exc:  # noqa: BLE001 - a report is worth less than the batch
            log.error("status update failed kind=%s at=%s", type(exc).__name__, _where(exc))
    return report
