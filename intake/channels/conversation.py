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

Steps 2 and 5 (new tip or follow-up, keyword, nothing) are decided by :func:`decide`, a pure
function of the text and what came with it; :func:`handle_incoming` reads what the decision
needs and writes it through ``submissions`` (tips, reporters, inbound events, opt-outs).
Everything flushes, nothing commits: the webhook request owns the transaction. The caller sends
``Outcome.reply`` back on the channel (``None``: send nothing, for instance after an SMS STOP),
worded for its context (:mod:`intake.channels.texts`: ``sms`` or ``dm``).

"NEW" is remembered without a column of its own: every stored text sets the reporter's
``last_seen_at`` to exactly the tip's ``last_tipster_activity_at``, and NEW moves it later, so
``last_seen_at`` after the latest tip activity means "the next text starts a new tip".
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake import crypto
from intake.channels.texts import SMS, compose, has_text
from intake.channels.texts import reply_text as reply_text  # the SMS wording, by kind (bench)
from intake.crypto import Keyring
from intake.errors import InvalidInputError
from intake.identity.service import (
    FoundReporter,
    Sender,
    find_reporter,
    mark_reporter_seen,
    set_opted_out,
)
from intake.models import ALERTING_URGENCIES, InboundEvent, Message, Reporter, Tip, utcnow
from intake.search.index import tokens_of
from intake.submissions.rules import find_tip_number
from intake.submissions.service import (
    DuplicateEventError,
    PreparedTip,
    TipSubmission,
    _claim_event,
    add_followup,
    create_tip,
    find_event,
    prepare_tip,
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
# What :func:`decide` answers for a message to keep: a new tip or a follow-up, by its thread.
TIP = "tip"
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
    # A keyword the provider matched itself ("stop", "start", "help": Twilio's OptOutType for
    # the words configured in Advanced Opt-Out), honoured even when the text is not ours.
    keyword: str | None = None


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


_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def tells_language_by(text: str) -> bool:
    """True when a text has words of the sender's beyond links (a language can be told)."""
    return bool(_LINK.sub(" ", text).strip())


def _language_of_keyword(text: str) -> str | None:
    folded = "".join(text.strip(_KEYWORD_TRIM).split()).casefold()
    return "es" if folded in _SPANISH_KEYWORDS else None


def answer_text(outcome: Outcome, context: str = SMS, *, opted_out: bool = False) -> str | None:
    """What to send back for an outcome, worded for ``context`` (None: send nothing).

    An opted-out tipster is sent nothing, but for a DM STOP: no platform confirms it, so the
    confirmation is the one message they still get. An SMS STOP has no text (the carrier
    confirms it).
    """
    if opted_out and not (outcome.kind == STOP and context != SMS):
        return None
    if not has_text(outcome.kind, context):
        return None
    tip_kinds = outcome.kind in (NEW_TIP, FOLLOWUP)
    return compose(
        outcome.kind,
        ("en", "es") if outcome.is_bilingual else (outcome.language or "en",),
        context,
        tip_number=outcome.tip_number,
        is_emergency=outcome.is_emergency and tip_kinds,
        notices=outcome.notices if tip_kinds else (),
    )


def _answered(outcome: Outcome, context: str, opted_out: bool) -> Outcome:
    return replace(outcome, reply=answer_text(outcome, context, opted_out=opted_out))


@dataclass(frozen=True)
class Decision:
    """What to do with one message: FORGET, a keyword (STOP, START, HELP, NEW), EMPTY (nothing
    to keep: ask for words) or TIP (keep it: a new tip or a follow-up, by its thread)."""

    kind: str
    language: str | None = None  # told by a Spanish keyword ("ALTO", "AYUDA", "OLVIDAR")


def decide(
    text: str,
    *,
    has_images: bool,
    has_notes: bool,
    is_greeting: bool,
    opted_out: bool,
    declared: str | None = None,
) -> Decision:
    """The rules' decision for one message, before threading: a pure function of its text,
    whether photos or notes came with it, whether it opened a chat without content, whether
    the sender is opted out, and the keyword the provider ``declared`` it to be (if any)."""
    folded = _folded(text)
    if folded in _FORGET_WORDS:
        return Decision(FORGET, "es" if folded in _FORGET_SPANISH else None)
    has_words = bool(text.strip())
    word = keyword(text) or declared
    if word == START and not opted_out:
        word = None  # "yes" / "start" from someone not opted out is an ordinary answer
    if word is None and is_greeting and not (has_words or has_notes):
        word = HELP  # a chat opened without a word: tell them what this line is
    if word is not None:
        return Decision(word, _language_of_keyword(text))
    if not has_words and not has_images and not has_notes:
        return Decision(EMPTY)  # an empty text, a sticker
    return Decision(TIP)


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
    context: str = SMS,
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
        word = keyword(incoming.text) or incoming.keyword
        language = language or "en"
        if word in (HELP, NEW, START) and not opted_out:
            return _answered(Outcome(word, None, language, is_replay=True), context, False)
        if word is None and not incoming.text.strip() and not opted_out:
            # An empty text or a sticker asked for words: the same answer again.
            again = Outcome(EMPTY, None, language, is_replay=True, is_bilingual=reporter is None)
            return _answered(again, context, False)
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
    outcome = Outcome(
        FOLLOWUP if is_followup else NEW_TIP,
        None,
        tip.language,
        tip.tip_number,
        is_emergency=tip.urgency in ALERTING_URGENCIES,
        is_replay=True,
    )
    return _answered(outcome, context, opted_out)


def _apply_keyword(
    session: Session, word: str, reporter: Reporter | None, language: str, now: datetime
) -> Outcome:
    if word == STOP:
        if reporter is not None:
            set_opted_out(reporter, True)
        else:
            log.info("opt-out from an unknown sender: nothing to record")
        return Outcome(STOP, None, language)
    if word == START:
        assert reporter is not None
        set_opted_out(reporter, False)
        return Outcome(START, None, language)
    if word == NEW and reporter is not None:
        mark_reporter_seen(reporter, now)  # later than the last activity: "start a new tip"
    return Outcome(word, None, language)


def _folded(text: str) -> str:
    return "".join(text.strip(_KEYWORD_TRIM).split()).casefold()


def _forget(
    session: Session, reporter: Reporter | None, language: str, channel: str, now: datetime
) -> Outcome:
    """FORGET / OLVIDAR: shred the sender's identity now (intake.lifecycle); the tips stay."""
    from intake.lifecycle.service import FORGET_LATER as DEFERRED
    from intake.lifecycle.service import forget_reporter

    done = forget_reporter(session, reporter, via=channel, now=now)
    log.info("forget request handled outcome=%s", done)
    return Outcome(FORGET_LATER if done == DEFERRED else FORGET, None, language)


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
    session: Session,
    keyring: Keyring,
    tip: Tip,
    incoming: IncomingText,
    now: datetime,
    tokens: frozenset[bytes] | None = None,
) -> tuple[Message, int]:
    """Add the text (and images) to the thread; images that fail never cost the text.
    ``tokens``: the blind tokens of ``incoming.text``, computed before the transaction."""

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
            tokens=tokens if text == incoming.text else None,
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
    prepared: PreparedTip | None = None,
) -> tuple[Tip, int]:
    """Submit a new tip; images that fail never cost the text.

    The event was looked up and the sender found (or not) by the caller in this transaction.
    ``prepared``: the tip built before the transaction (:func:`_prepare`), if any.
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
            prepared=prepared,
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


def _narrative(incoming: IncomingText) -> str:
    """What is stored of a text to keep: the tipster's words, then the notes for the detective."""
    return "\n".join(part for part in (incoming.text.strip(), *incoming.notes) if part)


def _new_tip_submission(incoming: IncomingText, narrative: str) -> TipSubmission:
    """The submission of a text that starts a tip (its language is set once the sender is
    known)."""
    return TipSubmission(
        channel=incoming.channel,
        narrative=narrative,
        lat=incoming.location[0] if incoming.location else None,
        lon=incoming.location[1] if incoming.location else None,
        point_kind="shared",
        sender=incoming.sender,
        images=incoming.images,
        provider=incoming.provider,
        provider_event_id=incoming.event_id,
    )


@dataclass(frozen=True)
class _Early:
    """What a text to keep needs that takes no statement: the blind tokens of its words (a
    follow-up) and its tip, classified, routed and sealed (a new tip)."""

    tokens: frozenset[bytes]
    tip: PreparedTip | None


def _prepare(session: Session, keyring: Keyring, incoming: IncomingText) -> _Early | None:
    """The CPU work of a text that will be kept, done before its transaction's first statement
    (None for a keyword or an empty text). Which of the two is used is only known once the
    sender's thread is read: the other is dropped, having cost no lock."""
    decision = decide(
        incoming.text,
        has_images=bool(incoming.images),
        has_notes=bool(incoming.notes),
        is_greeting=incoming.is_greeting,
        opted_out=False,  # START from an opted-out sender is a keyword: the work is dropped
        declared=incoming.keyword,
    )
    if decision.kind != TIP:
        return None
    narrative = _narrative(incoming)
    tokens = tokens_of(keyring, narrative)
    if incoming.images:
        return _Early(tokens, None)  # photos may fail alone: create_tip builds its own tip
    try:
        prepared = prepare_tip(session, keyring, _new_tip_submission(incoming, narrative))
    except InvalidInputError:
        return _Early(tokens, None)  # refused the same way in the transaction, as before
    return _Early(tokens, prepared)


def handle_incoming(
    session: Session,
    keyring: Keyring,
    incoming: IncomingText,
    *,
    window: timedelta,
    default_region: str = "US",
    now: datetime | None = None,
    context: str = SMS,
) -> Outcome:
    """Apply the conversation rules to one inbound text; flushes, the caller commits.

    ``context`` words the reply (``sms`` or ``dm``, see :mod:`intake.channels.texts`).
    Raises InvalidInputError when the sender's address is unusable or the text too long.
    """
    now = now or utcnow()
    event_key = incoming.event_id[:128]
    # Before the first statement (on SQLite it takes the write lock): the CPU work a text to
    # keep needs whatever its thread turns out to be.
    early = _prepare(session, keyring, incoming)
    # The one lookup of this event in the request; the pipeline is told it was not there.
    seen = find_event(session, incoming.provider, event_key)
    if seen is not None:
        return replay_outcome(
            session, keyring, incoming, default_region=default_region, event=seen, context=context
        )
    found = find_reporter(session, keyring, incoming.channel, incoming.sender, default_region)
    # A crypto-shredded reporter has no identity left: nothing to thread with.
    reporter = found if found is not None and found.wrapped_key is not None else None
    opted_out = reporter is not None and reporter.is_opted_out
    decision = decide(
        incoming.text,
        has_images=bool(incoming.images),
        has_notes=bool(incoming.notes),
        is_greeting=incoming.is_greeting,
        opted_out=opted_out,
        declared=incoming.keyword,
    )
    language = decision.language or (reporter.language if reporter and reporter.language else "en")

    def replayed() -> Outcome:
        return replay_outcome(
            session, keyring, incoming, default_region=default_region, context=context
        )

    has_words = bool(incoming.text.strip())
    # A bare link (X puts one in the text of every DM with media) is kept, but it is no word
    # of the tipster's to tell their language by.
    tells_language = tells_language_by(incoming.text)
    if decision.kind == FORGET:
        if not _claim_event(session, incoming.provider, event_key):
            return replayed()
        # The answer goes back on this webhook's own response: no address is needed.
        outcome = _forget(session, reporter, language, incoming.channel, now)
        return _answered(outcome, context, opted_out)
    if decision.kind not in (TIP, EMPTY):
        if not _claim_event(session, incoming.provider, event_key):
            return replayed()
        outcome = _apply_keyword(session, decision.kind, reporter, language, now)
        # Nothing tells a newcomer's language by a HELP without words: answer in both.
        bilingual = decision.kind == HELP and not has_words and reporter is None
        # START has just lifted the opt-out: its confirmation is the first message sent again.
        silenced = opted_out and decision.kind != START
        return _answered(replace(outcome, is_bilingual=bilingual), context, silenced)
    if decision.kind == EMPTY:
        # Nothing to keep (an empty text, a sticker): ask for words, once per event (a
        # redelivered sticker is not asked about twice).
        if not _claim_event(session, incoming.provider, event_key):
            return replayed()
        # No word to tell a newcomer's language by (a sticker, an empty text): both.
        empty = Outcome(EMPTY, None, language, is_bilingual=reporter is None)
        return _answered(empty, context, opted_out)

    # The tipster's words, then what the detective should know about the rest.
    narrative = _narrative(incoming)
    stored = replace(incoming, text=narrative)
    quoted = (incoming.provider, incoming.replied_to) if incoming.replied_to else None
    tip = (
        _thread_for(session, reporter, narrative, window, now, quoted)
        if reporter is not None
        else None
    )
    if tip is not None:
        if not _claim_event(session, incoming.provider, event_key, tip_id=tip.id):
            return replayed()
        assert reporter is not None
        # Written before the follow-up's audit event, which must stay last (see record_event).
        # See the module docstring: last_seen_at equal to the activity means "no NEW since".
        mark_reporter_seen(reporter, now)
        tokens = early.tokens if early is not None else None
        _, images_stored = _add_followup(session, keyring, tip, stored, now, tokens)
        kind = FOLLOWUP
    else:
        # A message without words (a photo, a voice note, a contact card) has none to tell
        # the language by: the notes are the detective's English.
        told = None if tells_language else (reporter.language if reporter else "en")
        submission = replace(_new_tip_submission(incoming, narrative), language=told)
        prepared = early.tip if early is not None else None
        if prepared is not None:
            # Built without the language, which only the reporter tells: the same otherwise.
            prepared = replace(prepared, submission=submission)
        try:
            # The pipeline marks the reporter seen at the tip's activity (see the docstring).
            tip, images_stored = _submit(
                session, keyring, submission, default_region, FoundReporter(found), prepared
            )
        except DuplicateEventError:
            return replayed()
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
    outcome = Outcome(
        kind,
        None,
        tip.language,
        tip.tip_number,
        is_emergency=tip.urgency in ALERTING_URGENCIES,
        images_stored=images_stored,
        notices=unkept_notices(incoming.unkept, images_failed),
        is_bilingual=not tells_language and reporter is None,
    )
    return _answered(outcome, context, opted_out)
