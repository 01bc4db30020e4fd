"""The notice a web tipster asked for: "there is news on your tip", by SMS or email.

Content-free by design. It never carries the detective's words, the tip number or anything of
the tip: a phone's lock screen or a shared mailbox shows it to whoever looks. The tipster reads
the news on the status page with their tip number and receipt. The contact is decrypted here,
at send time, and nowhere else.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from intake.channels.texts import tipster_text
from intake.channels.twilio_sender import (
    PERMANENT_CODES,
    RETRYABLE_STATUSES,
    StandInHttpClient,
    enqueue_deletion,
)
from intake.config import TwilioSettings
from intake.crypto import Keyring
from intake.identity.service import read_identity
from intake.models import OutboxMessage, Reporter, Tip
from intake.notify.service import send_email
from intake.outbound.senders import SendError, SendResult, register_sender
from intake.outbound.service import WEB_NOTICE_CHANNEL


def notice_text(language: str | None) -> dict[str, str]:
    """The notice in the tipster's language (English for any other)."""
    return {
        "subject": tipster_text("news_subject", language),
        "text": tipster_text("news", language),
    }


def send_web_notice(session: Session, keyring: Keyring, row: OutboxMessage) -> SendResult:
    """Send one ``web-notice`` outbox row by SMS or email; SendError (permanent when retrying
    cannot help)."""
    from intake.extensions import get_settings

    reporter = session.get(Reporter, row.reporter_id) if row.reporter_id else None
    tip = session.get(Tip, row.tip_id) if row.tip_id else None
    if reporter is None or reporter.wrapped_key is None or tip is None:
        raise SendError("nobody to notify (reporter or tip gone)", permanent=True)
    if reporter.is_opted_out or reporter.notify_by is None:
        raise SendError("the tipster no longer wants notices", permanent=True)
    identity = read_identity(keyring, reporter)
    text = notice_text(tip.language)
    settings = get_settings()
    by = (row.payload or {}).get("by")
    if by == "sms" and identity.get("phone"):
        return _by_sms(session, keyring, settings.twilio, identity["phone"], text["text"])
    if by == "email" and identity.get("email"):
        smtp_url, sender = settings.notify.smtp_url, settings.notify.email_from
        if not smtp_url or not sender:
            raise SendError("NOTIFY_SMTP_URL and NOTIFY_EMAIL_FROM are needed for email notices")
        send_email(smtp_url, sender, [identity["email"]], text["subject"], text["text"])
        return SendResult(status="sent")
    raise SendError("the tipster left no contact for this notice", permanent=True)


def _by_sms(
    session: Session, keyring: Keyring, account: TwilioSettings, to: str, body: str
) -> SendResult:
    if not account.can_send:
        raise SendError("Twilio is not configured (account, token, TWILIO_FROM)")
    params: dict[str, Any] = {"to": to, "body": body}
    if account.messaging_service_sid:
        params["messaging_service_sid"] = account.messaging_service_sid
    else:
        params["from_"] = account.from_number
    client = Client(account.account_sid, account.auth_token, http_client=StandInHttpClient(account))
    try:
        sent = client.messages.create(**params)
    except TwilioRestException as error:
        # The library's message can quote the number: keep only the codes.
        code, status = error.code, error.status
        permanent = code in PERMANENT_CODES or (
            status not in RETRYABLE_STATUSES and 400 <= status < 500
        )
        raise SendError(f"Twilio error {code} (HTTP {status})", permanent=permanent) from None
    except (TwilioException, OSError) as error:
        raise SendError(f"Twilio unreachable ({type(error).__name__})") from None
    if sent.sid:
        # Like every message: deleted from Twilio, where it names the tipster's number.
        enqueue_deletion(session, keyring, sent.sid)
    return SendResult(status=(sent.status or "queued").lower())


def register_web_notice_sender() -> None:
    """Deliver the outbox's ``web-notice`` rows."""
    register_sender(WEB_NOTICE_CHANNEL, send_web_notice)
