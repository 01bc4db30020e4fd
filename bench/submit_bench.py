"""Throughput and latency of POST /api/v1/tips under gunicorn (2 workers, SQLite), against a
naive insert-only endpoint configured as Intake is (bench/naive_app.py), turns alternating.

    .venv/bin/python -m bench.submit_bench [--seconds 8] [--rounds 3] [--clients 8]

Prints the load average, requests/s (median of the turns), p50 and p99 for each side, and the
throughput ratio of Intake to the naive endpoint with Intake's SQLite settings (WAL,
``synchronous=NORMAL``, ``BEGIN IMMEDIATE``, the writers' file lock): the target is >= 0.8x.
The same endpoint on SQLite's rollback journal is measured too, for reference only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
TARGET_RATIO = 0.8

NARRATIVES = [
    "Guy on the corner by Central Station selling pills out of a red backpack most evenings",
    "Somebody broke into the garage behind Alder Park last night and took two bikes",
    "There is a house on Maple where kids go in and out all night, think they sell weed",
    "Mi vecino guarda un arma en el carro, lo vi enseñandola cerca de Riverside Mall",
    "Car with no plates keeps circling Lincoln High School at dismissal time",
    "Someone sprayed graffiti all over the Southgate Library wall again this weekend",
]
PLACES = ["Central Station", "Alder Park", "Harbor Market", "Riverside Mall", "Pier 4", None]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start")


def body() -> bytes:
    payload: dict[str, object] = {"narrative": random.choice(NARRATIVES)}
    place = random.choice(PLACES)
    if place:
        payload["location"] = {"text": place}
    return json.dumps(payload).encode()


@dataclass
class Turn:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds


def run_turn(name: str, port: int, seconds: float, clients: int) -> Turn:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                connection.request(
                    "POST",
                    "/api/v1/tips",
                    body=body(),
                    headers={"Content-Type": "application/json"},
                )
                response = connection.getresponse()
                response.read()
                if response.status != 201:
                    failed += 1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Turn(name, len(latencies), errors, time.monotonic() - started, latencies)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def start_pipeline(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "INTAKE_INSTANCE_PATH": str(workdir / "instance"),
        "RATELIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [*flask, "intake", "demo", "load"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ["SUBMIT_BENCH_LOG"], "ab")
        if os.environ.get("SUBMIT_BENCH_LOG")
        else subprocess.DEVNULL,
    )


def start_naive(workdir: Path, port: int, mode: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NAIVE_DATABASE_URL": f"sqlite:///{workdir / f'naive_{mode}.db'}",
        "NAIVE_MODE": mode,
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "bench.naive_app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def summarise(turns: list[Turn]) -> dict[str, float]:
    latencies = [x for t in turns for x in t.latencies]
    return {
        "throughput": statistics.median(t.throughput for t in turns),
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "requests": sum(t.requests for t in turns),
        "errors": sum(t.errors for t in turns),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of one turn")
    parser.add_argument("--rounds", type=int, default=3, help="turns per side")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    ports = {"pipeline": free_port(), "naive": free_port(), "naive_rollback": free_port()}
    servers = [
        start_pipeline(workdir, ports["pipeline"]),
        start_naive(workdir, ports["naive"], "intake"),
        start_naive(workdir, ports["naive_rollback"], "rollback"),
    ]
    load_before = os.getloadavg()
    try:
        for port in ports.values():
            wait_ready(port)
        for name, port in ports.items():  # warm up every worker
            run_turn(name, port, 1.0, args.clients)
        turns: dict[str, list[Turn]] = {name: [] for name in ports}
        for _ in range(args.rounds):
            for name, port in ports.items():
                turns[name].append(run_turn(name, port, args.seconds, args.clients))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)  # gunicorn.conf.py gives workers 20 s to finish
        shutil.rmtree(workdir, ignore_errors=True)

    load_after = os.getloadavg()

    results = {name: summarise(t) for name, t in turns.items()}
    print(
        f"POST /api/v1/tips, gunicorn 2 workers, SQLite, {args.clients} clients, "
        f"{args.rounds} alternating turns of {args.seconds:.0f}s each (medians)"
    )
    before, after = (" ".join(f"{x:.2f}" for x in load) for load in (load_before, load_after))
    print(f"load average (1/5/15 min) before: {before}, after: {after}")
    print(f"{'endpoint':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'requests':>10}{'errors':>8}")
    labels = {
        "pipeline": "Intake pipeline",
        "naive": "naive insert (as Intake: WAL)",
        "naive_rollback": "naive insert (rollback journal)",
    }
    for name, result in results.items():
        print(
            f"{labels[name]:<34}{result['throughput']:>9.0f}{result['p50_ms']:>9.2f}"
            f"{result['p99_ms']:>9.2f}{result['requests']:>10.0f}{result['errors']:>8.0f}"
        )
    print(
        "turns, req/s: "
        + "; ".join(
            f"{labels[name].split(' (')[0]} {'/'.join(f'{t.throughput:.0f}' for t in ts)}"
            for name, ts in turns.items()
        )
    )
    ratio = results["pipeline"]["throughput"] / results["naive"]["throughput"]
    ratio_rollback = results["pipeline"]["throughput"] / results["naive_rollback"]["throughput"]
    print(
        f"throughput ratio pipeline / naive insert as Intake (WAL): {ratio:.2f}x "
        f"(target >= {TARGET_RATIO}x)"
    )
    print(
        f"throughput ratio pipeline / naive insert, rollback journal: {ratio_rollback:.2f}x "
        "(for reference)"
    )
    return 0 if ratio >= TARGET_RATIO and results["pipeline"]["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
