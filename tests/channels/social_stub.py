"""Test helpers for the Meta and X channels: a local stand-in for the Graph and X APIs, signing
with the real HMAC schemes, and the platforms' recorded payloads."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from intake.extensions import db, get_keyring
from intake.models import Attachment, InboundEvent, Message, OutboxMessage, Reporter, Tip
from intake.outbound.worker import drain_once

PAYLOADS = Path(__file__).resolve().parent.parent / "webhooks" / "payloads"

META_APP_SECRET = "meta-app-secret-0f1e2d3c4b5a"
META_VERIFY_TOKEN = "verify-me-7d6c5b4a"
META_PAGE_ACCESS_TOKEN = "EAAG-page-token-123"
META_WHATSAPP_ACCESS_TOKEN = "EAAG-whatsapp-token-456"
WHATSAPP_PHONE_NUMBER_ID = "106540352242922"  # as in the recorded payloads
X_CONSUMER_SECRET = "x-consumer-secret-a1b2c3"
X_BEARER_TOKEN = "x-user-context-token-789"
X_USER_ID = "1480000000000000001"  # the department's account in the recorded payloads
GRAPH_VERSION = "v23.0"


@dataclass
class SeenRequest:
    """One request the stand-in received."""

    method: str
    path: str
    authorization: str
    body: Any


@dataclass
class SocialStub:
    """What the stand-in serves (files, WhatsApp media ids, forced errors) and what it saw."""

    base_url: str = ""
    requests: list[SeenRequest] = field(default_factory=list)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    whatsapp_media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    errors: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # path -> answer
    # WhatsApp message type ("text", "template") -> the error answered to it
    refused_types: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: int = 0

    def serve(self, path: str, data: bytes, content_type: str = "image/jpeg") -> str:
        """Serve ``data`` at ``path`` (a CDN stand-in); returns its URL."""
        self.files[path] = (data, content_type)
        return self.base_url + path

    def seen(self, method: str, path_part: str = "") -> list[SeenRequest]:
        """Requests of ``method`` whose path contains ``path_part``."""
        with self.lock:
            return [r for r in self.requests if r.method == method and path_part in r.path]


def _handler(stub: SocialStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

        def _record(self) -> SeenRequest:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            entry = SeenRequest(
                self.command, self.path, self.headers.get("Authorization", ""), body
            )
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

        def _json(self, status: int, document: dict[str, Any]) -> None:
            self._send(status, json.dumps(document).encode(), "application/json")

        def do_GET(self) -> None:
            entry = self._record()
            if entry.path in stub.errors:
                self._json(*stub.errors[entry.path])
                return
            media_id = entry.path.removeprefix(f"/{GRAPH_VERSION}/")
            if media_id in stub.whatsapp_media:
                if entry.authorization != f"Bearer {META_WHATSAPP_ACCESS_TOKEN}":
                    self._json(401, {"error": {"code": 190}})
                    return
                self._json(
                    200,
                    {
                        "url": f"{stub.base_url}/whatsapp-media/{media_id}",
                        "mime_type": stub.whatsapp_media[media_id][1],
                        "id": media_id,
                        "messaging_product": "whatsapp",
                    },
                )
                return
            if entry.path.startswith("/whatsapp-media/"):
                found = stub.whatsapp_media.get(entry.path.rsplit("/", 1)[-1])
                if found is None or entry.authorization != f"Bearer {META_WHATSAPP_ACCESS_TOKEN}":
                    self._send(404)
                    return
                self._send(200, found[0], found[1])
                return
            found = stub.files.get(entry.path)
            if found is None:
                self._send(404)
                return
            self._send(200, found[0], found[1])

        def do_POST(self) -> None:
            entry = self._record()
            body = entry.body if isinstance(entry.body, dict) else {}
            if body.get("type") in stub.refused_types:
                self._json(*stub.refused_types[body["type"]])
                return
            if entry.path in stub.errors:
                self._json(*stub.errors[entry.path])
                return
            with stub.lock:
                stub.sent += 1
                number = stub.sent
            if entry.path == f"/{GRAPH_VERSION}/me/messages":
                recipient = entry.body["recipient"]["id"]
                self._json(200, {"recipient_id": recipient, "message_id": f"m_sent_{number}"})
            elif entry.path == f"/{GRAPH_VERSION}/{WHATSAPP_PHONE_NUMBER_ID}/messages":
                self._json(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "messages": [{"id": f"wamid.sent{number}"}],
                    },
                )
            elif entry.path.startswith("/2/dm_conversations/with/"):
                self._json(
                    201,
                    {"data": {"dm_conversation_id": "1-2", "dm_event_id": f"18000000{number}"}},
                )
            else:
                self._send(404)

    return Handler


@contextmanager
def running_stub() -> Iterator[SocialStub]:
    """A stand-in for graph.facebook.com and api.x.com on 127.0.0.1 (never the network)."""
    stub = SocialStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    stub.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def stub() -> Iterator[SocialStub]:
    """The Graph and X API stand-in, for one test."""
    with running_stub() as running:
        yield running


@pytest.fixture
def build_app(make_app: Callable[..., Flask]) -> Iterator[Callable[..., Flask]]:
    """``make_app`` whose apps close their database connections after the test.

    An undisposed engine leaves pooled PostgreSQL connections to the garbage collector, which
    warns (an error under ``-W error``) in whatever test happens to run then.
    """
    built: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = make_app(**overrides)
        built.append(app)
        return app

    yield factory
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def social_app(build_app: Callable[..., Flask], stub: SocialStub) -> Flask:
    """An app whose Meta and X APIs are the stand-in."""
    return build_app(providers=social_providers(stub), ratelimit_enabled=False)


def social_providers(stub: SocialStub, **extra: str) -> dict[str, str]:
    """Provider settings for an app whose Meta and X APIs are the stand-in."""
    return {
        "META_APP_SECRET": META_APP_SECRET,
        "META_VERIFY_TOKEN": META_VERIFY_TOKEN,
        "META_PAGE_ACCESS_TOKEN": META_PAGE_ACCESS_TOKEN,
        "META_WHATSAPP_PHONE_NUMBER_ID": WHATSAPP_PHONE_NUMBER_ID,
        "META_WHATSAPP_ACCESS_TOKEN": META_WHATSAPP_ACCESS_TOKEN,
        "META_GRAPH_BASE_URL": stub.base_url,
        "X_CONSUMER_SECRET": X_CONSUMER_SECRET,
        "X_BEARER_TOKEN": X_BEARER_TOKEN,
        "X_USER_ID": X_USER_ID,
        "X_API_BASE_URL": stub.base_url,
        **extra,
    }


def payload(name: str) -> dict[str, Any]:
    """A recorded platform payload, as a dict to adapt."""
    document: dict[str, Any] = json.loads((PAYLOADS / name).read_bytes())
    return document


def raw_payload(name: str) -> bytes:
    """A recorded platform payload, byte for byte as the platform sent it."""
    return (PAYLOADS / name).read_bytes()


def meta_signature(body: bytes, secret: str = META_APP_SECRET) -> str:
    """``X-Hub-Signature-256`` as Meta computes it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def x_signature(body: bytes, secret: str = X_CONSUMER_SECRET) -> str:
    """``x-twitter-webhooks-signature`` as X computes it."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def _body(document: bytes | dict[str, Any]) -> bytes:
    return document if isinstance(document, bytes) else json.dumps(document).encode()


def post_meta(
    client: FlaskClient, document: bytes | dict[str, Any], *, secret: str = META_APP_SECRET
) -> Any:
    """POST a delivery to /webhooks/meta signed with ``secret``."""
    body = _body(document)
    return client.post(
        "/webhooks/meta",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": meta_signature(body, secret)},
    )


def post_x(
    client: FlaskClient, document: bytes | dict[str, Any], *, secret: str = X_CONSUMER_SECRET
) -> Any:
    """POST a delivery to /webhooks/x signed with ``secret``."""
    body = _body(document)
    return client.post(
        "/webhooks/x",
        data=body,
        content_type="application/json",
        headers={"x-twitter-webhooks-signature": x_signature(body, secret)},
    )


COUNTED = {
    "tip": Tip,
    "message": Message,
    "inbound_event": InboundEvent,
    "outbox_message": OutboxMessage,
    "reporter": Reporter,
    "attachment": Attachment,
}


def row_counts(app: Flask) -> dict[str, int]:
    """How many rows each table a webhook writes to holds."""
    with app.app_context():
        counts = {
            name: db.session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in COUNTED.items()
        }
        db.session.remove()
    return counts


def drain(app: Flask) -> int:
    """Deliver every due outbox row once, as the worker would."""
    with app.app_context():
        tried = drain_once(db.session, get_keyring())
        db.session.remove()
    return tried
