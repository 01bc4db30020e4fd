"""Photos that Meta and X hold for us: fetched, stripped of metadata, handed to the pipeline.

Downloads go through :mod:`intake.channels.fetch` (allow-listed hosts per provider, the token
only to the hosts that need it, no private addresses, one budget per webhook). This is also
where the social channels send an adapter's PreparedRequest (replies, in the senders). Base URLs
come from settings so tests and staging point them at a stand-in. Nothing here logs a URL: Graph
and X URLs can carry a sender's id.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import requests

from intake.attachments.rules import AttachmentError, PixelBudget, strip_image
from intake.channels.fetch import (
    FetchBudget,
    Fetcher,
    FetchError,
    Resolver,
    bearer,
    meta_policy,
    x_policy,
)
from intake.config import Settings
from webhooks import meta, x
from webhooks.base import InboundMessage, MediaRef, PreparedRequest

log = logging.getLogger(__name__)

# Short: the webhook waits for these while the platform waits for our 200.
CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10.0
# Every download of one webhook request shares this: the platform is waiting for our answer.
FETCH_BUDGET_SECONDS = 10.0
MAX_WEBHOOK_MEDIA_BYTES = 25 * 1024 * 1024
MAX_IMAGES_PER_MESSAGE = 5
# A WhatsApp media look-up answers a small JSON document.
_LOOKUP_MAX_BYTES = 64 * 1024


class ProviderUnreachableError(Exception):
    """The provider could not be reached or did not answer in time (worth retrying)."""


class MediaFetchError(Exception):
    """A piece of media could not be fetched or is not a photo we keep."""


def graph_base_url(settings: Settings) -> str:
    """Where the Graph API lives: Meta's, or a stand-in for tests and staging."""
    return settings.meta.graph_base_url


def graph_api_version(settings: Settings) -> str:
    """The Graph API version the requests name."""
    return settings.meta.graph_api_version


def x_api_base_url(settings: Settings) -> str:
    """Where the X API lives: X's, or a stand-in for tests and staging."""
    return settings.x.api_base_url


def send_prepared(prepared: PreparedRequest, *, stream: bool = False) -> requests.Response:
    """Send an adapter's request; ProviderUnreachableError (never the URL) when it cannot."""
    try:
        return requests.request(
            prepared.method,
            prepared.url,
            headers=prepared.headers,
            json=prepared.json,
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            stream=stream,
        )
    except requests.RequestException as exc:
        # The exception text holds the URL (ids of the recipient): keep only its kind.
        raise ProviderUnreachableError(type(exc).__name__) from None


@dataclass(frozen=True)
class FetchedMedia:
    """The stripped photos of one message, and how many pieces of media could not be kept."""

    images: tuple[bytes, ...] = ()
    failed: int = 0


def new_budget() -> FetchBudget:
    """The download allowance of one Meta or X webhook request (all its messages)."""
    return FetchBudget(FETCH_BUDGET_SECONDS, MAX_WEBHOOK_MEDIA_BYTES)


def fetch_images(
    message: InboundMessage,
    settings: Settings,
    *,
    budget: FetchBudget | None = None,
    resolver: Resolver | None = None,
) -> FetchedMedia:
    """Download, check and strip every photo of a message; failures are counted, never raised."""
    budget = budget or new_budget()
    images: list[bytes] = []
    failed = 0
    if message.provider == meta.PROVIDER:
        fetch_policy = meta_policy(graph_base_url(settings))
    elif message.provider == x.PROVIDER:
        fetch_policy = x_policy(x_api_base_url(settings))
    else:
        return FetchedMedia((), len(message.media))
    pixels = PixelBudget()  # the message's photos together
    with Fetcher(fetch_policy, resolver=resolver) as fetcher:
        for ref in message.media[:MAX_IMAGES_PER_MESSAGE]:
            if ref.content_type and not ref.content_type.lower().startswith("image/"):
                failed += 1  # video, audio, documents: not kept (the text still is)
                continue
            try:
                data = _download(fetcher, message, ref, settings, budget)
                images.append(strip_image(data, pixels).data)
            except (MediaFetchError, FetchError, AttachmentError) as exc:
                failed += 1
                reason = exc.reason if isinstance(exc, FetchError) else type(exc).__name__
                log.warning("media not kept channel=%s reason=%s", message.channel, reason)
    failed += max(len(message.media) - MAX_IMAGES_PER_MESSAGE, 0)
    return FetchedMedia(tuple(images), failed)


def _download(
    fetcher: Fetcher,
    message: InboundMessage,
    ref: MediaRef,
    settings: Settings,
    budget: FetchBudget,
) -> bytes:
    limit = int(settings.max_upload_bytes)
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
        graph_base_url=graph_base_url(settings),
        api_version=graph_api_version(settings),
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


def _image(fetched: Any) -> bytes:
    """The body of a download, refused when its declared type is not an image."""
    content_type = fetched.content_type
    if content_type and not content_type.startswith(("image/", "application/octet-stream")):
        raise MediaFetchError("media is not an image")
    data: bytes = fetched.data
    return data
