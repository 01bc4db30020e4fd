"""Fixtures for the channel tests: a local stand-in for Twilio's REST API, an SMS-enabled app,
and helpers that sign webhook posts with the real RequestValidator."""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from intake.channels import fetch
from intake.extensions import db

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
TWILIO_NUMBER = "+16175550000"
PUBLIC_BASE = "https://tips.example.test"  # the test PUBLIC_BASE_URL
SMS_PATH = "/webhooks/twilio/sms"
STATUS_PATH = "/webhooks/twilio/status"


@dataclass
class StubRequest:
    """One request the stand-in received."""

    method: str
    path: str
    auth: tuple[str, str] | None
    form: dict[str, str]


@dataclass
class TwilioStub:
    """What the stand-in serves and what it saw."""

    base_url: str = ""
    requests: list[StubRequest] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path -> (bytes, type)
    send_errors: dict[str, tuple[int, int]] = field(default_factory=dict)  # To -> (HTTP, code)
    # To -> (HTTP, code) for sends with a Body only (a template send has a ContentSid instead)
    body_errors: dict[str, tuple[int, int]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location
    created: list[str] = field(default_factory=list)  # SIDs of the messages it accepted
    messages: set[str] = field(default_factory=set)  # SIDs still held (not yet deleted)
    delete_errors: dict[str, tuple[int, int]] = field(default_factory=dict)  # SID -> error
    # Seconds a send waits before its answer, once the message is accepted (a read timeout).
    answer_delay: float = 0.0
    sent: list[dict[str, str]] = field(default_factory=list)  # accepted sends, as Twilio lists
    lock: threading.Lock = field(default_factory=threading.Lock)

    def media_url(self, name: str, data: bytes, content_type: str = "image/jpeg") -> str:
        """Serve ``data`` as a message's media; returns the URL Twilio would put in MediaUrlN."""
        path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM{name}/Media/ME{name}"
        self.media[path] = (data, content_type)
        return "https://api.twilio.com" + path

    def seen(self, method: str, path_part: str = "") -> list[StubRequest]:
        """Requests of ``method`` whose path contains ``path_part``."""
        with self.lock:
            return [r for r in self.requests if r.method == method and path_part in r.path]

    def hold(self, sid: str) -> str:
        """Hold an inbound message with ``sid``, as Twilio does until it is deleted."""
        with self.lock:
            self.messages.add(sid)
        return sid

    @property
    def sent_messages(self) -> list[dict[str, str]]:
        """Forms of every Messages.json create the stand-in accepted or refused."""
        return [r.form for r in self.seen("POST", "/Messages.json")]


def _handler(stub: TwilioStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

        def _auth(self) -> tuple[str, str] | None:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return None
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user, password

        def _record(self) -> StubRequest:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            entry = StubRequest(self.command, self.path, self._auth(), dict(parse_qsl(body)))
            with stub.lock:
                stub.requests.append(entry)
            return entry

        def _send(self, status: int, body: bytes = b"", content_type: str = "") -> None:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _authorised(self, entry: StubRequest) -> bool:
            if entry.auth != (ACCOUNT_SID, AUTH_TOKEN):
                self._send(
                    401,
                    b'{"code": 20003, "message": "Authenticate", "status": 401}',
                    "application/json",
                )
                return False
            return True

        def do_POST(self) -> None:
            entry = self._record()
            if not self._authorised(entry):
                return
            if not entry.path.endswith("/Messages.json"):
                self._send(404)
                return
            error = stub.send_errors.get(entry.form.get("To", ""))
            if error is None and "Body" in entry.form:
                error = stub.body_errors.get(entry.form.get("To", ""))
            if error is not None:
                status, code = error
                payload = {
                    "code": code,
                    "status": status,
                    "message": "refused",
                    "more_info": f"https://www.twilio.com/docs/errors/{code}",
                }
                self._send(status, json.dumps(payload).encode(), "application/json")
                return
            sid = "SM" + secrets.token_hex(16)
            with stub.lock:
                stub.created.append(sid)
                stub.messages.add(sid)
                stub.sent.append(
                    {
                        "sid": sid,
                        "to": entry.form.get("To", ""),
                        "from": entry.form.get("From", ""),
                        "body": entry.form.get("Body", ""),
                        "direction": "outbound-api",
                        "status": "queued",
                        "date_created": formatdate(usegmt=True),
                    }
                )
            payload = {
                "sid": sid,
                "status": "queued",
                "account_sid": ACCOUNT_SID,
                "num_segments": "1",
            }
            if stub.answer_delay:
                time.sleep(stub.answer_delay)  # accepted, but the answer comes too late
            with contextlib.suppress(OSError):  # the client may have given up waiting
                self._send(201, json.dumps(payload).encode(), "application/json")

        def do_GET(self) -> None:
            entry = self._record()
            if not self._authorised(entry):
                return
            path, _, query = entry.path.partition("?")
            if path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
                to = dict(parse_qsl(query)).get("To")
                with stub.lock:
                    found = [m for m in reversed(stub.sent) if m["to"] == to]
                page = {"messages": found, "next_page_uri": None, "page": 0, "page_size": 50}
                self._send(200, json.dumps(page).encode(), "application/json")
                return
            if entry.path in stub.redirects:
                self.send_response(302)
                self.send_header("Location", stub.redirects[entry.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            found = stub.media.get(entry.path)
            if found is None:
                self._send(404)
                return
            self._send(200, found[0], found[1])

        def do_DELETE(self) -> None:
            entry = self._record()
            if not self._authorised(entry):
                return
            prefix = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/"
            sid = entry.path.removeprefix(prefix).removesuffix(".json")
            if entry.path.startswith(prefix) and entry.path.endswith(".json") and "/" not in sid:
                error = stub.delete_errors.get(sid)
                if error is not None:
                    body = {"code": error[1], "status": error[0], "message": "refused"}
                    self._send(error[0], json.dumps(body).encode(), "application/json")
                    return
                with stub.lock:
                    held = sid in stub.messages
                    stub.messages.discard(sid)
                self._send(204 if held else 404)
                return
            self._send(204 if stub.media.pop(entry.path, None) is not None else 404)

    return Handler


@pytest.fixture(autouse=True)
def no_name_resolution(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Media fetches resolve no name but ``localhost`` (the hosts file): never the network."""
    real = fetch.system_resolver
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        if host != "localhost":
            asked.append(host)
            raise fetch.FetchError("tests resolve no name")
        return real(host, port)

    monkeypatch.setattr(fetch, "system_resolver", resolve)
    yield asked
    assert asked == [], f"a test tried to resolve {asked} through the network"


@pytest.fixture
def twilio_stub() -> Iterator[TwilioStub]:
    """A stand-in for Twilio's REST API on 127.0.0.1 (never the network)."""
    stub = TwilioStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    stub.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stub
    server.shutdown()
    server.server_close()
    thread.join()


@dataclass
class Listener:
    """A TCP port that counts the connections made to it (and answers nothing)."""

    port: int = 0
    connections: int = 0


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A loopback port standing for an attacker's host: any connection to it is counted."""
    found = Listener()
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    found.port = server.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            found.connections += 1
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield found
    stop.set()
    thread.join()
    server.close()


def twilio_providers(stub: TwilioStub, **extra: str) -> dict[str, str]:
    """Provider settings for an app that talks to the stand-in."""
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": TWILIO_NUMBER,
        "TWILIO_API_BASE_URL": stub.base_url,
        **extra,
    }


@pytest.fixture
def build_app(make_app: Any, twilio_stub: TwilioStub) -> Iterator[Any]:
    """Build apps that talk to the stand-in (rate limits off unless asked); their database
    connections are closed afterwards (PostgreSQL warns about connections left to the GC)."""
    built: list[Flask] = []

    def factory(providers: dict[str, str] | None = None, **overrides: Any) -> Flask:
        overrides.setdefault("ratelimit_enabled", False)
        app: Flask = make_app(providers=providers or twilio_providers(twilio_stub), **overrides)
        built.append(app)
        return app

    yield factory
    for app in built:
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture
def sms_app(build_app: Any) -> Flask:
    """An app talking to the stand-in, rate limits off (the rate-limit test builds its own)."""
    app: Flask = build_app()
    return app


@pytest.fixture
def sms_client(sms_app: Flask) -> FlaskClient:
    """A test client of the SMS-enabled app."""
    return sms_app.test_client()


def sms_form(
    body: str,
    sender: str = "+16175550123",
    *,
    sid: str | None = None,
    media: tuple[tuple[str, str], ...] = (),
) -> dict[str, str]:
    """An inbound message form as Twilio posts it."""
    form = {
        "MessageSid": sid or "SM" + secrets.token_hex(16),
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": TWILIO_NUMBER,
        "Body": body,
        "NumMedia": str(len(media)),
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }
    for index, (url, content_type) in enumerate(media):
        form[f"MediaUrl{index}"] = url
        form[f"MediaContentType{index}"] = content_type
    return form


def signature(path: str, form: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio sends: over the public URL Twilio called and the form."""
    return str(RequestValidator(token).compute_signature(PUBLIC_BASE + path, form))


def post_signed(
    client: FlaskClient, path: str, form: dict[str, str], *, token: str = AUTH_TOKEN
) -> Any:
    """Post a form signed the way Twilio signs it (``path`` may carry a raw query string)."""
    return client.post(
        path, data=form, headers={"X-Twilio-Signature": signature(path, form, token)}
    )


def reply_of(response: Any) -> str | None:
    """The text of the TwiML <Message>, or None for an empty <Response/>."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/xml")
    root = ET.fromstring(response.get_data())  # noqa: S314 - our own app's reply
    assert root.tag == "Response"
    message = root.find("Message")
    return None if message is None else message.text
