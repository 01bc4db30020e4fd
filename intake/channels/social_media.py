"""Where the social channels' senders send an adapter's PreparedRequest (Meta and X replies).

Base URLs come from settings so tests and staging point them at a stand-in. Nothing here logs a
URL: Graph and X URLs can carry a sender's id. Photos are fetched by :mod:`intake.channels.media`.
"""

from __future__ import annotations

import requests

from intake.config import Settings
from webhooks.base import PreparedRequest

# Short: the webhook waits for these while the platform waits for our 200.
CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10.0


class ProviderUnreachableError(Exception):
    """The provider could not be reached or did not answer in time (worth retrying)."""


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
