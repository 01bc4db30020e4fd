"""The one media fetcher: photos that Twilio, Meta and X hold for us, downloaded and stripped.

Every download goes through :mod:`intake.channels.fetch` under its provider's policy
(allow-listed hosts, credentials only to the hosts that need them, no private addresses) and
within one allowance of time and bytes for the whole webhook: the provider waits for our answer
(Twilio 15 s at most). Only photos are downloaded; a failed or unreadable one never costs the
words of the message: it is counted, logged by the media's id, and becomes a placeholder.

Twilio keeps an MMS photo (reachable with the account's credentials) until it is deleted, so
once a photo is stored encrypted in the tip, the copy on Twilio is removed
(:func:`delete_media`, after the commit). Nothing here logs a URL: Graph and X URLs can carry a
sender's id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from intake.attachments.rules import AttachmentError, PixelBudget, strip_image
from intake.channels.fetch import (
    FetchBudget,
    Fetched,
    Fetcher,
    FetchError,
    FetchPolicy,
    FetchRefusedError,
    Resolver,
    basic_auth,
    bearer,
    meta_policy,
    twilio_policy,
    x_policy,
)
from intake.config import Settings, TwilioSettings
from webhooks import meta, twilio_sms, x
from webhooks.base import InboundMessage, MediaRef

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Allowance:
    """What one webhook of a provider may spend on downloads, and one photo at most."""

    seconds: float
    total_bytes: int
    photo_bytes: int | None  # None: the configured upload limit
    photos_per_message: int


# Twilio waits 15 s for our answer: every download (and deletion) of one webhook shares 8 s.
# Twilio refuses MMS over 5 MB in total, so a larger body is not a photo a resident sent.
TWILIO_ALLOWANCE = Allowance(8.0, 5 * 1024 * 1024, 5 * 1024 * 1024, twilio_sms.MAX_MEDIA)
# Meta and X wait for our 200 while every message of the delivery is fetched.
SOCIAL_ALLOWANCE = Allowance(10.0, 25 * 1024 * 1024, None, 5)
ALLOWANCES = {twilio_sms.PROVIDER: TWILIO_ALLOWANCE}
# A WhatsApp media look-up answers a small JSON document.
_LOOKUP_MAX_BYTES = 64 * 1024


class MediaFetchError(Exception):
    """A piece of media could not be fetched or is not a photo we keep."""


def allowance(provider: str) -> Allowance:
    """The download allowance of one webhook of ``provider``."""
    return ALLOWANCES.get(provider, SOCIAL_ALLOWANCE)


def new_budget(provider: str = twilio_sms.PROVIDER) -> FetchBudget:
    """The download allowance of one webhook request (all its messages)."""
    limits = allowance(provider)
    return FetchBudget(limits.seconds, limits.total_bytes)


@dataclass(frozen=True)
class FetchedPhoto:
    """The outcome for one piece of media: clean image bytes, or the reason it was skipped."""

    ref: MediaRef
    image: bytes | None = None
    error: str | None = None

    @property
    def label(self) -> str:
        """The media's provider id (never a secret, never an identity) for logs."""
        return self.ref.provider_media_id or "unknown-media"


@dataclass(frozen=True)
class FetchedMedia:
    """The photos of one message: what was kept, and how many pieces could not be."""

    results: tuple[FetchedPhoto, ...] = ()
    not_tried: int = 0  # over the per-message limit, or no fetcher for the provider

    @property
    def images(self) -> tuple[bytes, ...]:
        """The stripped photos, in the message's order."""
        return tuple(result.image for result in self.results if result.image is not None)

    @property
    def failed(self) -> int:
        """How many pieces of media were not kept."""
        return self.not_tried + sum(1 for result in self.results if result.image is None)


def _policy(message: InboundMessage, settings: Settings) -> FetchPolicy | None:
    if message.provider == twilio_sms.PROVIDER:
        return twilio_policy(settings.twilio.api_base_url)
    if message.provider == meta.PROVIDER:
        return meta_policy(settings.meta.graph_base_url)
    if message.provider == x.PROVIDER:
        return x_policy(settings.x.api_base_url)
    return None


def fetch_photos(
    message: InboundMessage,
    settings: Settings,
    *,
    budget: FetchBudget | None = None,
    resolver: Resolver | None = None,
    max_bytes: int | None = None,
) -> FetchedMedia:
    """Download, check and strip every photo of a message; failures are counted, never raised."""
    limits = allowance(message.provider)
    budget = budget or new_budget(message.provider)
    fetch_policy = _policy(message, settings)
    if fetch_policy is None:
        return FetchedMedia(not_tried=len(message.media))
    limit = max_bytes or limits.photo_bytes or int(settings.max_upload_bytes)
    wanted = message.media[: limits.photos_per_message]
    pixels = PixelBudget()  # the message's photos together
    with Fetcher(fetch_policy, resolver=resolver) as fetcher:
        results = tuple(
            _fetch_one(fetcher, message, ref, settings, limit, budget, pixels) for ref in wanted
        )
    for result in results:
        if result.error:
            # By the media's provider id (never an identity), left at the provider to look at.
            log.warning("%s media %s not stored: %s", message.provider, result.label, result.error)
    return FetchedMedia(results, len(message.media) - len(wanted))


def _fetch_one(
    fetcher: Fetcher,
    message: InboundMessage,
    ref: MediaRef,
    settings: Settings,
    limit: int,
    budget: FetchBudget,
    pixels: PixelBudget,
) -> FetchedPhoto:
    content_type = (ref.content_type or "").lower()
    if content_type and not content_type.startswith("image/"):
        return FetchedPhoto(ref, error=f"not an image ({content_type[:40]})")
    try:
        data = _download(fetcher, message, ref, settings, limit, budget)
        clean = strip_image(data, pixels)
    except FetchRefusedError as error:
        return FetchedPhoto(ref, error=f"refused: {error.reason}")
    except FetchError as error:
        return FetchedPhoto(ref, error=error.reason)
    except MediaFetchError as error:
        return FetchedPhoto(ref, error=str(error))
    except AttachmentError:
        return FetchedPhoto(ref, error="not a readable image")
    return FetchedPhoto(ref, image=clean.data)


def _download(
    fetcher: Fetcher,
    message: InboundMessage,
    ref: MediaRef,
    settings: Settings,
    limit: int,
    budget: FetchBudget,
) -> bytes:
    if message.provider == twilio_sms.PROVIDER:
        account = settings.twilio
        if not (account.account_sid and account.auth_token):
            raise MediaFetchError("Twilio credentials are not configured")
        credential = basic_auth(account.account_sid, account.auth_token)
        return fetcher.get(ref.url, budget=budget, max_bytes=limit, credential=credential).data
    if message.provider == meta.PROVIDER and ref.provider_media_id and not ref.url:
        return _download_whatsapp(fetcher, ref.provider_media_id, settings, limit, budget)
    if message.provider == meta.PROVIDER:
        # Messenger and Instagram hand out a signed CDN URL: no token is sent with it.
        return _image(fetcher.get(ref.url, budget=budget, max_bytes=limit))
    token = settings.x.bearer_token
    if not token:
        raise MediaFetchError("X_BEARER_TOKEN is not set")
    return _image(fetcher.get(ref.url, budget=budget, max_bytes=limit, credential=bearer(token)))


def _download_whatsapp(
    fetcher: Fetcher, media_id: str, settings: Settings, limit: int, budget: FetchBudget
) -> bytes:
    token = settings.meta.whatsapp_access_token
    if not token:
        raise MediaFetchError("META_WHATSAPP_ACCESS_TOKEN is not set")
    lookup = meta.media_request(
        media_id,
        graph_base_url=settings.meta.graph_base_url,
        api_version=settings.meta.graph_api_version,
        access_token=token,
    )
    answer = fetcher.get(
        lookup.url, budget=budget, max_bytes=_LOOKUP_MAX_BYTES, credential=bearer(token)
    )
    try:
        document = json.loads(answer.data)
    except ValueError:
        document = None
    url = document.get("url") if isinstance(document, dict) else None
    if not isinstance(url, str) or not url:
        raise MediaFetchError("media look-up answered no URL")
    # The URL the look-up names is checked like any payload URL: the token goes only to
    # Meta's media host (or the configured stand-in).
    return _image(fetcher.get(url, budget=budget, max_bytes=limit, credential=bearer(token)))


def _image(fetched: Fetched) -> bytes:
    """The body of a download, refused when its declared type is not an image."""
    content_type = fetched.content_type
    if content_type and not content_type.startswith(("image/", "application/octet-stream")):
        raise MediaFetchError("media is not an image")
    return fetched.data


def delete_media(
    account: TwilioSettings,
    fetched: Sequence[FetchedPhoto],
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
