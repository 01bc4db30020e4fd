"""The done-when: with URGENT_ACK_SECONDS=5 and two tiers on a webhook stand-in, an emergency
left unacknowledged tells tier 1, then tier 2; acknowledging stops the chain. The real worker
loop runs in a thread; the wait is bounded."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.models import UrgentAlert
from intake.oncall import service
from intake.outbound.worker import run_worker
from tests.staff.factories import N1_POINT, bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

EMERGENCY = "He has a gun and says he will shoot everyone at Alder Park tonight."
DEADLINE_SECONDS = 40


@pytest.fixture
def pager() -> Iterator[ThreadingHTTPServer]:
    """A paging service stand-in on loopback: records each POST with the path it came to."""
    received: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((self.path, body))
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


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def test_tier_one_then_tier_two_then_acknowledged(own_app, keyring, pager):
    app = own_app(urgent_ack_seconds=5)
    base = f"http://127.0.0.1:{pager.server_address[1]}"
    with app.app_context():
        session = db.session
        det = make_user(session, keyring, "det", "detective", ("N1",))
        sup = make_user(session, keyring, "sup", "supervisor")
        service.set_notify_route(session, keyring, det.user, "webhook", f"{base}/det")
        service.set_notify_route(session, keyring, sup.user, "webhook", f"{base}/sup")
        service.set_tier(session, "N1", 1, ["det"], actor=None)
        service.set_tier(session, "N1", 2, ["sup"], actor=None)
        session.commit()
        created = make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
        db.session.remove()

    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(app, stop), kwargs={"interval": 0.2})
    worker.start()
    try:
        _wait_for(lambda: len(pager.received) >= 1, "tier 1")
        assert pager.received[0][0] == "/det"
        _wait_for(lambda: len(pager.received) >= 2, "tier 2")
        assert [path for path, _ in pager.received[:2]] == ["/det", "/sup"]
        body = pager.received[1][1]
        assert body["tier"] == 2 and body["tip_number"] == created.tip_number
        assert body["link"].endswith(f"/staff/tips/{created.tip_number}")
        assert "gun" not in json.dumps(body)

        answer = app.test_client().post(
            f"/api/v1/staff/tips/{created.tip_number}/acknowledge", headers=bearer(sup)
        )
        assert answer.status_code == 200
    finally:
        stop.set()
        worker.join(timeout=DEADLINE_SECONDS)
    assert not worker.is_alive()

    with app.app_context():
        alert = db.session.scalar(select(UrgentAlert))
        assert alert is not None and alert.acknowledged_at is not None
        # However long it waits now, nobody else is told.
        far = alert.raised_at + timedelta(hours=1)
        assert service.escalate_due(db.session, ack_seconds=5, now=far) == 0
        db.session.remove()
