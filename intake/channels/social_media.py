"""Photos that Meta and X hold for us: fetched, stripped of metadata, handed to the pipeline.

Also the one place the social channels send an adapter's PreparedRequest over HTTP (media
look-ups here, replies in the senders). Base URLs come from settings so tests and staging point
them at a stand-in. Nothing here logs a URL: Graph and X URLs can carry a sender's id.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from intake.attachments.rules import AttachmentError, PixelBudget, strip_image
from webhooks import meta, x
from webhooks.base import InboundMessage, MediaRef, PayloadError, PreparedRequest

log = logging.getLogger(__name__)

GRAPH_BASE_URL = "https://graph.facebook.com"
X_API_BASE_URL = "https://api.x.com"
GRAPH_API_VERSION = "v23.0"
# Short: the webhook waits for these while the platform waits for our 200.
CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10.0
# A photo trickling in slower than this is dropped: the platform is waiting for our answer.
DOWNLOAD_DEADLINE = 15.0
MAX_IMAGES_PER_MESSAGE = 5
_CHUNK = 64 * 1024
# Where X serves DM photos; the account's token is sent nowhere else (but a configured stand-in).
X_MEDIA_HOSTS = frozenset({"ton.twitter.com", "ton.x.com"})


class ProviderUnreachableError(Exception):
    """The provider could not be reached or did not answer in time (worth retrying)."""


class MediaFetchError(Exception):
    """A piece of media could not be fetched or is not a photo we keep."""


def provider_setting(settings: Any, name: str, default: str = "") -> str:
    """A provider setting (``settings.providers``), stripped, or ``default`` when unset."""
    value = settings.providers.get(name, "") or ""
    return value.strip() or default


def graph_base_url(settings: Any) -> str:
    """Where the Graph API lives: Meta's, or a stand-in for tests and staging."""
    return provider_setting(settings, "META_GRAPH_BASE_URL", GRAPH_BASE_URL).rstrip("/")


def graph_api_version(settings: Any) -> str:
    """The Graph API version the requests name."""
    return provider_setting(settings, "META_GRAPH_API_VERSION", GRAPH_API_VERSION)


def x_api_base_url(settings: Any) -> str:
    """Where the X API lives: X's, or a stand-in for tests and staging."""
    return provider_setting(settings, "X_API_BASE_URL", X_API_BASE_URL).rstrip("/")


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


def _same_origin(url: str, base_url: str) -> bool:
    target, base = urlsplit(url), urlsplit(base_url)
    return (target.scheme, target.netloc) == (base.scheme, base.netloc)


def _trusted_url(url: str, base_url: str) -> bool:
    """HTTPS anywhere, or the configured (possibly plain-HTTP stand-in) provider origin."""
    scheme = urlsplit(url).scheme
    return scheme == "https" or (scheme == "http" and _same_origin(url, base_url))


@dataclass(frozen=True)
class FetchedMedia:
    """The stripped photos of one message, and how many pieces of media could not be kept."""

    images: tuple[bytes, ...] = ()
    failed: int = 0


def fetch_images(message: InboundMessage, settings: Any) -> FetchedMedia:
    """Download, check and strip every photo of a message; failures are counted, never raised."""
    images: list[bytes] = []
    failed = 0
    budget = PixelBudget()  # the message's photos together
    for ref in message.media[:MAX_IMAGES_PER_MESSAGE]:
        if ref.content_type and not ref.content_type.lower().startswith("image/"):
            failed += 1  # video, audio, documents: not kept (the text still is)
            continue
        try:
            data = _download(message, ref, settings)
            images.append(strip_image(data, budget).data)
        except (MediaFetchError, ProviderUnreachableError, AttachmentError) as exc:
            failed += 1
            log.warning("media not kept channel=%s reason=%s", message.channel, type(exc).__name__)
    failed += max(len(message.media) - MAX_IMAGES_PER_MESSAGE, 0)
    return FetchedMedia(tuple(images), failed)


def _download(message: InboundMessage, ref: MediaRef, settings: Any) -> bytes:
    limit = int(settings.max_upload_bytes)
    if message.provider == meta.PROVIDER and ref.provider_media_id and not ref.url:
        return _download_whatsapp(ref.provider_media_id, settings, limit)
    if message.provider == meta.PROVIDER:
        # Messenger and Instagram hand out a signed CDN URL: no token is sent with it.
        if not _trusted_url(ref.url, graph_base_url(settings)):
            raise MediaFetchError("media URL is not HTTPS")
        return _read(PreparedRequest(method="GET", url=ref.url), limit)
    if message.provider == x.PROVIDER:
        base = x_api_base_url(settings)
        token = provider_setting(settings, "X_BEARER_TOKEN")
        parts = urlsplit(ref.url)
        is_x_host = parts.scheme == "https" and (parts.hostname or "") in X_MEDIA_HOSTS
        if not token or not (is_x_host or _same_origin(ref.url, base)):
            raise MediaFetchError("X media cannot be fetched with this configuration")
        headers = {"Authorization": f"Bearer {token}"}
        return _read(PreparedRequest(method="GET", url=ref.url, headers=headers), limit)
    raise MediaFetchError("unknown provider")


def _download_whatsapp(media_id: str, settings: Any, limit: int) -> bytes:
    token = provider_setting(settings, "META_WHATSAPP_ACCESS_TOKEN")
    if not token:
        raise MediaFetchError("META_WHATSAPP_ACCESS_TOKEN is not set")
    base = graph_base_url(settings)
    lookup = meta.media_request(
        media_id, graph_base_url=base, api_version=graph_api_version(settings), access_token=token
    )
    response = send_prepared(lookup)
    try:
        document = response.json() if response.ok else None
    except ValueError:
        document = None
    url = document.get("url") if isinstance(document, dict) else None
    if not isinstance(url, str) or not url:
        raise MediaFetchError(f"media look-up answered {response.status_code}")
    if urlsplit(url).scheme == "http" and _same_origin(url, base):
        # The operator's own stand-in (tests, staging) may be plain HTTP.
        download = PreparedRequest(
            method="GET", url=url, headers={"Authorization": f"Bearer {token}"}
        )
    else:
        try:
            download = meta.media_download_request(url, access_token=token)
        except PayloadError:
            raise MediaFetchError("media URL is not HTTPS") from None
    return _read(download, limit)


def _read(prepared: PreparedRequest, limit: int) -> bytes:
    """The body of a GET, refused when it fails, is not an image or exceeds ``limit`` bytes."""
    response = send_prepared(prepared, stream=True)
    with response:
        if not response.ok:
            raise MediaFetchError(f"media download answered {response.status_code}")
        content_type = response.headers.get("Content-Type", "").lower()
        if content_type and not content_type.startswith(("image/", "application/octet-stream")):
            raise MediaFetchError("media is not an image")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise MediaFetchError("media is too large")
        chunks: list[bytes] = []
        total = 0
        started = time.monotonic()
        try:
            for chunk in response.iter_content(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise MediaFetchError("media is too large")
                if time.monotonic() - started > DOWNLOAD_DEADLINE:
                    raise MediaFetchError("media download too slow")
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise ProviderUnreachableError(type(exc).__name__) from None
    return b"".join(chunks)
