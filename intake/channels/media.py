"""MMS media: fetched from Twilio with HTTP basic auth, stripped of metadata, then deleted there.

Media stays on Twilio (reachable with the account's credentials) until it is deleted, so once a
photo is stored encrypted in the tip, the copy on Twilio is removed. A failed fetch or an
unreadable file never costs the text of the message: the tip is stored without it, the failure
is logged by the media's id, and that media is left on Twilio for an operator to look at.
Downloads and deletions go through :mod:`intake.channels.fetch` under Twilio's policy: the
credentials go to api.twilio.com (or the configured stand-in) only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from intake.attachments.rules import AttachmentError, PixelBudget, strip_image
from intake.channels.fetch import (
    FetchBudget,
    Fetcher,
    FetchError,
    FetchRefusedError,
    Resolver,
    basic_auth,
    twilio_policy,
)
from intake.config import TwilioSettings
from webhooks.base import MediaRef

log = logging.getLogger(__name__)

# Twilio answers within Twilio's own 15 s webhook limit only if we stay well inside it: every
# download (and deletion) of one webhook shares this much time.
FETCH_BUDGET_SECONDS = 8.0
# Twilio refuses MMS over 5 MB in total, so a larger body is not a photo a resident sent.
MAX_MEDIA_BYTES = 5 * 1024 * 1024
MAX_MESSAGE_MEDIA_BYTES = 5 * 1024 * 1024


def new_budget() -> FetchBudget:
    """The download allowance of one Twilio webhook request."""
    return FetchBudget(FETCH_BUDGET_SECONDS, MAX_MESSAGE_MEDIA_BYTES)


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


def fetch_media(
    account: TwilioSettings,
    refs: Sequence[MediaRef],
    *,
    max_bytes: int = MAX_MEDIA_BYTES,
    budget: FetchBudget | None = None,
    resolver: Resolver | None = None,
) -> list[FetchedMedia]:
    """Download each media with basic auth and strip it; one result per ref, never raises."""
    budget = budget or new_budget()
    with Fetcher(twilio_policy(account.api_base_url), resolver=resolver) as fetcher:
        pixels = PixelBudget()  # the message's photos together
        results = [_fetch_one(fetcher, account, ref, max_bytes, budget, pixels) for ref in refs]
    for result in results:
        if result.error:
            log.warning("twilio media %s not stored: %s", result.label, result.error)
    return results


def _fetch_one(
    fetcher: Fetcher,
    account: TwilioSettings,
    ref: MediaRef,
    max_bytes: int,
    budget: FetchBudget,
    pixels: PixelBudget,
) -> FetchedMedia:
    content_type = (ref.content_type or "").lower()
    if content_type and not content_type.startswith("image/"):
        return FetchedMedia(ref, error=f"not an image ({content_type[:40]})")
    if not (account.account_sid and account.auth_token):
        return FetchedMedia(ref, error="Twilio credentials are not configured")
    try:
        fetched = fetcher.get(
            ref.url,
            budget=budget,
            max_bytes=max_bytes,
            credential=basic_auth(account.account_sid, account.auth_token),
        )
        clean = strip_image(fetched.data, pixels)
    except FetchRefusedError as error:
        return FetchedMedia(ref, error=f"refused: {error.reason}")
    except FetchError as error:
        return FetchedMedia(ref, error=error.reason)
    except AttachmentError:
        return FetchedMedia(ref, error="not a readable image")
    return FetchedMedia(ref, image=clean.data)


def delete_media(
    account: TwilioSettings,
    fetched: Sequence[FetchedMedia],
    *,
    budget: FetchBudget | None = None,
    resolver: Resolver | None = None,
) -> int:
    """Delete from Twilio every media that was stored; returns how many were deleted."""
    deleted = 0
    budget = budget or new_budget()
    credential = basic_auth(account.account_sid, account.auth_token)
    with Fetcher(twilio_policy(account.api_base_url), resolver=resolver) as fetcher:
        for item in fetched:
            if item.image is None:
                continue
            try:
                status = fetcher.delete(item.ref.url, budget=budget, credential=credential)
            except FetchError as error:
                log.warning("twilio media %s stored but not deleted (%s)", item.label, error.reason)
                continue
            # 404: already gone (deleted by a concurrent redelivery), which is what we want.
            if status in (200, 204, 404):
                deleted += 1
            else:
                log.warning("twilio media %s stored but not deleted (HTTP %s)", item.label, status)
    return deleted
