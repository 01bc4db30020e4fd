"""Where one `POST /webhooks/twilio/sms` spends its time, in one process (no gunicorn).

    .venv/bin/python -m bench.sms_profile [--requests 600] [--top 30] [--postgres URL]

Builds the real app on a fresh database with the demo city (as bench/sms_bench.py does), posts
the bench's signed texts (60% new tips, 40% follow-ups) through Flask's test client and prints:
the milliseconds per request, the statements per request, how long each request holds its
transaction open (from its first statement to the end of its COMMIT: on SQLite the write lock
every other writer waits for), and the functions with the most cumulative time under cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.sms_bench import _database, _environment, prepare_posts

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    """Profile the SMS webhook in one process."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    with _database(args.postgres) as database_url:
        return _run(args, database_url)


def _run(args: argparse.Namespace, database_url: str | None) -> int:
    instance = Path(tempfile.mkdtemp(prefix="intake-sms-profile-"))
    env = _environment(instance, database_url)
    env["LOG_LEVEL"] = "WARNING"
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["intake", "demo", "load"]):
        subprocess.run([*flask, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    os.environ.update(env)
    from sqlalchemy import event

    from intake import create_app
    from intake.extensions import db

    app = create_app()
    client = app.test_client()
    statements = [0]
    opened: list[float] = []
    held: list[float] = []

    def on_statement(*_: Any) -> None:
        statements[0] += 1
        if not opened:
            opened.append(time.perf_counter())

    def on_end(*_: Any) -> None:
        if opened:
            held.append(time.perf_counter() - opened.pop())

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", on_statement)
        event.listen(db.engine, "commit", on_end)
        event.listen(db.engine, "rollback", on_end)

    def post_all(n: int, seed: int) -> list[float]:
        times = []
        for post in prepare_posts(n, seed):
            started = time.perf_counter()
            response = client.post(
                "/webhooks/twilio/sms",
                data=post.body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": post.signature,
                },
                base_url="https://tips.example.test",
            )
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        return times

    post_all(60, 99)
    statements[0] = 0
    held.clear()
    times = post_all(args.requests, 1)
    where = "PostgreSQL" if database_url else "SQLite"
    print(f"POST /webhooks/twilio/sms in one process, {args.requests} texts, {where}")
    print(
        f"per request: median {statistics.median(times) * 1000:.2f} ms, "
        f"mean {statistics.fmean(times) * 1000:.2f} ms"
    )
    print(f"statements per request: {statements[0] / args.requests:.1f}")
    print(
        f"transaction open (first statement to COMMIT): median "
        f"{statistics.median(held) * 1000:.2f} ms, mean {statistics.fmean(held) * 1000:.2f} ms, "
        f"{len(held) / args.requests:.2f} transactions per request"
    )
    if not args.no_profile:
        profiler = cProfile.Profile()
        profiler.enable()
        post_all(args.requests, 2)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
