"""Emergency tips notify supervisors on duty by email and webhook, with no tip content."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from intake.extensions import db
from intake.identity.service import Contact
from intake.models import OutboxMessage, User, utcnow
from intake.models.delivery import PRIORITY_URGENT
from intake.outbound.worker import drain_once
from tests.staff.factories import N1_POINT, bearer, make_tip, make_user, totp_now

pytestmark = pytest.mark.usefixtures("fast_passwords")

PHONE = "+16175550123"
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
            body = json.loads(self.rfile.read(length))
            if self.server.failures:  # type: ignore[attr-defined]
                self.server.failures -= 1  # type: ignore[attr-defined]
                self.send_response(503)
                self.end_headers()
                return
            received.append(body)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.received = received  # type: ignore[attr-defined]
    server.failures = 0  # type: ignore[attr-defined]  (answers 503 this many times first)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _drain(app) -> None:
    with app.app_context():
        drain_once(db.session, app.extensions["intake"].keyring)
        db.session.remove()


def _emergency(app, keyring):
    """An emergency tip submitted by ``app`` (its notification routes decide the outbox rows)."""
    with app.app_context():
        created = make_tip(db.session, keyring, N1_POINT, narrative=NARRATIVE)
        db.session.remove()
    return created


def _rows(session, *channels: str) -> list[SimpleNamespace]:
    """The outbox rows of ``channels`` as plain values (the read transaction is ended)."""
    rows = [
        SimpleNamespace(
            id=row.id,
            channel=row.channel,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            tip_id=row.tip_id,
            payload=row.payload,
            priority=row.priority,
        )
        for row in session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.channel.in_(channels))
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)
        )
    ]
    # SQLite takes its one write lock with each transaction: let the worker write.
    session.commit()
    return rows


def _make_due(session, row: SimpleNamespace) -> None:
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row.id).values(next_attempt_at=utcnow())
    )
    session.commit()


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

    created = _emergency(app, keyring)
    assert created.urgency == "emergency"
    _drain(app)

    ((recipients, message),) = smtp_server.messages
    assert recipients == ["on@pd.example"]
    assert created.tip_number in message and "Queue: N1" in message
    assert f"/staff/tips/{created.tip_number}" in message
    assert "gun" not in message and "Alder Park" not in message
    (row,) = _rows(session, "notify_email", "notify_webhook", "supervisors")
    assert (row.channel, row.status) == ("notify_email", "sent")


def test_fallback_recipients_and_webhook(own_app, session, keyring, smtp_server, webhook_server):
    host, port = smtp_server.server_address
    app = own_app(
        providers={
            "NOTIFY_SMTP_URL": f"smtp://{host}:{port}",
            "NOTIFY_EMAIL_TO": "watch@pd.example, desk@pd.example",
            "NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{webhook_server.server_address[1]}/hook",
        }
    )
    created = _emergency(app, keyring)
    _drain(app)
    ((recipients, _),) = smtp_server.messages
    assert sorted(recipients) == ["desk@pd.example", "watch@pd.example"]
    (hook,) = webhook_server.received
    assert hook["tip_number"] == created.tip_number and hook["queue"] == "N1"
    assert hook["event"] == "tip.emergency" and hook["link"].endswith(created.tip_number)
    assert "gun" not in json.dumps(hook)
    rows = _rows(session, "notify_email", "notify_webhook", "supervisors")
    assert sorted((r.channel, r.status) for r in rows) == [
        ("notify_email", "sent"),
        ("notify_webhook", "sent"),
    ]


def test_a_failing_webhook_is_retried_not_lost(own_app, session, keyring):
    app = own_app(providers={"NOTIFY_WEBHOOK_URL": "http://127.0.0.1:9/closed"})
    _emergency(app, keyring)
    _drain(app)
    (row,) = _rows(session, "notify_webhook", "supervisors")
    assert row.status == "failed" and row.attempts == 1 and "webhook error" in row.last_error


def test_a_retry_repeats_only_the_route_that_failed(
    own_app, session, keyring, smtp_server, webhook_server
):
    host, port = smtp_server.server_address
    app = own_app(
        providers={
            "NOTIFY_SMTP_URL": f"smtp://{host}:{port}",
            "NOTIFY_EMAIL_TO": "watch@pd.example",
            "NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{webhook_server.server_address[1]}/hook",
        }
    )
    webhook_server.failures = 1
    created = _emergency(app, keyring)
    _drain(app)
    assert len(smtp_server.messages) == 1 and webhook_server.received == []
    email, hook = _rows(session, "notify_email", "notify_webhook")
    assert (email.status, hook.status) == ("sent", "failed")
    assert hook.last_error == "webhook answered 503"

    _make_due(session, hook)
    _drain(app)
    assert len(smtp_server.messages) == 1  # the supervisors got the email once
    (delivered,) = webhook_server.received
    assert delivered["tip_number"] == created.tip_number
    email, hook = _rows(session, "notify_email", "notify_webhook")
    assert (email.status, email.attempts) == ("sent", 1)
    assert (hook.status, hook.attempts) == ("sent", 2)


def test_a_row_queued_without_routes_is_split_by_a_worker_that_has_them(
    own_app, session, keyring, smtp_server, webhook_server
):
    # Queued by a process that knew no route (or before routes had rows of their own).
    created = make_tip(session, keyring, N1_POINT, narrative=NARRATIVE)
    (legacy,) = _rows(session, "supervisors")
    host, port = smtp_server.server_address
    app = own_app(
        providers={
            "NOTIFY_SMTP_URL": f"smtp://{host}:{port}",
            "NOTIFY_EMAIL_TO": "watch@pd.example",
            "NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{webhook_server.server_address[1]}/hook",
        }
    )
    _drain(app)
    assert _rows(session, "supervisors")[0].status == "sent"
    # The worker claims one row at a time: the split rows, due at once, go in the same drain.
    ((_, message),) = smtp_server.messages
    assert created.tip_number in message
    (hook,) = webhook_server.received
    assert hook["tip_number"] == created.tip_number
    split = _rows(session, "notify_email", "notify_webhook")
    assert [(r.status, r.tip_id, r.payload, r.priority) for r in split] == [
        ("sent", legacy.tip_id, legacy.payload, PRIORITY_URGENT)
    ] * 2


def test_without_a_route_the_notification_is_dead_with_a_reason(own_app, session, keyring):
    app = own_app()
    make_tip(session, keyring, N1_POINT, narrative=NARRATIVE)
    _drain(app)
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "supervisors"))
    session.refresh(row)
    assert row.status == "dead" and "NOTIFY_SMTP_URL" in row.last_error


def _set_emails(session, **emails: str) -> None:
    for username, email in emails.items():
        session.scalar(select(User).where(User.username == username)).email = email
    session.commit()


def test_a_reveal_emails_the_other_supervisors_who_revealed_which_tip(
    own_app, session, keyring, smtp_server, webhook_server
):
    host, port = smtp_server.server_address
    app = own_app(
        providers={
            "NOTIFY_SMTP_URL": f"smtp://{host}:{port}",
            "NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{webhook_server.server_address[1]}/hook",
        }
    )
    sup = make_user(session, keyring, "sup", "supervisor")
    make_user(session, keyring, "sup2", "supervisor")
    make_user(session, keyring, "ia", "oversight")
    _set_emails(session, sup="sup@pd.example", sup2="sup2@pd.example", ia="ia@pd.example")
    created = make_tip(session, keyring, N1_POINT, contact=Contact(phone=PHONE))
    response = app.test_client().post(
        f"/api/v1/staff/tips/{created.tip_number}/reveal",
        json={"reason": "Court order 2024-17", "totp": totp_now(sup)},
        headers=bearer(sup),
    )
    assert response.status_code == 200
    _drain(app)
    ((recipients, message),) = smtp_server.messages
    assert recipients == ["sup2@pd.example"]  # not the revealer, not oversight
    assert f"sup revealed who sent tip {created.tip_number}" in message
    assert PHONE not in message and "Court order" not in message
    (hook,) = webhook_server.received
    assert hook == {
        "event": "identity.revealed",
        "tip_number": created.tip_number,
        "queue": "N1",
        "by": "sup",
        "link": hook["link"],
    }


def test_oversight_tips_are_announced_to_oversight_alone(
    own_app, session, keyring, smtp_server, webhook_server
):
    host, port = smtp_server.server_address
    app = own_app(
        providers={
            "NOTIFY_SMTP_URL": f"smtp://{host}:{port}",
            "NOTIFY_EMAIL_TO": "watch@pd.example",
            "NOTIFY_WEBHOOK_URL": f"http://127.0.0.1:{webhook_server.server_address[1]}/hook",
        }
    )
    make_user(session, keyring, "sup", "supervisor")
    ia = make_user(session, keyring, "ia", "oversight")
    make_user(session, keyring, "ia2", "oversight")
    _set_emails(session, sup="sup@pd.example", ia="ia@pd.example", ia2="ia2@pd.example")
    with app.app_context():
        created = make_tip(
            db.session,
            keyring,
            N1_POINT,
            narrative="Officer Brandt says he will shoot me tonight, abuse of power, misconduct.",
            contact=Contact(phone=PHONE),
        )
        db.session.remove()
    assert (created.queue_code, created.urgency) == ("oversight", "emergency")
    response = app.test_client().post(
        f"/api/v1/staff/tips/{created.tip_number}/reveal",
        json={"reason": "Protect the complainant", "totp": totp_now(ia)},
        headers=bearer(ia),
    )
    assert response.status_code == 200
    _drain(app)
    sent = sorted((tuple(sorted(r)), "revealed" in m) for r, m in smtp_server.messages)
    # the emergency to both oversight users; the reveal to the one who did not reveal
    assert sent == [(("ia2@pd.example",), True), (("ia2@pd.example", "ia@pd.example"), False)]
    assert webhook_server.received == []  # the supervisors' webhook hears of neither
    rows = _rows(session, "notify_email", "notify_webhook", "supervisors")
    assert {r.channel for r in rows} == {"notify_email"}
