"""SMS webhook benchmark: Intake's /webhooks/twilio/sms against a bare Flask endpoint.

Both run under gunicorn (2 sync workers) in the same run, on the same machine, fed the same
signed Twilio form posts by an open-loop load generator: request i is due at t0 + i/rate and its
latency is counted from that moment, so a server that falls behind is charged for the queue.

Run from the repository root (see bench/README_sms.md):

    .venv/bin/python bench/sms_bench.py [--seconds 30] [--step-seconds 10]

Intake runs on SQLite (WAL) with RATELIMIT_ENABLED=false; every post is a new tip or a follow-up
through the real pipeline (signature check, classify, route, encrypt, audit, commit).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, Response
from twilio.request_validator import RequestValidator

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from intake.channels.conversation import NEW_TIP, reply_text  # noqa: E402
from webhooks.twilio_sms import twiml_reply  # noqa: E402

PUBLIC_BASE = "https://tips.example.test"
SMS_PATH = "/webhooks/twilio/sms"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0f"  # noqa: S105 - a made-up bench token
TARGET_RATIO = 3.0
STEADY_RATE = 100
RAMP = (25, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1200, 1600)
THREADS = 48

TIPS = [
    "People sell drugs at the corner of Elm and 5th every night after ten.",
    "Venden drogas en la esquina cerca del parque todas las noches.",
    "Someone broke into three cars on Oak Street last night around 2am.",
    "My neighbour beats his wife, I hear her screaming most weekends.",
    "There is a stolen white Honda parked behind the laundromat for a week.",
    "Un hombre vende armas desde su camioneta gris en el estacionamiento.",
    "Kids are spraying graffiti on the library wall near Alder Park.",
    "The man who robbed the corner store hides at his cousin's on Birch Road.",
]
FOLLOWUPS = [
    "He drives a green pickup.",
    "It happens mostly on Fridays.",
    "Son dos hombres, uno con gorra roja.",
    "They moved to the house next door.",
]


def bare_app() -> Flask:
    """The baseline: a Flask endpoint that returns the same TwiML and does nothing else."""
    app = Flask("bare")
    body, content_type = twiml_reply(reply_text(NEW_TIP, "en", tip_number="K7QM-4821"))

    @app.post(SMS_PATH)
    def sms() -> Response:
        return Response(body, content_type=content_type)

    return app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(instance: Path, database_url: str | None) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "INTAKE_ENV": "development",
        "INTAKE_INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url or f"sqlite:///{instance / 'intake.db'}",
        "PUBLIC_BASE_URL": PUBLIC_BASE,
        "RATELIMIT_ENABLED": "false",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "+16175550000",
        # Never contacted (no MMS in the load), but never the real Twilio either.
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
        "LOG_LEVEL": "INFO",
    }


@contextmanager
def gunicorn(target: str, env: dict[str, str], log: Path) -> Iterator[int]:
    """Serve ``target`` with 2 sync workers on a free port until the block ends."""
    port = _free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target,
    ]  # fmt: skip
    with log.open("w") as log_file:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stderr=log_file)
        try:
            _wait_until_up(port)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


@dataclass(frozen=True)
class Post:
    """One signed webhook post, prepared before the clock starts."""

    body: bytes
    signature: str


def prepare_posts(count: int, seed: int) -> list[Post]:
    """Signed form posts: 60% from a new number (a new tip), 40% from a known one (follow-up)."""
    rng = random.Random(seed)
    validator = RequestValidator(AUTH_TOKEN)
    senders: list[str] = []
    posts = []
    for _ in range(count):
        if senders and rng.random() < 0.4:
            sender, text = rng.choice(senders), rng.choice(FOLLOWUPS)
        else:
            sender = f"+1617{rng.randrange(2_000_000, 9_999_999)}"
            senders.append(sender)
            text = rng.choice(TIPS)
        form = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": ACCOUNT_SID,
            "From": sender,
            "To": "+16175550000",
            "Body": text,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        signature = validator.compute_signature(PUBLIC_BASE + SMS_PATH, form)
        posts.append(Post(urlencode(form).encode(), signature))
    return posts


@dataclass(frozen=True)
class StepResult:
    """Latencies of one load step."""

    rate: int
    sent: int
    errors: int
    achieved_rate: float
    p50_ms: float
    p99_ms: float

    @property
    def sustained(self) -> bool:
        """Kept up: no errors, at least 95% of the offered rate, p99 under a second."""
        return self.errors == 0 and self.achieved_rate >= 0.95 * self.rate and self.p99_ms < 1000


def run_step(port: int, posts: list[Post], rate: int) -> StepResult:
    """Offer ``posts`` at ``rate`` per second (open loop) and measure each latency."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    next_index = 0
    start = time.perf_counter() + 0.2
    finished_at = start

    def worker() -> None:
        nonlocal next_index, errors, finished_at
        while True:
            with lock:
                index = next_index
                next_index += 1
            if index >= len(posts):
                return
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            post = posts[index]
            ok = False
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request(
                    "POST",
                    SMS_PATH,
                    body=post.body,
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "X-Twilio-Signature": post.signature,
                    },
                )
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
                connection.close()
            except OSError:
                ok = False
            done = time.perf_counter()
            with lock:
                latencies.append((done - due) * 1000)
                finished_at = max(finished_at, done)
                if not ok:
                    errors += 1

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return StepResult(
        rate=rate,
        sent=len(posts),
        errors=errors,
        achieved_rate=len(posts) / (finished_at - start),
        p50_ms=statistics.median(ordered),
        p99_ms=p99,
    )


def warm_up(port: int, seed: int) -> StepResult:
    """Sequential posts until both workers have served requests (imports, caches, pools)."""
    return run_step(port, prepare_posts(60, seed + 500), 20)


def _line(name: str, step: StepResult) -> str:
    return (
        f"  {name:<7} offered {step.rate:>5}/s  achieved {step.achieved_rate:7.1f}/s  "
        f"p50 {step.p50_ms:7.2f} ms  p99 {step.p99_ms:8.2f} ms  errors {step.errors}"
    )


def ramp(port: int, step_seconds: float, seed: int, name: str) -> list[StepResult]:
    """Raise the rate until a step is not sustained; returns every step run."""
    results = []
    for index, rate in enumerate(RAMP):
        posts = prepare_posts(int(rate * step_seconds), seed + 1000 + index)
        result = run_step(port, posts, rate)
        print(_line(name, result), flush=True)
        results.append(result)
        if not result.sustained:
            break
    return results


def _stored(instance: Path, database_url: str | None) -> tuple[int, int]:
    """How many tips and follow-up messages the run stored."""
    if database_url is None:
        with sqlite3.connect(instance / "intake.db") as db:
            tips = db.execute("SELECT count(*) FROM tip").fetchone()[0]
            messages = db.execute("SELECT count(*) FROM message").fetchone()[0]
        return int(tips), int(messages)
    import psycopg

    with psycopg.connect(database_url) as db:
        tips = db.execute("SELECT count(*) FROM tip").fetchone()
        messages = db.execute("SELECT count(*) FROM message").fetchone()
    return int(tips[0] if tips else 0), int(messages[0] if messages else 0)


def main() -> int:
    """Run both servers, the steady step and the ramp; print the comparison as JSON too."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="steady step length")
    parser.add_argument("--step-seconds", type=float, default=10.0, help="each ramp step")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep-log",
        metavar="FILE",
        type=Path,
        help="copy Intake's server log here (it holds tracebacks of any server error)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run Intake on a new database on this PostgreSQL server instead of SQLite",
    )
    args = parser.parse_args()
    with _database(args.postgres) as database_url:
        return _run(args, database_url)


@contextmanager
def _database(server_url: str | None) -> Iterator[str | None]:
    """None for SQLite, or a throwaway PostgreSQL database dropped afterwards."""
    if not server_url:
        yield None
        return
    import psycopg

    name = f"intake_sms_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(args: argparse.Namespace, database_url: str | None) -> int:

    with tempfile.TemporaryDirectory(prefix="intake-sms-bench-") as tmp:
        instance = Path(tmp)
        env = _environment(instance, database_url)
        flask = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi"]
        for command in (["db", "upgrade"], ["intake", "demo", "load"]):
            subprocess.run(
                [*flask, *command], cwd=REPO_ROOT, env=env, check=True, capture_output=True
            )
        steady_posts = prepare_posts(int(STEADY_RATE * args.seconds), args.seed)
        where = "PostgreSQL" if database_url else "SQLite"
        print(f"steady {STEADY_RATE} msg/s for {args.seconds:.0f} s, 2 gunicorn workers each, "
              f"Intake on {where}")  # fmt: skip
        with gunicorn("bench.sms_bench:bare_app()", env, instance / "bare.log") as port:
            warm_up(port, args.seed)
            bare = run_step(port, steady_posts, STEADY_RATE)
            print(_line("bare", bare), flush=True)
            print("ramp (bare):")
            bare_ramp = ramp(port, args.step_seconds, args.seed, "bare")
        with gunicorn("wsgi:app", env, instance / "intake.log") as port:
            warm_up(port, args.seed)
            intake = run_step(port, steady_posts, STEADY_RATE)
            print(_line("intake", intake), flush=True)
            print("ramp (intake):")
            intake_ramp = ramp(port, args.step_seconds, args.seed, "intake")
        tips, messages = _stored(instance, database_url)
        errors_logged = (instance / "intake.log").read_text().count(" ERROR ")
        if args.keep_log:
            shutil.copyfile(instance / "intake.log", args.keep_log)

    def best(steps: list[StepResult]) -> int:
        kept = [s.rate for s in steps if s.sustained]
        return max(kept) if kept else 0

    ratio_p99 = intake.p99_ms / bare.p99_ms
    ratio_p50 = intake.p50_ms / bare.p50_ms
    print()
    verdict = "MET" if ratio_p99 <= TARGET_RATIO else "NOT MET"
    print(f"at {STEADY_RATE} msg/s: p50 ratio {ratio_p50:.2f}x, p99 ratio {ratio_p99:.2f}x "
          f"(target p99 <= {TARGET_RATIO:.0f}x): {verdict}")  # fmt: skip
    print(f"highest sustained rate: bare {best(bare_ramp)}/s, intake {best(intake_ramp)}/s")
    print(f"stored: {tips} tips, {messages} follow-up messages; server errors logged: "
          f"{errors_logged}")  # fmt: skip
    summary = {
        "steady": {"bare": bare.__dict__, "intake": intake.__dict__},
        "p50_ratio": round(ratio_p50, 2),
        "p99_ratio": round(ratio_p99, 2),
        "sustained": {"bare": best(bare_ramp), "intake": best(intake_ramp)},
        "ramp": {
            "bare": [s.__dict__ for s in bare_ramp],
            "intake": [s.__dict__ for s in intake_ramp],
        },
    }
    print(json.dumps(summary, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
