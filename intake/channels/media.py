"""MMS media: fetched from Twilio with HTTP basic auth, stripped of metadata, then deleted there.

Media stays on Twilio (reachable with the account's credentials) until it is deleted, so once a
photo is stored encrypted in the tip, the copy on Twilio is removed. A failed fetch or an
unreadable file never costs the text of the message: the tip is stored without it, the failure
is logged by the media's id, and that media is left on Twilio for an operator to look at.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import requests

from intake.attachments.rules import AttachmentError, PixelBudget, strip_image
from intake.channels.twilio_sender import TwilioAccount
from webhooks.base import MediaRef
from webhooks.twilio_sms import is_twilio_media_url

log = logging.getLogger(__name__)

# Twilio answers within Twilio's own 15 s webhook limit only if we stay well inside it.
CONNECT_TIMEOUT_SECONDS = 3.05
READ_TIMEOUT_SECONDS = 5.0
FETCH_BUDGET_SECONDS = 8.0
# Twilio refuses MMS over 5 MB, so a larger body is not a photo a resident sent.
MAX_MEDIA_BYTES = 5 * 1024 * 1024
_CHUNK = 64 * 1024


class MediaError(Exception):
    """One piece of media could not be fetched or is not an image we keep."""


@dataclass(frozen=True)
class FetchedMedia:
    """The outcome for one piece of media: clean image bytes, or the reason it was skipped."""

    ref: MediaRef
    image: bytes | None = None
    error: str | None = None

    @property
    def label(self) -> str:
        """The media's provider id (never a secret, never an identity) for logs."""
        return self.ref.provider_media_id or "unknown-media"


def _allowed_url(account: TwilioAccount, url: str) -> bool:
    """Our credentials go only to Twilio, or to the configured stand-in."""
    if is_twilio_media_url(url):
        return True
    base = account.api_base_url
    return bool(base) and url.startswith(base + "/")


def _download(http: requests.Session, account: TwilioAccount, url: str, max_bytes: int) -> bytes:
    response = http.get(
        account.api_url(url),
        auth=(account.account_sid, account.auth_token),
        timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
        stream=True,
    )
    with response:
        if response.status_code != 200:
            raise MediaError(f"HTTP {response.status_code}")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise MediaError("larger than the size cap")
        received = bytearray()
        for chunk in response.iter_content(_CHUNK):
            received.extend(chunk)
            if len(received) > max_bytes:
                raise MediaError("larger than the size cap")
    return bytes(received)


def fetch_media(
    account: TwilioAccount,
    refs: Sequence[MediaRef],
    *,
    max_bytes: int = MAX_MEDIA_BYTES,
    http: requests.Session | None = None,
) -> list[FetchedMedia]:
    """Download each media with basic auth and strip it; one result per ref, never raises."""
    results: list[FetchedMedia] = []
    started = time.monotonic()
    budget = PixelBudget()  # the message's photos together
    client = http or requests.Session()
    try:
        for ref in refs:
            results.append(_fetch_one(client, account, ref, max_bytes, started, budget))
    finally:
        if http is None:
            client.close()
    for result in results:
        if result.error:
            log.warning("twilio media %s not stored: %s", result.label, result.error)
    return results


def _fetch_one(
    http: requests.Session,
    account: TwilioAccount,
    ref: MediaRef,
    max_bytes: int,
    started: float,
    budget: PixelBudget,
) -> FetchedMedia:
    content_type = (ref.content_type or "").lower()
    if content_type and not content_type.startswith("image/"):
        return FetchedMedia(ref, error=f"not an image ({content_type[:40]})")
    if not _allowed_url(account, ref.url):
        return FetchedMedia(ref, error="not a Twilio media URL")
    if not (account.account_sid and account.auth_token):
        return FetchedMedia(ref, error="Twilio credentials are not configured")
    if time.monotonic() - started > FETCH_BUDGET_SECONDS:
        return FetchedMedia(ref, error="out of time for this message")
    try:
        data = _download(http, account, ref.url, max_bytes)
        clean = strip_image(data, budget)
    except MediaError as error:
        return FetchedMedia(ref, error=str(error))
    except AttachmentError:
        return FetchedMedia(ref, error="not a readable image")
    except requests.RequestException as error:
        # The exception text holds the URL; its type is enough for the operator.
        return FetchedMedia(ref, error=f"fetch failed ({type(error).__name__})")
    return FetchedMedia(ref, image=clean.data)


def delete_media(
    account: TwilioAccount, fetched: Sequence[FetchedMedia], *, http: requests.Session | None = None
) -> int:
    """Delete from Twilio every media that was stored; returns how many were deleted."""
    deleted = 0
    client = http or requests.Session()
    try:
        for item in fetched:
            if item.image is None or not _allowed_url(account, item.ref.url):
                continue
            try:
                response = client.delete(
                    account.api_url(item.ref.url),
                    auth=(account.account_sid, account.auth_token),
                    timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
                )
                response.close()
            except requests.RequestException as error:
                log.warning(
                    "twilio media %s stored but not deleted (%s)", item.label, type(error).__name__
                )
                continue
            # 404: already gone (deleted by a concurrent redelivery), which is what we want.
            if response.status_code in (200, 204, 404):
                deleted += 1
            else:
                log.warning(
                    "twilio media %s stored but not deleted (HTTP %s)",
                    item.label,
                    response.status_code,
                )
    finally:
        if http is None:
            client.close()
    return deleted
