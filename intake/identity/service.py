"""Reporters: the people behind tips, their identities sealed under a key of their own.

This is the one place that normalises a sender's address, computes its blind index, and finds,
creates, re-keys and reads a reporter; the submission pipeline (:mod:`intake.submissions`) and the
channels call it. Only the outbox and a supervisor's reveal (:mod:`intake.identity.reveal`) read an
identity. Functions flush, never commit: the request, task or command that calls them owns the
transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake import crypto
from intake.crypto import Keyring
from intake.database import adopt, insert_unless_present
from intake.errors import InvalidInputError
from intake.models import Reporter, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Contact:
    """A way to reach a web or API tipster, volunteered by them."""

    phone: str | None = None
    email: str | None = None
    name: str | None = None
    # "sms" or "email": tell me (content-free) when a detective writes. Needs that contact.
    notify_by: str | None = None


# Sender kinds whose address is a phone number (normalised to E.164 before indexing). A number
# on WhatsApp (through Twilio) is its own identity: replies must go back on WhatsApp.
PHONE_KINDS = frozenset({"phone", "whatsapp"})


@dataclass(frozen=True)
class Sender:
    """A channel identity (phone number, platform id, handle)."""

    kind: str  # "phone", "whatsapp", "psid", "igsid", "wa_id", "bsuid", "x_user_id", "handle"
    address: str
    handle: str | None = None
    via: str | None = None  # our address the message came to (a Twilio WhatsApp sender)


@dataclass(frozen=True)
class FoundReporter:
    """A caller's own lookup of the submission's sender (:func:`find_reporter`) in this
    transaction, so the pipeline does not look again; ``reporter`` None: nobody yet."""

    reporter: Reporter | None


def normalise_phone(raw: str, default_region: str = "US") -> str:
    """E.164 form of a phone number, or InvalidInputError."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidInputError(
            fields={"contact": {"phone": ["Not a valid phone number."]}}
        ) from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidInputError(fields={"contact": {"phone": ["Not a valid phone number."]}})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _identity_of(
    sender: Sender | None, contact: Contact | None, default_region: str
) -> tuple[dict[str, str], str | None]:
    """The identity document to seal and the blind-index input, if any.

    Only a channel identity (a sender the provider vouches for: the number a text came from, the
    account a DM came from) gets a blind index and is threaded. A contact typed into the web form
    or the API proves nothing about who typed it: it is kept exactly as given, with its own tip,
    and never looked up, so a stranger quoting someone's phone number can neither change that
    person's identity nor join their tips.
    """
    identity: dict[str, str] = {}
    index_input: str | None = None
    if sender is not None:
        address = (
            normalise_phone(sender.address, default_region)
            if sender.kind in PHONE_KINDS
            else sender.address
        )
        identity = {"kind": sender.kind, "address": address}
        if sender.handle:
            identity["handle"] = sender.handle
        if sender.via:
            identity["via"] = sender.via  # replies leave from where the tipster wrote to
        index_input = f"{sender.kind}:{address}"
    elif contact is not None:
        if contact.phone:
            identity["phone"] = normalise_phone(contact.phone, default_region)
        if contact.email:
            identity["email"] = contact.email.strip()
        if contact.name:
            identity["name"] = contact.name.strip()
    return identity, index_input


def address_index(keyring: Keyring, channel: str, index_input: str) -> str:
    """Blind index of a normalised address on a channel."""
    return crypto.blind_index(keyring, channel, index_input)


def find_reporter(
    session: Session, keyring: Keyring, channel: str, sender: Sender, default_region: str = "US"
) -> Reporter | None:
    """The reporter behind a channel identity, found by blind index."""
    address = (
        normalise_phone(sender.address, default_region)
        if sender.kind in PHONE_KINDS
        else sender.address
    )
    digest = address_index(keyring, channel, f"{sender.kind}:{address}")
    return _reporter_by_index(session, channel, digest)


@dataclass
class ResolvedReporter:
    """The sender's reporter (None: no identity, or a crypto-shredded one), whether it was just
    created, and the identity the submission gave."""

    reporter: Reporter | None
    is_new: bool
    identity: dict[str, str]


def resolve_reporter(
    session: Session,
    keyring: Keyring,
    channel: str,
    sender: Sender | None,
    contact: Contact | None,
    *,
    language: str,
    default_region: str,
    now: datetime,
    found: FoundReporter | None,
) -> ResolvedReporter:
    """Find or create the sender's reporter; a found one is changed only by refresh_reporter."""
    identity, index_input = _identity_of(sender, contact, default_region)
    if not identity:
        return ResolvedReporter(None, False, identity)
    digest = address_index(keyring, channel, index_input) if index_input else None
    reporter = found.reporter if found is not None else None
    if found is None and digest is not None:
        reporter = _reporter_by_index(session, channel, digest)
    if reporter is not None and reporter.wrapped_key is not None:
        return ResolvedReporter(reporter, False, identity)
    reporter, is_new = _new_reporter(session, keyring, channel, digest, identity, language, now)
    return ResolvedReporter(reporter, is_new, identity)


def refresh_reporter(
    keyring: Keyring, resolved: ResolvedReporter, language: str, now: datetime
) -> None:
    """Bring a known reporter up to date, writing only what changed (an UPDATE that rewrites
    the same identity under a new nonce costs a statement and says nothing new)."""
    reporter = resolved.reporter
    if reporter is None or resolved.is_new:
        return
    known = read_identity(keyring, reporter)
    merged = {**known, **resolved.identity}
    if merged != known:
        reporter.address.seal(keyring, merged)
    if reporter.language != language:
        reporter.language = language
    reporter.last_seen_at = now


def _reporter_by_index(session: Session, channel: str, digest: str) -> Reporter | None:
    return session.scalar(
        select(Reporter).where(Reporter.channel == channel, Reporter.address_index == digest)
    )


def _new_reporter(
    session: Session,
    keyring: Keyring,
    channel: str,
    digest: str | None,
    identity: dict[str, str],
    language: str,
    now: datetime,
) -> tuple[Reporter | None, bool]:
    """A new reporter (True), or the one a concurrent request has just created for the same
    address (False; None if that one is crypto-shredded: the tip stands without a reporter)."""
    reporter = Reporter(
        channel=channel,
        address_index=digest,
        language=language,
        is_opted_out=False,
        created_at=now,
        last_seen_at=now,
    )
    reporter.create_data_key(keyring)
    reporter.address.seal(keyring, identity)
    if digest is None:
        session.add(reporter)  # nothing unique to race on
        return reporter, True
    if insert_unless_present(session, reporter):
        adopt(session, reporter)
        return reporter, True
    # Lost a race with another text from the same new address: that reporter is this sender.
    existing = _reporter_by_index(session, channel, digest)
    if existing is None or existing.wrapped_key is None:
        return None, False
    return existing, False


def ensure_reporter(
    session: Session,
    keyring: Keyring,
    channel: str,
    sender: Sender,
    *,
    language: str,
    default_region: str = "US",
) -> Reporter | None:
    """The sender's reporter, created (identity sealed, no tip) when a channel must answer
    someone who has sent no tip yet (HELP, STOP, a sticker); None if it is crypto-shredded."""
    resolved = resolve_reporter(
        session,
        keyring,
        channel,
        sender,
        None,
        language=language,
        default_region=default_region,
        now=utcnow(),
        found=None,
    )
    return resolved.reporter


def rekey_reporter(
    session: Session,
    keyring: Keyring,
    reporter: Reporter,
    sender: Sender,
    *,
    default_region: str = "US",
) -> bool:
    """Move a reporter to a new channel identity of the same person (a WhatsApp user now known
    by their business-scoped id, or on a new number); False when that identity already has a
    reporter of its own, which is then left alone (two reporters are merged by no one)."""
    identity, index_input = _identity_of(sender, None, default_region)
    assert index_input is not None
    digest = address_index(keyring, reporter.channel, index_input)
    if _reporter_by_index(session, reporter.channel, digest) is not None:
        return False
    known = read_identity(keyring, reporter)
    merged = {**known, **identity}
    reporter.address_index = digest
    reporter.address.seal(keyring, merged)
    session.flush()
    return True


def read_identity(keyring: Keyring, reporter: Reporter) -> dict[str, str]:
    """The decrypted identity of a reporter. Only the outbox and a supervisor's reveal call it."""
    return reporter.address.read(keyring)


def set_opted_out(reporter: Reporter, opted_out: bool) -> bool:
    """The one place a tipster is opted out (STOP, a carrier's or platform's refusal) or back in
    (START); True when that changed anything. Logged without who."""
    if reporter.is_opted_out == opted_out:
        return False
    reporter.is_opted_out = opted_out
    log.info("opt-%s recorded", "out" if opted_out else "in")
    return True


def mark_reporter_seen(reporter: Reporter, now: datetime) -> None:
    """Record when the tipster last wrote (the conversation rules read it against the tip's
    activity: later means they asked for a new tip)."""
    reporter.last_seen_at = now
