"""Every download of a provider's media: allow-listed hosts, one parser, no private addresses.

A webhook payload names the URL to fetch, and the payload's author may not be who we think (a
forged or replayed post, a compromised provider account, a crafted attachment). So each URL is
checked the way it will be connected to, and each provider has its own short list of hosts:

- The URL is prepared by ``requests`` first and then read with the parser ``requests`` connects
  with (``urllib.parse`` on the prepared URL), and must read the same with urllib3's: a URL the
  two libraries disagree about is refused, as is any userinfo (``user@``), backslash, control
  character or non-default port.
- A host is allowed only by a :class:`HostRule` of the provider's :class:`FetchPolicy`. Some rules
  are "entry" hosts (a payload may name them), others are reachable only by a redirect from one.
  The provider's credential is sent only to a rule marked ``credential``; redirects are followed
  by hand, each hop checked again, and the credential is dropped on a hop to any other host.
- Names are resolved here, once: if any address is loopback, private, link-local or otherwise not
  global, the host is refused; the socket connects to the address that was checked (no second
  resolution for a rebinding DNS server to answer differently). Only an operator's configured
  stand-in (``*_BASE_URL`` settings: tests, staging) may be on a private address.
- One :class:`FetchBudget` per webhook request caps the total time and bytes of all its
  downloads, and each download has its own size cap.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.util import connection as urllib3_connection
from urllib3.util import parse_url

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 5.0
MAX_REDIRECTS = 3
DEFAULT_PORTS = {"https": 443, "http": 80}
_CHUNK = 64 * 1024
# Characters no provider's media URL carries, and that parsers treat differently.
_FORBIDDEN_CHARACTERS = frozenset("\\\t\r\n ") | {chr(code) for code in range(0x20)} | {"\x7f"}

Resolver = Callable[[str, int], list[str]]


class FetchError(Exception):
    """A download failed; ``reason`` is short and log-safe (never the URL, never a secret)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FetchRefusedError(FetchError):
    """The policy refused a URL or an address: nothing was sent there."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, by the system's resolver."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError("the host name does not resolve") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address (not loopback, private, link-local...)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class HostRule:
    """One host a provider's media may come from, and what it may receive."""

    host: str  # "api.twilio.com", or ".twiliocdn.com" for any name under twiliocdn.com
    scheme: str = "https"
    port: int | None = None  # None: the scheme's default port only
    credential: bool = False  # the provider's credential may be sent there
    entry: bool = True  # a payload's URL may name it; False: only reached by a redirect
    private_ok: bool = False  # may be on a private address (only an operator's stand-in)

    def matches(self, scheme: str, host: str, port: int) -> bool:
        """True when this rule covers ``scheme://host:port``."""
        if scheme != self.scheme or port != (self.port or DEFAULT_PORTS[scheme]):
            return False
        if self.host.startswith("."):
            return host.endswith(self.host) and len(host) > len(self.host)
        return host == self.host


@dataclass(frozen=True)
class CheckedUrl:
    """A URL as it will be sent, with the rule that allows it."""

    url: str
    host: str
    port: int
    rule: HostRule


@dataclass(frozen=True)
class FetchPolicy:
    """Where one provider's media may be fetched from, and where its credential may go."""

    provider: str
    rules: tuple[HostRule, ...]
    # Provider origin -> configured stand-in base URL: a URL on the provider's host is sent to
    # the stand-in instead (tests, staging), after it passed the provider's own rule.
    stand_ins: Mapping[str, str] = field(default_factory=dict)

    def check(self, url: str, *, entry: bool) -> CheckedUrl:
        """The URL as it will be sent and its rule; FetchRefusedError when it is not allowed."""
        checked = self._match(url, entry=entry)
        base = self.stand_ins.get(f"{checked.rule.scheme}://{checked.host}")
        if base is None:
            return checked
        parts = urlsplit(checked.url)
        target = base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
        return self._match(target, entry=entry)

    def _match(self, url: str, *, entry: bool) -> CheckedUrl:
        prepared, scheme, host, port = parse_for_connection(url)
        for rule in self.rules:
            if rule.matches(scheme, host, port) and (rule.entry or not entry):
                return CheckedUrl(prepared, host, port, rule)
        raise FetchRefusedError(f"not a {self.provider} media host")


def parse_for_connection(url: str) -> tuple[str, str, str, int]:
    """(prepared URL, scheme, host, port) as ``requests`` will connect; FetchRefusedError else."""
    if not isinstance(url, str) or not url or len(url) > 4096:
        raise FetchRefusedError("not a URL")
    if any(character in _FORBIDDEN_CHARACTERS for character in url):
        raise FetchRefusedError("the URL has characters parsers disagree about")
    try:
        prepared = requests.Request("GET", url).prepare().url or ""
        theirs = parse_url(prepared)
    except (requests.RequestException, ValueError):
        raise FetchRefusedError("not a URL") from None
    # requests connects to what urllib.parse reads in the prepared URL; urllib3 must agree.
    parts = urlsplit(prepared)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        raise FetchRefusedError("not a URL") from None
    host = (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host:
        raise FetchRefusedError("not an http(s) URL")
    if "@" in parts.netloc or parts.username is not None or theirs.auth is not None:
        raise FetchRefusedError("the URL carries userinfo")
    if (theirs.host or "").lower() != host or theirs.port != port:
        raise FetchRefusedError("parsers disagree about the URL's host")
    return prepared, scheme, host, port or DEFAULT_PORTS[scheme]


def https_rule(host: str, **kwargs: Any) -> HostRule:
    """A rule for ``host`` on HTTPS port 443."""
    return HostRule(host=host, **kwargs)


def stand_in_rule(base_url: str) -> HostRule | None:
    """The rule for an operator's configured stand-in (``*_BASE_URL``), or None when unset.

    A stand-in is trusted like the provider it replaces (it gets the credential) and may be on a
    private address: the operator put it there. It is never set in a production deployment that
    talks to the real providers.
    """
    if not base_url:
        return None
    try:
        _, scheme, host, port = parse_for_connection(base_url)
    except FetchRefusedError:
        log.warning("a provider base URL setting is not a plain http(s) URL; ignored")
        return None
    return HostRule(host=host, scheme=scheme, port=port, credential=True, private_ok=True)


def policy(
    provider: str,
    rules: Iterable[HostRule],
    *,
    stand_in_base_url: str = "",
    stand_in_for: Iterable[str] = (),
) -> FetchPolicy:
    """A provider's policy: its own hosts, plus its configured stand-in when there is one.

    ``stand_in_for`` names provider hosts (``api.twilio.com``) whose URLs go to the stand-in.
    """
    listed = list(rules)
    stand_in = stand_in_rule(stand_in_base_url)
    stand_ins: dict[str, str] = {}
    if stand_in is not None:
        listed.append(stand_in)
        stand_ins = {f"https://{host}": stand_in_base_url for host in stand_in_for}
    return FetchPolicy(provider, tuple(listed), stand_ins)


def basic_auth(user: str, password: str) -> dict[str, str]:
    """An ``Authorization: Basic`` header."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


def bearer(token: str) -> dict[str, str]:
    """An ``Authorization: Bearer`` header."""
    return {"Authorization": f"Bearer {token}"}


class FetchBudget:
    """What one webhook request may spend on downloads: a deadline and a byte total, shared."""

    def __init__(
        self, seconds: float, total_bytes: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self.deadline = clock() + seconds
        self.bytes_left = total_bytes

    def seconds_left(self) -> float:
        """Seconds until the deadline (negative once it passed)."""
        return self.deadline - self._clock()

    def timeout(self) -> tuple[float, float]:
        """(connect, read) timeouts for the next request; FetchError when out of time."""
        left = self.seconds_left()
        if left <= 0:
            raise FetchError("out of time for this webhook")
        return min(CONNECT_TIMEOUT, left), min(READ_TIMEOUT, left)


@dataclass(frozen=True)
class Fetched:
    """A downloaded body and its declared type."""

    data: bytes
    content_type: str


class _Guard:
    """Resolves a host once and says which addresses a connection may use."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.private_ok = False
        self.refused: str | None = None

    def addresses(self, host: str, port: int) -> list[str]:
        try:
            addresses = [host] if _is_ip(host) else self.resolver(host, port)
        except FetchError as error:
            self.refused = error.reason
            raise OSError(error.reason) from None
        if not addresses:
            self.refused = "the host name does not resolve"
            raise OSError(self.refused)
        if not self.private_ok and not all(is_public_address(a) for a in addresses):
            # One bad address refuses the name: round-robin DNS must not smuggle one in.
            self.refused = "the host resolves to a private or loopback address"
            raise OSError(self.refused)
        return addresses


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _guarded_adapter(guard: _Guard) -> HTTPAdapter:
    """A requests adapter whose connections go only to addresses the guard allowed."""

    def new_conn(self: HTTPConnection) -> socket.socket:
        try:
            addresses = guard.addresses(self._dns_host, self.port)
        except OSError as error:
            raise NewConnectionError(self, str(error)) from None
        last: OSError | None = None
        for address in addresses:
            try:
                return urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except OSError as error:
                last = error
        raise NewConnectionError(self, f"cannot connect ({type(last).__name__})")

    class GuardedHTTPConnection(HTTPConnection):
        _new_conn = new_conn

    class GuardedHTTPSConnection(HTTPSConnection):
        _new_conn = new_conn

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {
                "http": GuardedHTTPPool,
                "https": GuardedHTTPSPool,
            }

    return GuardedAdapter(max_retries=0)


class Fetcher:
    """Downloads under one policy; use one per webhook request and close it (``with``)."""

    def __init__(self, fetch_policy: FetchPolicy, *, resolver: Resolver | None = None) -> None:
        self.policy = fetch_policy
        # Looked up at call time, so tests can replace the system resolver for every fetcher.
        self._guard = _Guard(resolver or (lambda host, port: system_resolver(host, port)))
        self._session = requests.Session()
        # No proxy from the environment, no .netrc credentials, no cookies between hops.
        self._session.trust_env = False
        adapter = _guarded_adapter(self._guard)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def get(
        self,
        url: str,
        *,
        budget: FetchBudget,
        max_bytes: int,
        credential: Mapping[str, str] | None = None,
    ) -> Fetched:
        """GET ``url`` within the budget and ``max_bytes``; FetchError on any failure.

        ``credential`` (headers) goes only to hosts whose rule allows it; redirects are
        followed by hand, each hop checked like the first.
        """
        checked = self.policy.check(url, entry=True)
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send("GET", checked, budget, credential, stream=True)
            if not response.is_redirect:
                return self._read(response, budget, max_bytes)
            target = response.headers.get("Location", "")
            response.close()
            checked = self.policy.check(urljoin(checked.url, target), entry=False)
        raise FetchError("too many redirects")

    def delete(
        self, url: str, *, budget: FetchBudget, credential: Mapping[str, str] | None = None
    ) -> int:
        """DELETE ``url`` (no redirect followed); returns the HTTP status."""
        checked = self.policy.check(url, entry=True)
        response = self._send("DELETE", checked, budget, credential, stream=False)
        response.close()
        return response.status_code

    def _send(
        self,
        method: str,
        checked: CheckedUrl,
        budget: FetchBudget,
        credential: Mapping[str, str] | None,
        *,
        stream: bool,
    ) -> requests.Response:
        headers = {"Accept-Encoding": "identity"}
        if credential and checked.rule.credential:
            headers.update(credential)
        self._guard.private_ok = checked.rule.private_ok
        self._guard.refused = None
        try:
            return self._session.request(
                method,
                checked.url,
                headers=headers,
                timeout=budget.timeout(),
                stream=stream,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            if self._guard.refused:
                raise FetchRefusedError(self._guard.refused) from None
            # The exception text holds the URL: its kind is enough for the operator.
            raise FetchError(f"fetch failed ({type(error).__name__})") from None

    def _read(self, response: requests.Response, budget: FetchBudget, max_bytes: int) -> Fetched:
        limit = min(max_bytes, budget.bytes_left)
        with response:
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FetchError(_too_large(int(declared), max_bytes))
            received = bytearray()
            try:
                while True:
                    # read1 returns after one read from the socket, so the deadline is checked
                    # between reads even when the server trickles bytes.
                    chunk = response.raw.read1(_CHUNK, decode_content=False)
                    if not chunk:
                        break
                    received.extend(chunk)
                    if len(received) > limit:
                        raise FetchError(_too_large(len(received), max_bytes))
                    if budget.seconds_left() <= 0:
                        raise FetchError("out of time for this webhook")
            except FetchError:
                raise
            except Exception as error:  # noqa: BLE001 - urllib3's read errors are not all OSErrors
                # The exception text can hold the URL: its kind is enough for the operator.
                raise FetchError(f"fetch failed ({type(error).__name__})") from None
        budget.bytes_left -= len(received)
        content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        return Fetched(bytes(received), content_type)


def _too_large(size: int, max_bytes: int) -> str:
    if size > max_bytes:
        return "larger than the size cap"
    return "over this webhook's total size cap"


# Each provider's documented media hosts. Twilio: the Media resource on api.twilio.com (Basic
# auth) redirects to a short-lived URL on mms.twiliocdn.com (or, for media stored before HTTP
# auth was enforced, s3-external-1.amazonaws.com), which gets no credential.
TWILIO_API_HOST = "api.twilio.com"
TWILIO_RULES = (
    https_rule(TWILIO_API_HOST, credential=True),
    https_rule(".twiliocdn.com", entry=False),
    https_rule("s3-external-1.amazonaws.com", entry=False),
)
# Meta: WhatsApp media ids are looked up on graph.facebook.com and downloaded from
# lookaside.fbsbx.com, both with the access token; Messenger and Instagram attachments are signed
# CDN URLs (fbcdn.net, fbsbx.com, cdninstagram.com) that get no token.
META_RULES = (
    https_rule("graph.facebook.com", credential=True),
    https_rule("lookaside.fbsbx.com", credential=True),
    https_rule(".fbsbx.com"),
    https_rule(".fbcdn.net"),
    https_rule(".cdninstagram.com"),
)
# X: DM photos are served by ton.twitter.com (ton.x.com) to the account's token only.
X_RULES = (
    https_rule("ton.twitter.com", credential=True),
    https_rule("ton.x.com", credential=True),
    https_rule(".twimg.com", entry=False),
)


def twilio_policy(api_base_url: str = "") -> FetchPolicy:
    """Twilio's media hosts; ``api_base_url`` (TWILIO_API_BASE_URL) stands in for the API."""
    return policy(
        "twilio",
        TWILIO_RULES,
        stand_in_base_url=api_base_url,
        stand_in_for=(TWILIO_API_HOST,),
    )


def meta_policy(graph_base_url: str = "") -> FetchPolicy:
    """Meta's media hosts; ``graph_base_url`` (META_GRAPH_BASE_URL) when it is a stand-in."""
    return policy(
        "meta", META_RULES, stand_in_base_url=_unless(graph_base_url, "graph.facebook.com")
    )


def x_policy(api_base_url: str = "") -> FetchPolicy:
    """X's media hosts; ``api_base_url`` (X_API_BASE_URL) when it is a stand-in."""
    return policy("x", X_RULES, stand_in_base_url=_unless(api_base_url, "api.x.com"))


def _unless(base_url: str, real_host: str) -> str:
    """``base_url`` unless it is the provider's real API (then there is no stand-in)."""
    return "" if urlsplit(base_url).hostname in (real_host, None) else base_url
