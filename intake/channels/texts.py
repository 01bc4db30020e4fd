"""Everything a tipster is told on a messaging channel: one table, translated with gettext.

Each text has a context: ``sms`` (Twilio SMS, MMS and WhatsApp through Twilio: the tipster has a
phone number and sends "texts"), ``dm`` (Messenger, Instagram, WhatsApp Cloud API and X: no
phone number, "messages") or ``tipster`` (the same words on every channel, and the notice a web
tipster asked for). A context without its own text uses the ``tipster`` one. The English
wording is the msgid; the Spanish is in ``intake/translations/es`` (``make messages`` extracts
these with the ``_text`` keyword).

SMS texts are short: every 160 characters (70 with accents) is one more segment. The answer's
parts are joined with a space by SMS (one paragraph) and with a blank line in a DM.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

SMS = "sms"
DM = "dm"
SHARED = "tipster"
LANGUAGES = ("en", "es")
_DIRECTORY = Path(__file__).resolve().parent.parent / "translations"


def _text(context: str, msgid: str) -> tuple[str, str]:
    """Mark a tipster text for extraction (``pybabel extract -k _text:1c,2``)."""
    return context, msgid


# Keys are the conversation outcome kinds and the notices appended to an answer.
TEXTS: dict[str, tuple[tuple[str, str], ...]] = {
    "emergency": (_text(SHARED, "If anyone is in danger right now, call 911 at once."),),
    "new_tip": (
        _text(
            SMS,
            "Tip {tip_number} received. Your phone number is protected: it is encrypted and no "
            "officer ever sees it. Your tip goes to the unit for that area; a detective may text "
            "you a question here. Reply NEW for a separate tip, STOP to end texts.",
        ),
        _text(
            DM,
            "Thank you. Your tip number is {tip_number}. Who you are is encrypted and no officer "
            "sees it. A detective may ask you questions here. Send NEW for a separate tip, STOP "
            "to get no more messages.",
        ),
    ),
    "followup": (_text(SHARED, "Added to tip {tip_number}. Thank you."),),
    "help": (
        _text(
            SMS,
            "Anonymous tip line. Text what you know; your number is encrypted and never shown "
            "to officers. Reply NEW for a new tip, STOP to end texts. In danger now? Call 911.",
        ),
        _text(
            DM,
            "Anonymous tip line. Tell us what you know; who you are is encrypted and never "
            "shown to officers. Send NEW for a new tip, STOP to get no more messages. In danger "
            "now? Call 911.",
        ),
    ),
    "start": (
        _text(SMS, "You will get texts from the tip line again. Reply STOP to end them."),
        _text(DM, "You will get messages from the tip line again. Send STOP to end them."),
    ),
    "new": (
        _text(SMS, "OK: your next text starts a new tip with its own number."),
        _text(DM, "OK: your next message starts a new tip with its own number."),
    ),
    "empty": (
        _text(SMS, "Text us what you know. If anyone is in danger now, call 911."),
        _text(DM, "Write to us what you know. If anyone is in danger now, call 911."),
    ),
    # A carrier confirms STOP itself (and refuses anything sent afterwards): no SMS text.
    "stop": (
        _text(DM, "You will get no more messages from the tip line. Send START to get them again."),
    ),
    "forget": (
        _text(
            SHARED,
            "Done: your number is deleted from the tip line for good. Your tips stay with the "
            "detectives, who can no longer text you. A new text starts a new tip.",
        ),
    ),
    "forget_later": (
        _text(
            SHARED,
            "The law requires us to keep one of your tips for now; your number will be deleted "
            "as soon as that ends. Nobody sees it without a recorded reason.",
        ),
    ),
    "photo_failed": (
        _text(SMS, "We could not read your photo; please describe it in a text."),
        _text(DM, "We could not keep your photo; please describe it in a message."),
    ),
    "media_failed": (
        _text(SMS, "We could not keep your photo, video or file; please describe it in a text."),
        _text(DM, "We could not keep your photo, video or file; please describe it in a message."),
    ),
    "voice_failed": (
        _text(SHARED, "We cannot keep voice messages; please write what you wanted to say."),
    ),
    "unsupported": (_text(SHARED, "We could not read your message; please write it as text."),),
    "encrypted": (
        _text(SMS, "We cannot read encrypted chats; please send it as a regular message."),
        _text(
            DM,
            "We cannot read encrypted X Chat messages; please send it again as a regular direct "
            "message, or use the tip line's web form.",
        ),
    ),
    # The content-free notice a web tipster asked for (by SMS or email): never the detective's
    # words, never the tip number (a lock screen or a shared mailbox shows it).
    "news": (
        _text(SHARED, "There is news on your tip. Check it with your tip number and receipt."),
    ),
    "news_subject": (_text(SHARED, "News on your tip"),),
}


@lru_cache(maxsize=4)
def _catalogue(language: str) -> NullTranslations:
    """The compiled catalogue of a language (English: the msgids themselves)."""
    if language == "en":
        return NullTranslations()
    return Translations.load(str(_DIRECTORY), [language])


def has_text(key: str, context: str) -> bool:
    """True when ``key`` has words for ``context`` (its own or the shared ones)."""
    return any(own in (context, SHARED) for own, _ in TEXTS.get(key, ()))


def tipster_text(key: str, language: str | None, context: str = SMS, **values: str) -> str:
    """The text ``key`` for ``context`` in the tipster's language (English for any other).

    KeyError when the key has no text for that context.
    """
    entries = dict(TEXTS[key])
    own = context if context in entries else SHARED
    msgid = entries[own]
    language = language if language in LANGUAGES else "en"
    return str(_catalogue(language).pgettext(own, msgid)).format(**values)


def reply_text(kind: str, language: str, *, tip_number: str | None = None) -> str:
    """A tipster-facing SMS text in English or Spanish (English for any other language)."""
    return tipster_text(kind, language, SMS, tip_number=tip_number or "")


def compose(
    kind: str,
    languages: tuple[str, ...],
    context: str,
    *,
    tip_number: str | None = None,
    is_emergency: bool = False,
    notices: tuple[str, ...] = (),
) -> str:
    """An answer: danger first, the outcome's text, then what to do about content not kept;
    one block per language (two when the tipster's language is not known)."""
    separator = " " if context == SMS else "\n\n"
    blocks = []
    for language in languages:
        parts = [tipster_text("emergency", language, context)] if is_emergency else []
        parts.append(tipster_text(kind, language, context, tip_number=tip_number or ""))
        parts += [tipster_text(notice, language, context) for notice in notices]
        blocks.append(separator.join(parts))
    return "\n\n".join(blocks)
