"""The conversation rules on their own, for a channel other than SMS (a Messenger id)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, select

from intake.channels import conversation
from intake.identity.service import Sender
from intake.models import Message, Tip, utcnow

WINDOW = timedelta(hours=24)
PSID = "6234987162349871"


def incoming(text: str, event_id: str | None = None) -> conversation.IncomingText:
    """A Messenger message from the same sender."""
    return conversation.IncomingText(
        channel="messenger",
        provider="meta",
        event_id=event_id or "m_" + secrets.token_hex(12),
        sender=Sender(kind="psid", address=PSID),
        text=text,
    )


def handle(session, keyring, text: str, **kw) -> conversation.Outcome:
    """Apply the rules and commit, as a webhook request does."""
    outcome = conversation.handle_incoming(session, keyring, incoming(text), window=WINDOW, **kw)
    session.commit()
    return outcome


def test_the_window_is_measured_from_the_last_activity(session, keyring) -> None:
    first = handle(session, keyring, "Someone deals drugs from the blue house on Pine Street.")
    assert first.kind == conversation.NEW_TIP and first.tip_number

    later = utcnow() + timedelta(hours=23)
    joined = handle(session, keyring, "They have a dog.", now=later)
    assert joined.kind == conversation.FOLLOWUP and joined.tip_number == first.tip_number

    # The follow-up renewed the window: 23 h after it is still inside, 25 h is not.
    tip = session.scalar(select(Tip))
    tip.last_tipster_activity_at = utcnow() - timedelta(hours=25)
    session.commit()
    fresh = handle(session, keyring, "Also cars are broken into nightly on Oak Street.")
    assert fresh.kind == conversation.NEW_TIP and fresh.tip_number != first.tip_number


def test_a_closed_tip_is_not_joined_by_the_window(session, keyring) -> None:
    first = handle(session, keyring, "Someone deals drugs from the blue house on Pine Street.")
    session.scalar(select(Tip)).status = "closed"
    session.commit()

    second = handle(session, keyring, "Now there is graffiti on the school wall.")
    assert second.kind == conversation.NEW_TIP and second.tip_number != first.tip_number

    named = handle(session, keyring, f"About {first.tip_number}: they are back.")
    assert named.kind == conversation.FOLLOWUP and named.tip_number == first.tip_number


def test_replies_are_in_the_tip_language(session, keyring) -> None:
    outcome = handle(session, keyring, "Venden drogas en la esquina cerca del parque.")
    assert outcome.language == "es" and outcome.reply is not None
    assert outcome.reply.startswith(f"Recibimos su denuncia {outcome.tip_number}")

    followup = handle(session, keyring, "Son dos hombres.")
    assert followup.reply == f"Añadido a la denuncia {outcome.tip_number}. Gracias."


def test_a_redelivered_event_changes_nothing(session, keyring) -> None:
    message = incoming("Someone deals drugs from the blue house on Pine Street.")
    first = conversation.handle_incoming(session, keyring, message, window=WINDOW)
    session.commit()
    again = conversation.handle_incoming(session, keyring, message, window=WINDOW)
    session.commit()

    assert again.is_replay and again.reply == first.reply
    assert session.scalar(select(func.count()).select_from(Tip)) == 1
    assert session.scalar(select(func.count()).select_from(Message)) == 0


# --- the decision alone: a pure function of the message ----------------------------------------


def decide(text: str, **facts: bool) -> str:
    """The kind :func:`conversation.decide` answers for ``text``."""
    defaults = {"has_images": False, "has_notes": False, "is_greeting": False, "opted_out": False}
    return conversation.decide(text, **{**defaults, **facts}).kind


def test_the_decision_is_a_tip_a_keyword_or_nothing() -> None:
    assert decide("There is a man with a gun at the corner of 5th") == conversation.TIP
    assert decide("Stop.") == conversation.STOP
    assert decide("  ayuda ") == conversation.HELP
    assert decide("nuevo") == conversation.NEW
    assert decide("olvídame") == conversation.FORGET
    assert decide("") == conversation.EMPTY
    # What came with the words counts: a photo or a shared card alone is a tip.
    assert decide("", has_images=True) == conversation.TIP
    assert decide("", has_notes=True) == conversation.TIP


def test_start_is_a_keyword_only_for_an_opted_out_sender() -> None:
    assert decide("START", opted_out=True) == conversation.START
    assert decide("yes", opted_out=False) == conversation.TIP  # an ordinary answer


def test_a_chat_opened_without_a_word_is_answered_as_help() -> None:
    assert decide("", is_greeting=True) == conversation.HELP
    assert decide("", is_greeting=True, has_notes=True) == conversation.TIP


def test_a_spanish_keyword_tells_the_language() -> None:
    assert (
        conversation.decide(
            "ALTO", has_images=False, has_notes=False, is_greeting=False, opted_out=False
        ).language
        == "es"
    )
    assert (
        conversation.decide(
            "STOP", has_images=False, has_notes=False, is_greeting=False, opted_out=False
        ).language
        is None
    )


def test_a_bare_link_tells_no_language() -> None:
    assert not conversation.tells_language_by("https://t.co/abc123 www.example.org/x")
    assert conversation.tells_language_by("mira esto https://t.co/abc123")


def test_a_keyword_the_provider_matched_counts_as_that_keyword() -> None:
    # Twilio's OptOutType names the custom words of a Messaging Service's Advanced Opt-Out.
    def declared(text: str, word: str, *, opted_out: bool = False) -> str:
        return conversation.decide(
            text,
            has_images=False,
            has_notes=False,
            is_greeting=False,
            opted_out=opted_out,
            declared=word,
        ).kind

    assert declared("BAJA", "stop") == conversation.STOP
    assert declared("SOCORRO", "help") == conversation.HELP
    assert declared("ALTA", "start", opted_out=True) == conversation.START
    assert declared("ALTA", "start") == conversation.TIP  # not opted out: their words
    assert declared("HELP", "stop") == conversation.HELP  # our own reading of the words wins
