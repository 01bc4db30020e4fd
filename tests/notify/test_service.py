"""Emergency tips notify supervisors on duty by email and webhook, with no tip content."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.models import OutboxMessage, User
from intake.outbound.worker import drain_once
from tests.staff.factories import N1_POINT, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

NARRATIVE = "He has a gun and says he will shoot everyone at Alder Park tonight."


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message per connection."""

    def handle(self) -> None:
        server = self.server
        self.wfile.write(b"220 stub ESMTP\r\n")
        recipients: list[str] = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 stub\r\n")
            elif verb == "MAIL":
                self.wfile.write(b"250 ok\r\n")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.wfile.write(b"250 ok\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go on\r\n")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk)
                server.messages.append((recipients, b"".join(data).decode()))  # type: ignore[attr-defined]
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def webhook_server() -> Iterator[ThreadingHTTPServer]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.received = received  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _drain(app) -> None:
    with app.app_context():
        drain_once(db.session, app.extensions["intake.keyring"])
        db.session.remove()


def test_emergency_tip_emails_the_supervisors_on_duty(own_app, session, keyring, smtp_server):
    host, port = smtp_server.server_address
    app = own_app(
        providers={
            "NOTIFY_SMTP_URL": f"smtp://{host}:{port}",
            "NOTIFY_EMAIL_FROM": "intake@pd.example",
        }
    )
    make_user(session, keyring, "sup-on", "supervisor")
    make_user(session, keyring, "sup-off", "supervisor")
    make_user(session, keyring, "det", "detective", ("N1",))
    for username, email, on_duty in (
        ("sup-on", "on@pd.example", True),
        ("sup-off", "off@pd.example", False),
        ("det", "det@pd.example", True),
    ):
        user = session.scalar(select(User).where(User.username == username))
        user.email, user.is_on_duty = email, on_duty
    session.commit()

    created = make_tip(session, keyring, N1_POINT, narrative=NARRATIVE)
    assert created.urgency == "emergency"
    _drain(app)

    ((recipients, message),) = smtp_server.messages
    assert recipients == ["on@pd.example"]
    assert created.tip_number in message and "Queue: N1" in message
    assert f"/staff/tips/{created.tip_number}" in message
    assert "gun" not in message and "Alder Park" not in message
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "supervisors"))
    session.refresh(row)
    assert row.status == "sent"


def test_fallback_recipients_and_webhook(own_app, session, keyring, smtp_server, webhook_server):
    host, port = smtp_server.server_address
    app = own_app(
        providers={
            "NOTIFY_SMTP_URL": f"smtp://{host}:{port}",
            "NOTIFY_EMAIL_TO": "watch@pd.example, desk@pd.example",
            "NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{webhook_server.server_address[1]}/hook",
        }
    )
    created = make_tip(session, keyring, N1_POINT, narrative=NARRATIVE)
    _drain(app)
    ((recipients, _),) = smtp_server.messages
    assert sorted(recipients) == ["desk@pd.example", "watch@pd.example"]
    (hook,) = webhook_server.received
    assert hook["tip_number"] == created.tip_number and hook["queue"] == "N1"
    assert hook["event"] == "tip.emergency" and hook["link"].endswith(created.tip_number)
    assert "gun" not in json.dumps(hook)


def test_a_failing_webhook_is_retried_not_lost(own_app, session, keyring):
    app = own_app(providers={"NOTIFY_WEBHOOK_URL": "http://127.0.0.1:9/closed"})
    make_tip(session, keyring, N1_POINT, narrative=NARRATIVE)
    _drain(app)
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "supervisors"))
    session.refresh(row)
    assert row.status == "failed" and row.attempts == 1 and "webhook error" in row.last_error


def test_without_a_route_the_notification_is_dead_with_a_reason(own_app, session, keyring):
    app = own_app()
    make_tip(session, keyring, N1_POINT, narrative=NARRATIVE)
    _drain(app)
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "supervisors"))
    session.refresh(row)
    assert row.status == "dead" and "NOTIFY_SMTP_URL" in row.last_error
