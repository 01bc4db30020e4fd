"""The one media fetcher: URLs read as requests connects, host lists, redirects, budget."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from intake.channels.fetch import (
    FetchBudget,
    Fetcher,
    FetchError,
    FetchPolicy,
    FetchRefusedError,
    HostRule,
    basic_auth,
    is_public_address,
    parse_for_connection,
    twilio_policy,
    x_policy,
)
from tests.channels.conftest import Listener

CREDENTIAL = basic_auth("AC-test", "secret-token")
PHOTO = b"\xff\xd8\xff" + b"x" * 997  # 1000 bytes; the fetcher does not look inside


@dataclass
class Origin:
    """A loopback HTTP server: serves files, redirects, and records each request's auth."""

    port: int = 0
    files: dict[str, bytes] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    seen: list[tuple[str, str]] = field(default_factory=list)  # (path, Authorization)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def origins() -> Iterator[Any]:
    """Start loopback origins on demand; all are stopped after the test."""
    servers: list[ThreadingHTTPServer] = []

    def start() -> Origin:
        origin = Origin()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                origin.seen.append((self.path, self.headers.get("Authorization", "")))
                if self.path in origin.redirects:
                    self.send_response(302)
                    self.send_header("Location", origin.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = origin.files.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        origin.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return origin

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def budget() -> FetchBudget:
    return FetchBudget(10.0, 10 * 1024 * 1024)


def fetch(policy: FetchPolicy, url: str, **kwargs: Any) -> bytes:
    with Fetcher(policy, resolver=kwargs.pop("resolver", None) or _no_dns) as fetcher:
        return fetcher.get(
            url, budget=kwargs.pop("budget", None) or budget(), max_bytes=10**6, **kwargs
        ).data


def _no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"no test resolves a name through the network ({host})")


# --- one parser -------------------------------------------------------------------------------


def test_a_backslash_url_is_read_the_way_requests_connects() -> None:
    # urlsplit reads the host as ton.twitter.com; requests connects to "evil".
    with pytest.raises(FetchRefusedError):
        parse_for_connection("https://evil\\@ton.twitter.com/x")


@pytest.mark.parametrize(
    "url",
    [
        "https://evil\\@ton.twitter.com/1/photo.jpg",
        "https://user@ton.twitter.com/1/photo.jpg",
        "https://ton.twitter.com:8443/1/photo.jpg",
        "http://ton.twitter.com/1/photo.jpg",
        "https://ton.twitter.com.evil.example/1/photo.jpg",
        "https://eviltwitter.com/1/photo.jpg",
        "https://ton.twitter.com\t/1/photo.jpg",
        "https://pbs.twimg.com/1/photo.jpg",  # reachable only by a redirect from ton.twitter.com
        "ftp://ton.twitter.com/1/photo.jpg",
        "//ton.twitter.com/1/photo.jpg",
    ],
)
def test_urls_off_the_providers_hosts_are_refused(url: str) -> None:
    with pytest.raises(FetchRefusedError):
        x_policy().check(url, entry=True)


def test_the_providers_own_hosts_pass() -> None:
    checked = x_policy().check("https://ton.twitter.com/1/dm/123/photo.jpg", entry=True)
    assert checked.rule.credential and checked.host == "ton.twitter.com"
    assert (
        twilio_policy().check("https://mms.twiliocdn.com/a/b", entry=False).rule.credential is False
    )


def test_a_backslash_url_never_reaches_the_host_requests_would_pick(listener: Listener) -> None:
    url = f"https://127.0.0.1:{listener.port}\\@ton.twitter.com/1/photo.jpg"
    with pytest.raises(FetchRefusedError):
        fetch(x_policy(), url, credential=CREDENTIAL)
    assert listener.connections == 0


# --- resolved addresses -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
     "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1"],  # noqa: S104
)  # fmt: skip
def test_addresses_that_are_not_public(address: str) -> None:
    assert not is_public_address(address)


def test_public_addresses() -> None:
    assert is_public_address("93.184.216.34") and is_public_address("2606:2800:220:1::1")


@pytest.mark.parametrize("answer", [["127.0.0.1"], ["93.184.216.34", "10.0.0.7"]])
def test_the_production_policy_refuses_a_name_that_resolves_to_a_private_address(
    answer: list[str],
) -> None:
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return answer

    with pytest.raises(FetchRefusedError, match="private or loopback"):
        fetch(
            twilio_policy(),
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
            credential=CREDENTIAL,
            resolver=resolver,
        )
    assert asked == ["api.twilio.com"]


def test_localhost_is_refused_after_resolution_unless_the_rule_allows_private(origins) -> None:
    origin = origins()
    origin.files["/photo.jpg"] = PHOTO
    rule = HostRule("localhost", scheme="http", port=origin.port, credential=True)
    url = f"http://localhost:{origin.port}/photo.jpg"
    with pytest.raises(FetchRefusedError, match="private or loopback"):
        fetch(FetchPolicy("test", (rule,)), url, resolver=_system)
    assert origin.seen == []
    # The same rule allowed onto private addresses (what a configured stand-in gets) connects.
    trusted = HostRule("localhost", scheme="http", port=origin.port, private_ok=True)
    assert fetch(FetchPolicy("test", (trusted,)), url, resolver=_system) == PHOTO


def _system(host: str, port: int) -> list[str]:
    from intake.channels import fetch

    assert host == "localhost"  # resolved from the hosts file, never the network
    return fetch.system_resolver(host, port)


# --- redirects and credentials ----------------------------------------------------------------


def test_a_redirect_to_another_loopback_port_is_refused(origins, listener: Listener) -> None:
    stand_in = origins()
    stand_in.redirects["/2010-04-01/m"] = f"http://127.0.0.1:{listener.port}/steal"
    with pytest.raises(FetchRefusedError):
        fetch(
            twilio_policy(stand_in.base_url),
            "https://api.twilio.com/2010-04-01/m",
            credential=CREDENTIAL,
        )
    assert listener.connections == 0
    assert stand_in.seen == [("/2010-04-01/m", CREDENTIAL["Authorization"])]


def test_a_redirect_to_a_cdn_host_on_a_private_address_is_refused(origins) -> None:
    stand_in = origins()
    stand_in.redirects["/2010-04-01/m"] = "https://mms.twiliocdn.com/signed/photo"
    with pytest.raises(FetchRefusedError, match="private or loopback"):
        fetch(
            twilio_policy(stand_in.base_url),
            "https://api.twilio.com/2010-04-01/m",
            credential=CREDENTIAL,
            resolver=lambda host, port: ["127.0.0.1"],
        )


def test_the_credential_is_not_forwarded_to_the_host_a_redirect_names(origins) -> None:
    api, cdn = origins(), origins()
    cdn.files["/signed/photo"] = PHOTO
    api.redirects["/2010-04-01/m"] = f"http://localhost:{cdn.port}/signed/photo"
    policy = FetchPolicy(
        "test",
        (
            HostRule("127.0.0.1", scheme="http", port=api.port, credential=True, private_ok=True),
            HostRule("localhost", scheme="http", port=cdn.port, entry=False, private_ok=True),
        ),
    )
    data = fetch(policy, f"{api.base_url}/2010-04-01/m", credential=CREDENTIAL, resolver=_system)
    assert data == PHOTO
    assert api.seen == [("/2010-04-01/m", CREDENTIAL["Authorization"])]
    assert cdn.seen == [("/signed/photo", "")]


def test_redirect_loops_end(origins) -> None:
    stand_in = origins()
    stand_in.redirects["/2010-04-01/m"] = "/2010-04-01/m"
    with pytest.raises(FetchError, match="too many redirects"):
        fetch(twilio_policy(stand_in.base_url), "https://api.twilio.com/2010-04-01/m")
    assert len(stand_in.seen) == 4


# --- budget -----------------------------------------------------------------------------------


def test_nothing_is_fetched_once_the_webhooks_time_is_spent(origins) -> None:
    stand_in = origins()
    stand_in.files["/2010-04-01/m"] = PHOTO
    with pytest.raises(FetchError, match="out of time"):
        fetch(
            twilio_policy(stand_in.base_url),
            "https://api.twilio.com/2010-04-01/m",
            budget=FetchBudget(0.0, 10**6),
        )
    assert stand_in.seen == []


def test_the_webhooks_total_size_cap_is_shared_by_its_downloads(origins) -> None:
    stand_in = origins()
    stand_in.files["/2010-04-01/a"] = stand_in.files["/2010-04-01/b"] = PHOTO
    shared = FetchBudget(10.0, 1500)
    policy = twilio_policy(stand_in.base_url)
    assert fetch(policy, "https://api.twilio.com/2010-04-01/a", budget=shared) == PHOTO
    with pytest.raises(FetchError, match="total size cap"):
        fetch(policy, "https://api.twilio.com/2010-04-01/b", budget=shared)
