"""Threading a messaging conversation into tips: one set of rules for SMS and the DM channels.

For each inbound text the rules decide, in this order:

1. a redelivered event (same provider + event id) changes nothing and gets the same kind of reply;
2. a whole-message keyword: STOP records the opt-out, START lifts it (only for an opted-out
   sender; otherwise "yes"/"start" is an ordinary answer), HELP explains the line, NEW makes the
   sender's next text start a new tip;
3. a text naming one of this sender's tip numbers joins that tip;
4. a text within the conversation window of the sender's last tip activity joins their most
   recent open tip, unless they sent NEW since that activity;
5. anything else is a new tip through :func:`intake.submissions.service.submit_tip`.

Everything flushes, nothing commits: the webhook request owns the transaction. The caller sends
``Outcome.reply`` back on the channel (``None``: send nothing, for instance after STOP).

"NEW" is remembered without a column of its own: every stored text sets the reporter's
``last_seen_at`` to exactly the tip's ``last_tipster_activity_at``, and NEW moves it later, so
``last_seen_at`` after the latest tip activity means "the next text starts a new tip".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake import crypto
from intake.crypto import Keyring
from intake.errors import InvalidInputError
from intake.identity.service import FoundReporter, Sender, find_reporter
from intake.models import ALERTING_URGENCIES, InboundEvent, Message, Reporter, Tip, utcnow
from intake.submissions.rules import find_tip_number
from intake.submissions.service import (
    DuplicateEventError,
    TipSubmission,
    _claim_event,
    add_followup,
    create_tip,
    find_event,
)
from webhooks.twilio_sms import keyword

log = logging.getLogger(__name__)

# Outcome kinds.
NEW_TIP = "new_tip"
FOLLOWUP = "followup"
STOP = "stop"
START = "start"
HELP = "help"
NEW = "new"
EMPTY = "empty"
# --- FORGET (the data lifecycle): the sender's contact details are deleted now. --------------
FORGET = "forget"
FORGET_LATER = "forget_later"
_FORGET_SPANISH = frozenset({"olvidar", "olvidame", "olvídame"})
_FORGET_WORDS = frozenset({"forget", "forgetme"}) | _FORGET_SPANISH

# Keywords that are Spanish words: the reply to them is in Spanish even for a first contact.
_SPANISH_KEYWORDS = frozenset(
    {"alto", "parar", "ayuda", "nuevo", "olvidar", "olvidame", "olvídame"}
)
_KEYWORD_TRIM = " \t\r\n.!¡¿?"

# Tipster-facing SMS/DM texts. Short: every 160 characters (70 with accents) is one more segment.
REPLIES: dict[str, dict[str, str]] = {
    "en": {
        "emergency": "If anyone is in danger right now, call 911 at once. ",
        NEW_TIP: (
            "Tip {tip_number} received. Your phone number is protected: it is encrypted and no "
            "officer ever sees it. Your tip goes to the unit for that area; a detective may text "
            "you a question here. Reply NEW for a separate tip, STOP to end texts."
        ),
        FOLLOWUP: "Added to tip {tip_number}. Thank you.",
        HELP: (
            "Anonymous tip line. Text what you know; your number is encrypted and never shown "
            "to officers. Reply NEW for a new tip, STOP to end texts. In danger now? Call 911."
        ),
        START: "You will get texts from the tip line again. Reply STOP to end them.",
        NEW: "OK: your next text starts a new tip with its own number.",
        EMPTY: "Text us what you know. If anyone is in danger now, call 911.",
        "photo_failed": " We could not read your photo; please describe it in a text.",
        FORGET: (
            "Done: your number is deleted from the tip line for good. Your tips stay with the "
            "detectives, who can no longer text you. A new text starts a new tip."
        ),
        FORGET_LATER: (
            "The law requires us to keep one of your tips for now; your number will be deleted "
            "as soon as that ends. Nobody sees it without a recorded reason."
        ),
        "media_failed": " We could not keep your photo, video or file; please describe it in a "
        "text.",
        "voice_failed": " We cannot keep voice messages; please write what you wanted to say.",
        "unsupported": " We could not read your message; please write it as text.",
        "encrypted": " We cannot read encrypted chats; please send it as a regular message.",
    },
    "es": {
        "emergency": "Si alguien está en peligro ahora mismo, llame al 911 de inmediato. ",
        NEW_TIP: (
            "Recibimos su denuncia {tip_number}. Su número está protegido: se guarda cifrado y "
            "ningún agente lo ve. La denuncia va a la unidad de esa zona; un detective puede "
            "escribirle aquí. Responda NUEVO para otra denuncia, ALTO para no recibir más."
        ),
        FOLLOWUP: "Añadido a la denuncia {tip_number}. Gracias.",
        HELP: (
            "Línea de denuncias anónimas. Escriba lo que sabe; su número se guarda cifrado y "
            "ningún agente lo ve. Responda NUEVO para otra denuncia, ALTO para no recibir más. "
            "¿Peligro ahora? Llame al 911."
        ),
        START: "Volverá a recibir mensajes de la línea de denuncias. Responda ALTO para dejarlos.",
        NEW: "De acuerdo: su próximo mensaje será una denuncia nueva con su propio número.",
        EMPTY: "Escríbanos lo que sabe. Si alguien está en peligro ahora, llame al 911.",
        "photo_failed": " No pudimos leer su foto; descríbala en un mensaje.",
        FORGET: (
            "Listo: su número se borró para siempre de la línea de denuncias. Sus denuncias "
            "siguen con los detectives, que ya no pueden escribirle. Un mensaje nuevo inicia "
            "otra denuncia."
        ),
        FORGET_LATER: (
            "La ley nos obliga a guardar una de sus denuncias por ahora; su número se borrará "
            "en cuanto termine. Nadie lo ve sin un motivo registrado."
        ),
        "media_failed": " No pudimos guardar su foto, video o archivo; descríbalo en un mensaje.",
        "voice_failed": " No podemos guardar mensajes de voz; escriba lo que quería decir.",
        "unsupported": " No pudimos leer su mensaje; escríbalo como texto.",
        "encrypted": " No podemos leer chats cifrados; envíelo como mensaje normal.",
    },
}


@dataclass(frozen=True)
class IncomingText:
    """One inbound message as a channel hands it to the conversation rules.

    ``sender`` is an identity and must never be logged. ``images`` are image bytes already
    stripped by :func:`intake.attachments.rules.strip_image` (the pipeline strips them again).
    """

    channel: str  # "sms", "messenger", "instagram", "whatsapp", "x"
    provider: str  # "twilio", "meta", "x": with event_id, the idempotency key
    event_id: str
    sender: Sender
    text: str = ""
    images: tuple[bytes, ...] = ()
    location: tuple[float, float] | None = None  # (lat, lon) shared in the message
    images_failed: int = 0  # media the channel could not fetch or read
    # Lines for the detective after the tipster's words: what was shared (a link, a contact
    # card) and placeholders for what could not be kept. They are stored; they are not words
    # of the tipster (no language is told from them).
    notes: tuple[str, ...] = ()
    # Kinds of content not kept ("voice", "audio", "video", "file", "image", "unsupported"):
    # the answer tells the tipster what to do instead.
    unkept: tuple[str, ...] = ()
    is_greeting: bool = False  # a chat opened without content (Get Started): answered as HELP
    # The stored (digested) provider id of the message this one quotes: its tip is the thread.
    replied_to: str | None = None


# What the detective reads in place of content that could not be kept.
PLACEHOLDERS = {
    "voice": "[voice message, not kept: ask the tipster to write it]",
    "audio": "[audio, not kept: ask the tipster to write it]",
    "video": "[video, not kept: ask the tipster to describe it]",
    "file": "[file, not kept: ask the tipster to describe it]",
    "contact": "[contact card, not kept: ask the tipster to write the name and number]",
    "image": "[photo, could not be kept: ask the tipster to describe it]",
    "unsupported": "[a message the platform could not show: ask the tipster to write it]",
    "encrypted": "[an encrypted X Chat message, unreadable without its key: ask the tipster to "
    "send it as a regular direct message]",
}


def unkept_notices(kinds: tuple[str, ...] | list[str], images_failed: int = 0) -> tuple[str, ...]:
    """The reply lines (keys of the reply tables) telling a tipster what to do about content
    that was not kept, one per sort of content."""
    notices = []
    if {"voice", "audio"} & set(kinds):
        notices.append("voice_failed")
    if {"video", "file", "contact"} & set(kinds):
        notices.append("media_failed")
    elif "image" in kinds or images_failed:
        notices.append("photo_failed")
    if "unsupported" in kinds:
        notices.append("unsupported")
    if "encrypted" in kinds:
        notices.append("encrypted")
    return tuple(notices)


@dataclass(frozen=True)
class Outcome:
    """What happened to an inbound text and what to answer (``reply`` None: answer nothing)."""

    kind: str
    reply: str | None
    language: str = "en"
    tip_number: str | None = None
    is_emergency: bool = False
    is_replay: bool = False
    images_stored: int = 0
    notices: tuple[str, ...] = ()  # reply-table keys appended to the answer (see unkept_notices)
    # No word of the tipster to tell their language by, and none known: answer in English and
    # Spanish both.
    is_bilingual: bool = False


def reply_text(kind: str, language: str, *, tip_number: str | None = None) -> str:
    """A tipster-facing text in English or Spanish (English for any other language)."""
    texts = REPLIES.get(language, REPLIES["en"])
    return texts[kind].format(tip_number=tip_number or "")


def _language_of_keyword(text: str) -> str | None:
    folded = "".join(text.strip(_KEYWORD_TRIM).split()).casefold()
    return "es" if folded in _SPANISH_KEYWORDS else None


def _tip_reply(
    kind: str,
    tip: Tip,
    *,
    opted_out: bool,
    images_failed: int = 0,
    notices: tuple[str, ...] = (),
    bilingual: bool = False,
) -> str | None:
    if opted_out:
        return None
    languages = ("en", "es") if bilingual else (tip.language,)
    texts = []
    for language in languages:
        text = reply_text(kind, language, tip_number=tip.tip_number)
        if tip.urgency in ALERTING_URGENCIES:
            # Danger first: on a small screen the first words may be all that is read.
            text = reply_text("emergency", language) + text
        if notices:
            text += "".join(reply_text(notice, language) for notice in notices)
        elif images_failed:
            text += reply_text("photo_failed", language)
        texts.append(text)
    return "\n\n".join(texts)


def provider_key(keyring: Keyring, provider: str, provider_message_id: str) -> str:
    """The stored form of a provider message id: a keyed digest, so no id leads back to who
    sent it (a WhatsApp ``wamid`` embeds the phone number; a Twilio SID finds the message, its
    ``From`` and ``Body`` in the Twilio account)."""
    return crypto.keyed_digest(keyring, "provider-message", f"{provider}:{provider_message_id}")


def is_redelivery(session: Session, provider: str, event_id: str) -> bool:
    """True when this provider event was already handled (check before fetching media)."""
    return find_event(session, provider, event_id[:128]) is not None


def _reporter_for(
    session: Session, keyring: Keyring, incoming: IncomingText, default_region: str
) -> Reporter | None:
    reporter = find_reporter(session, keyring, incoming.channel, incoming.sender, default_region)
    # A crypto-shredded reporter has no identity left: nothing to thread with.
    return reporter if reporter is not None and reporter.wrapped_key is not None else None


def replay_outcome(
    session: Session,
    keyring: Keyring,
    incoming: IncomingText,
    *,
    default_region: str = "US",
    event: InboundEvent | None = None,
) -> Outcome:
    """The answer to a redelivered event (``event``: its record, if already loaded): the same
    kind of reply, nothing written."""
    reporter = _reporter_for(session, keyring, incoming, default_region)
    opted_out = reporter is not None and reporter.is_opted_out
    language = _language_of_keyword(incoming.text) or (reporter.language if reporter else "en")
    if event is None:
        event = find_event(session, incoming.provider, incoming.event_id[:128])
    tip = session.get(Tip, event.tip_id) if event is not None and event.tip_id else None
    if tip is None:
        word = keyword(incoming.text)
        language = language or "en"
        if word in (HELP, NEW, START) and not opted_out:
            return Outcome(word, reply_text(word, language), language, is_replay=True)
        if word is None and not incoming.text.strip() and not opted_out:
            # An empty text or a sticker asked for words: the same answer again.
            return Outcome(EMPTY, reply_text(EMPTY, language), language, is_replay=True)
        return Outcome(word or EMPTY, None, language, is_replay=True)
    is_followup = (
        session.scalar(
            select(Message.id).where(
                Message.provider == incoming.provider,
                Message.provider_message_id == incoming.event_id,
            )
        )
        is not None
    )
    kind = FOLLOWUP if is_followup else NEW_TIP
    return Outcome(
        kind,
        _tip_reply(kind, tip, opted_out=opted_out),
        tip.language,
        tip.tip_number,
        is_emergency=tip.urgency in ALERTING_URGENCIES,
        is_replay=True,
    )


def _apply_keyword(
    session: Session, word: str, reporter: Reporter | None, language: str, now: datetime
) -> Outcome:
    if word == STOP:
        if reporter is not None:
            reporter.is_opted_out = True
        # The provider confirms STOP itself and refuses anything we send afterwards.
        log.info("opt-out recorded known_sender=%s", reporter is not None)
        return Outcome(STOP, None, language)
    if word == START:
        assert reporter is not None
        reporter.is_opted_out = False
        log.info("opt-in recorded")
        return Outcome(START, reply_text(START, language), language)
    opted_out = reporter is not None and reporter.is_opted_out
    if word == NEW and reporter is not None:
        reporter.last_seen_at = now
    return Outcome(word, None if opted_out else reply_text(word, language), language)


def _folded(text: str) -> str:
    return "".join(text.strip(_KEYWORD_TRIM).split()).casefold()


def _forget(
    session: Session,
    reporter: Reporter | None,
    language: str,
    opted_out: bool,
    channel: str,
    now: datetime,
) -> Outcome:
    """FORGET / OLVIDAR: shred the sender's identity now (intake.lifecycle); the tips stay."""
    from intake.lifecycle.service import FORGET_LATER as DEFERRED
    from intake.lifecycle.service import forget_reporter

    done = forget_reporter(session, reporter, via=channel, now=now)
    kind = FORGET_LATER if done == DEFERRED else FORGET
    log.info("forget request handled outcome=%s", done)
    # The answer goes back on this webhook's own response (TwiML): no address is needed.
    return Outcome(kind, None if opted_out else reply_text(kind, language), language)


def _quoted_tip(session: Session, reporter: Reporter, provider: str, replied_to: str) -> Tip | None:
    """The sender's tip holding the message a reply quotes (ours or theirs), if any."""
    tip_id = session.scalar(
        select(Message.tip_id)
        .where(Message.provider == provider, Message.provider_message_id == replied_to)
        .limit(1)
    )
    if tip_id is None:
        # A tip's first message is not in the thread: its event names the tip.
        tip_id = session.scalar(
            select(InboundEvent.tip_id).where(
                InboundEvent.provider == provider, InboundEvent.event_key == replied_to
            )
        )
    if tip_id is None:
        return None
    return session.scalar(select(Tip).where(Tip.id == tip_id, Tip.reporter_id == reporter.id))


def _thread_for(
    session: Session,
    reporter: Reporter,
    text: str,
    window: timedelta,
    now: datetime,
    quoted: tuple[str, str] | None = None,
) -> Tip | None:
    """The tip this text continues, or None for a new tip.

    ``quoted``: (provider, stored id) of the message this one replies to; quoting a message of
    one of the sender's tips joins that tip, like naming its number, whatever the window.
    """
    if quoted is not None:
        tip = _quoted_tip(session, reporter, *quoted)
        if tip is not None:
            return tip
    named = find_tip_number(text)
    if named:
        tip = session.scalar(
            select(Tip).where(Tip.tip_number == named, Tip.reporter_id == reporter.id)
        )
        if tip is not None:
            return tip
    # The tip with the latest activity: usually open, and then it is the thread (one query).
    latest_tip = session.scalar(
        select(Tip)
        .where(Tip.reporter_id == reporter.id)
        .order_by(Tip.last_tipster_activity_at.desc(), Tip.created_at.desc())
        .limit(1)
    )
    if latest_tip is None:
        return None
    latest = latest_tip.last_tipster_activity_at
    if now - latest > window:
        return None
    if reporter.last_seen_at > latest:  # NEW since the last activity
        return None
    if latest_tip.status != "closed":
        return latest_tip
    return session.scalar(
        select(Tip)
        .where(Tip.reporter_id == reporter.id, Tip.status != "closed")
        .order_by(Tip.last_tipster_activity_at.desc(), Tip.created_at.desc())
        .limit(1)
    )


def _is_photo_error(error: InvalidInputError) -> bool:
    return bool(error.fields and "photo" in error.fields)


def _add_followup(
    session: Session, keyring: Keyring, tip: Tip, incoming: IncomingText, now: datetime
) -> tuple[Message, int]:
    """Add the text (and images) to the thread; images that fail never cost the text."""

    def add(images: tuple[bytes, ...]) -> Message:
        # Photos that fail alone leave their placeholder when there is nothing else to keep.
        text = incoming.text if images or incoming.text.strip() else PLACEHOLDERS["image"]
        return add_followup(
            session,
            keyring,
            tip,
            text,
            channel=incoming.channel,
            provider=incoming.provider,
            provider_message_id=incoming.event_id,
            images=images,
            now=now,
        )

    if not incoming.images:
        # Nothing that may fail alone: no savepoint (two statements) to fall back to.
        return add(()), 0
    try:
        with session.begin_nested():
            message = add(incoming.images)
        return message, len(incoming.images)
    except InvalidInputError as error:
        if not _is_photo_error(error):
            raise
    log.warning("tip %s: follow-up images unreadable, text kept", tip.tip_number)
    return add(()), 0


def _submit(
    session: Session,
    keyring: Keyring,
    submission: TipSubmission,
    default_region: str,
    found: FoundReporter,
) -> tuple[Tip, int]:
    """Submit a new tip; images that fail never cost the text.

    The event was looked up and the sender found (or not) by the caller in this transaction.
    """
    if not submission.images:
        # Nothing that may fail alone: no savepoint (two statements) to fall back to.
        tip, _ = create_tip(
            session,
            keyring,
            submission,
            default_region=default_region,
            found_reporter=found,
            event_checked=True,
        )
        return tip, 0
    try:
        with session.begin_nested():
            tip, _ = create_tip(
                session,
                keyring,
                submission,
                default_region=default_region,
                found_reporter=found,
                event_checked=True,
            )
        return tip, len(submission.images)
    except InvalidInputError as error:
        if not _is_photo_error(error):
            raise
    log.warning("new tip images unreadable, text kept")
    # A photo-only message whose photos fail still leaves a tip: the placeholder says what came.
    narrative = submission.narrative if submission.narrative.strip() else PLACEHOLDERS["image"]
    tip, _ = create_tip(
        session,
        keyring,
        replace(submission, images=(), narrative=narrative),
        default_region=default_region,
        found_reporter=found,
        event_checked=True,
    )
    return tip, 0


def handle_incoming(
    session: Session,
    keyring: Keyring,
    incoming: IncomingText,
    *,
    window: timedelta,
    default_region: str = "US",
    now: datetime | None = None,
) -> Outcome:
    """Apply the conversation rules to one inbound text; flushes, the caller commits.

    Raises InvalidInputError when the sender's address is unusable or the text too long.
    """
    now = now or utcnow()
    event_key = incoming.event_id[:128]
    # The one lookup of this event in the request; the pipeline is told it was not there.
    seen = find_event(session, incoming.provider, event_key)
    if seen is not None:
        return replay_outcome(session, keyring, incoming, default_region=default_region, event=seen)
    found = find_reporter(session, keyring, incoming.channel, incoming.sender, default_region)
    # A crypto-shredded reporter has no identity left: nothing to thread with.
    reporter = found if found is not None and found.wrapped_key is not None else None
    opted_out = reporter is not None and reporter.is_opted_out
    language = _language_of_keyword(incoming.text) or (
        reporter.language if reporter and reporter.language else "en"
    )

    if _folded(incoming.text) in _FORGET_WORDS:
        if not _claim_event(session, incoming.provider, event_key):
            return replay_outcome(session, keyring, incoming, default_region=default_region)
        if _folded(incoming.text) in _FORGET_SPANISH:
            language = "es"
        return _forget(session, reporter, language, opted_out, incoming.channel, now)

    has_words = bool(incoming.text.strip())
    word = keyword(incoming.text)
    if word == START and not opted_out:
        word = None  # "yes" / "start" from someone not opted out is an ordinary answer
    if word is None and incoming.is_greeting and not (has_words or incoming.notes):
        word = HELP  # a chat opened without a word: tell them what this line is
    if word is not None:
        if not _claim_event(session, incoming.provider, event_key):
            return replay_outcome(session, keyring, incoming, default_region=default_region)
        outcome = _apply_keyword(session, word, reporter, language, now)
        if word == HELP and not has_words and reporter is None and outcome.reply:
            # Nothing tells this newcomer's language: answer in both.
            both = reply_text(HELP, "en") + "\n\n" + reply_text(HELP, "es")
            outcome = replace(outcome, reply=both, is_bilingual=True)
        return outcome

    if not has_words and not incoming.images and not incoming.notes:
        # Nothing to keep (an empty text, a sticker): ask for words, once per event (a
        # redelivered sticker is not asked about twice).
        if not _claim_event(session, incoming.provider, event_key):
            return replay_outcome(session, keyring, incoming, default_region=default_region)
        return Outcome(EMPTY, None if opted_out else reply_text(EMPTY, language), language)

    # The tipster's words, then what the detective should know about the rest.
    narrative = "\n".join(part for part in (incoming.text.strip(), *incoming.notes) if part)
    stored = replace(incoming, text=narrative)
    quoted = (incoming.provider, incoming.replied_to) if incoming.replied_to else None
    tip = (
        _thread_for(session, reporter, narrative, window, now, quoted)
        if reporter is not None
        else None
    )
    if tip is not None:
        if not _claim_event(session, incoming.provider, event_key, tip_id=tip.id):
            return replay_outcome(session, keyring, incoming, default_region=default_region)
        assert reporter is not None
        # Written before the follow-up's audit event, which must stay last (see record_event).
        # See the module docstring: last_seen_at equal to the activity means "no NEW since".
        reporter.last_seen_at = now
        _, images_stored = _add_followup(session, keyring, tip, stored, now)
        kind = FOLLOWUP
    else:
        submission = TipSubmission(
            channel=incoming.channel,
            narrative=narrative,
            # A message without words (a photo, a voice note, a contact card) has none to
            # tell the language by: the notes are the detective's English.
            language=None if has_words else (reporter.language if reporter else "en"),
            lat=incoming.location[0] if incoming.location else None,
            lon=incoming.location[1] if incoming.location else None,
            point_kind="shared",
            sender=incoming.sender,
            images=incoming.images,
            provider=incoming.provider,
            provider_event_id=incoming.event_id,
        )
        try:
            # The pipeline marks the reporter seen at the tip's activity (see the docstring).
            tip, images_stored = _submit(
                session, keyring, submission, default_region, FoundReporter(found)
            )
        except DuplicateEventError:
            return replay_outcome(session, keyring, incoming, default_region=default_region)
        kind = NEW_TIP
    images_failed = incoming.images_failed + len(incoming.images) - images_stored
    log.info(
        "%s tip %s %s images=%d images_failed=%d",
        incoming.channel,
        tip.tip_number,
        kind,
        images_stored,
        images_failed,
    )
    notices = unkept_notices(incoming.unkept, images_failed)
    bilingual = not has_words and reporter is None
    return Outcome(
        kind,
        _tip_reply(
            kind,
            tip,
            opted_out=opted_out,
            images_failed=images_failed,
            notices=notices,
            bilingual=bilingual,
        ),
        tip.language,
        tip.tip_number,
        is_emergency=tip.urgency in ALERTING_URGENCIES,
        images_stored=images_stored,
        notices=notices,
        is_bilingual=bilingual,
    )
