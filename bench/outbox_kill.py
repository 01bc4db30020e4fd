"""An outbox worker killed mid-drain: every reply still reaches the provider once, within 30 s.

Two real `flask intake worker` processes drain queued SMS replies through a slow stand-in for
Twilio's Messages API on loopback (each answer takes ``--delay`` seconds). The stand-in holds
one request of worker A without ever answering it (the provider never accepted that message);
while it is held, A is killed with SIGKILL, mid-drain, with a row leased. The run passes when
every reply was accepted by the stand-in exactly once within ``--deadline`` seconds (30) of the
kill, and every outbox row ends "sent".

    .venv/bin/python bench/outbox_kill.py                       # SQLite in a temporary folder
    .venv/bin/python bench/outbox_kill.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

With a PostgreSQL URL the script creates its own database on that server and drops it after.
`tests/outbound/test_worker_kill.py` runs the same check in the suite on the test database.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0f"  # noqa: S105 - a made-up bench token
TWILIO_NUMBER = "+16175550000"
KILLED, SURVIVOR = "a", "b"


@dataclass
class Stub:
    """A slow stand-in for Twilio's Messages API; knows each worker by its base URL's prefix."""

    delay: float
    trap_at: int  # worker A's request with this number (1-based) is held, never answered
    base_url: str = ""
    arrivals: Counter[str] = field(default_factory=Counter)
    accepted: list[tuple[str, str, float]] = field(default_factory=list)  # worker, body, time
    # What Messages.json lists back (a worker checking whether an earlier attempt arrived).
    listed: list[dict[str, str]] = field(default_factory=list)
    trapped: threading.Event = field(default_factory=threading.Event)
    closing: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url_for(self, worker: str) -> str:
        """TWILIO_API_BASE_URL for ``worker``."""
        return f"{self.base_url}/{worker}"

    def bodies(self) -> Counter[str]:
        """How many times each message body was accepted."""
        with self.lock:
            return Counter(body for _, body, _ in self.accepted)


def _handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode()))
            worker = self.path.split("/")[1]
            with stub.lock:
                stub.arrivals[worker] += 1
                held = worker == KILLED and stub.arrivals[worker] == stub.trap_at
            if held:
                stub.trapped.set()
                stub.closing.wait()  # never answered: the worker dies waiting
                self.close_connection = True
                return
            time.sleep(stub.delay)
            sid = "SM" + secrets.token_hex(16)
            with stub.lock:
                stub.accepted.append((worker, form.get("Body", ""), time.monotonic()))
                stub.listed.append(
                    {
                        "sid": sid,
                        "to": form.get("To", ""),
                        "from": form.get("From", ""),
                        "body": form.get("Body", ""),
                        "direction": "outbound-api",
                        "status": "queued",
                        "date_created": formatdate(usegmt=True),
                    }
                )
            body = json.dumps({"sid": sid, "status": "queued", "account_sid": ACCOUNT_SID}).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            """Messages.json?To=...: the messages accepted for that number, newest first."""
            query = dict(parse_qsl(urlsplit(self.path).query))
            with stub.lock:
                stub.arrivals["list"] += 1
                found = [m for m in reversed(stub.listed) if m["to"] == query.get("To")]
            body = json.dumps(
                {
                    "messages": found[: int(query.get("PageSize", "50"))],
                    "next_page_uri": None,
                    "page": 0,
                    "page_size": 50,
                    "start": 0,
                    "end": len(found),
                    "first_page_uri": None,
                    "previous_page_uri": None,
                    "uri": self.path,
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serve_stub(delay: float, trap_at: int) -> Iterator[Stub]:
    """Run the stand-in on 127.0.0.1 for the block."""
    stub = Stub(delay=delay, trap_at=trap_at)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    server.daemon_threads = True
    stub.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        stub.closing.set()
        server.shutdown()
        server.server_close()
        thread.join()


def queue_replies(app: Flask, count: int) -> list[str]:
    """``count`` SMS tips, each with a detective's reply in the outbox; returns the bodies."""
    from intake.extensions import db, get_keyring
    from intake.identity.service import Sender
    from intake.models import Message, Tip
    from intake.outbound.service import enqueue_reply
    from intake.submissions.service import TipSubmission, submit_tip

    bodies = [f"Reply {i}: which corner, and at what time?" for i in range(count)]
    with app.app_context():
        keyring, session = get_keyring(), db.session()
        for i, body in enumerate(bodies):
            submission = TipSubmission(
                channel="sms",
                narrative="Someone is selling drugs by the park most evenings.",
                sender=Sender(kind="phone", address=f"+1617555{2000 + i:04d}"),
            )
            created = submit_tip(session, keyring, submission)
            tip = session.get(Tip, created.tip_id)
            assert tip is not None
            message = Message(tip=tip, direction="outbound", channel="sms")
            message.body.seal(keyring, body)
            session.add(message)
            session.flush()
            enqueue_reply(session, tip, message)
        session.commit()
        db.session.remove()
    return bodies


def outbox_statuses(app: Flask) -> dict[str, int]:
    """How many reply rows are in each status."""
    from intake.extensions import db
    from intake.models import OutboxMessage

    with app.app_context():
        rows = db.session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.kind == "reply")
            .group_by(OutboxMessage.status)
        ).all()
        db.session.remove()
    return {status: int(count) for status, count in rows}


def _worker_env(app: Flask, base_url: str, instance: Path) -> dict[str, str]:
    settings = app.extensions["intake"].settings
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TWILIO_", "META_", "X_", "NOTIFY_", "OUTBOX_"))
    }
    env.update(
        INTAKE_ENV="development",
        DATABASE_URL=settings.database_url,
        INTAKE_KEYRING=settings.keyring_json or "",
        INTAKE_INSTANCE_PATH=str(instance),
        SECRET_KEY=settings.secret_key,
        PUBLIC_BASE_URL=settings.public_base_url,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM=TWILIO_NUMBER,
        TWILIO_API_BASE_URL=base_url,
        PYTHONPATH=str(REPO_ROOT),
    )
    return env


@contextmanager
def worker_process(app: Flask, base_url: str, workdir: Path, name: str) -> Iterator[Any]:
    """A `flask intake worker` process, started and running when the block begins."""
    log_path = workdir / f"worker-{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "wsgi",
                "intake",
                "worker",
                "--interval",
                "0.5",
            ],
            cwd=REPO_ROOT,
            env=_worker_env(app, base_url, workdir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while b"Outbox worker running" not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {name} did not start: see {log_path}")
            time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass(frozen=True)
class Outcome:
    """What the run saw."""

    replies: int
    accepted: int  # distinct replies the provider accepted within the deadline
    duplicates: dict[str, int]  # body -> times accepted, where more than once
    last_after_kill: float | None  # seconds from the kill to the last acceptance
    statuses: dict[str, int]  # outbox reply rows by status at the end
    by_worker: dict[str, int]

    @property
    def passed(self) -> bool:
        """Every reply accepted exactly once and recorded as sent."""
        return (
            self.accepted == self.replies
            and not self.duplicates
            and self.statuses == {"sent": self.replies}
        )


def run(
    app: Flask,
    workdir: Path,
    *,
    replies: int = 40,
    delay: float = 0.15,
    trap_at: int = 3,
    deadline: float = 30.0,
) -> Outcome:
    """Queue ``replies``, drain them with two workers, kill one mid-drain; what happened."""
    bodies = queue_replies(app, replies)
    with serve_stub(delay, trap_at) as stub:
        with (
            worker_process(app, stub.url_for(KILLED), workdir, KILLED) as killed,
            worker_process(app, stub.url_for(SURVIVOR), workdir, SURVIVOR),
        ):
            if not stub.trapped.wait(timeout=120):
                raise RuntimeError("worker A never reached its held request")
            killed.send_signal(signal.SIGKILL)
            killed.wait()
            killed_at = time.monotonic()
            while len(stub.bodies()) < replies and time.monotonic() < killed_at + deadline:
                time.sleep(0.1)
            # Give a second send of anything a moment to show up before the survivor stops.
            time.sleep(1.0)
        with stub.lock:
            accepted = list(stub.accepted)
    counts = Counter(body for _, body, at in accepted if at <= killed_at + deadline)
    every = Counter(body for _, body, _ in accepted)
    times = [at for _, _, at in accepted]
    return Outcome(
        replies=replies,
        accepted=sum(1 for body in bodies if counts[body] >= 1),
        duplicates={body: n for body, n in every.items() if n > 1},
        last_after_kill=(max(times) - killed_at) if times else None,
        statuses=outbox_statuses(app),
        by_worker=dict(Counter(worker for worker, _, _ in accepted)),
    )


@contextmanager
def bench_app(database_url: str | None, workdir: Path) -> Iterator[Flask]:
    """An app on a new database (SQLite in ``workdir``, or a new database on the server)."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from intake import create_app
    from intake.bootstrap.service import load_demo_city
    from intake.crypto import generate_keyring_document
    from intake.extensions import db

    admin = None
    name = f"intake_outbox_kill_{secrets.token_hex(4)}"
    if database_url:
        server = make_url(database_url.replace("postgres://", "postgresql://", 1))
        server = server.set(drivername="postgresql+psycopg")
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{workdir / 'intake.db'}"
    app = create_app(
        {
            "env": "testing",
            "database_url": url,
            "keyring_json": json.dumps(generate_keyring_document()),
            "instance_path": str(workdir),
            "secret_key": secrets.token_urlsafe(48),
            "ratelimit_enabled": False,
        }
    )
    try:
        with app.app_context():
            upgrade()
            load_demo_city(db.session())
            db.session.commit()
            db.session.remove()
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def main() -> int:
    """Run once and print the outcome; non-zero when a reply was lost, late or sent twice."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--replies", type=int, default=40)
    parser.add_argument("--delay", type=float, default=0.15, help="seconds per send")
    parser.add_argument("--deadline", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, bench_app(args.database_url, Path(folder)) as app:
        outcome = run(
            app, Path(folder), replies=args.replies, delay=args.delay, deadline=args.deadline
        )
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{database}: {outcome.replies} replies, worker A killed with SIGKILL mid-drain")
    print(
        f"  accepted by the provider within {args.deadline:.0f} s of the kill: {outcome.accepted}"
    )
    print(f"  sent twice: {len(outcome.duplicates)}; by worker: {outcome.by_worker}")
    if outcome.last_after_kill is not None:
        print(f"  last acceptance {outcome.last_after_kill:.1f} s after the kill")
    print(f"  outbox rows: {outcome.statuses}")
    print("  PASS" if outcome.passed else "  FAIL")
    return 0 if outcome.passed else 1


if __name__ == "__main__":
    sys.exit(main())
