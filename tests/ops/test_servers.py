"""The servers Intake ships write no access log: no client address, user agent or request line."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AGENT = "Mozilla/5.0 (Linux; Android 10) TellTaleAgent/9.9"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    """Until the server accepts connections; a server that exits fails at once. The ceiling is
    generous: on a loaded 2-core machine gunicorn and its workers take long to import."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"server on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"server on port {port} did not start")


def _exercise(port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    with urllib.request.urlopen(
        urllib.request.Request(base + "/", headers={"User-Agent": AGENT})
    ) as r:
        assert r.status == 200
    body = json.dumps({"narrative": "Somebody sells pills at Pier 4 every night"}).encode()
    request = urllib.request.Request(
        base + "/api/v1/tips",
        data=body,
        method="POST",
        headers={"User-Agent": AGENT, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as r:
        assert r.status == 201
        return str(json.loads(r.read())["tip_number"])


@pytest.fixture
def server_env(app_config, tmp_path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": app_config["database_url"],
        "INTAKE_KEYRING": app_config["keyring_json"],
        "INTAKE_INSTANCE_PATH": str(tmp_path),
        "RATELIMIT_ENABLED": "false",
        "LOG_LEVEL": "DEBUG",
        "PYTHONPATH": str(ROOT),
    }


@pytest.mark.parametrize("kind", ["serve", "gunicorn"])
def test_no_access_log(kind: str, server_env, app, tmp_path) -> None:
    port = _free_port()
    if kind == "serve":
        command = [
            str(BIN / "flask"),
            "--app",
            "wsgi",
            "intake",
            "serve",
            "--port",
            str(port),
            "--no-outbox",
        ]
    else:
        command = [
            str(BIN / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "wsgi:app",
        ]
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait(port, process)
            tip_number = _exercise(port)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
    output = log_path.read_text()
    assert f"tip {tip_number} submitted" in output  # the operator log is there...
    for leak in ("127.0.0.1 - -", "TellTaleAgent", '"GET / HTTP', '"POST /api/v1/tips', "Pier 4"):
        assert leak not in output  # ...but no access line, agent or narrative


def _production_env(server_env: dict[str, str], **extra: str) -> dict[str, str]:
    """The server's environment in production; rate-limit storage and workers left to defaults."""
    env = {
        k: v for k, v in server_env.items() if k not in ("RATELIMIT_STORAGE_URI", "WEB_CONCURRENCY")
    }
    return {
        **env,
        "INTAKE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "PUBLIC_BASE_URL": "https://tips.example.org",
        "NOTIFY_WEBHOOK_URL": "https://pager.example.org/intake",
        "RATELIMIT_ENABLED": "true",
        **extra,
    }


@pytest.mark.parametrize("workers", [["-w", "3"], []])  # explicit, and gunicorn.conf.py's 2
def test_gunicorn_refuses_production_with_per_worker_counters(
    workers: list[str], server_env
) -> None:
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "-b", "127.0.0.1:0", *workers]
    result = subprocess.run(
        [*command, "wsgi:app"],
        cwd=ROOT,
        env=_production_env(server_env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "RATELIMIT_STORAGE_URI=memory://" in result.stderr
    assert "workers" in result.stderr and "redis://" in result.stderr
    assert "Booting worker" not in result.stderr  # refused before any worker started


def test_gunicorn_starts_production_with_shared_counters(server_env, tmp_path) -> None:
    port = _free_port()
    env = _production_env(server_env, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15")
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}"]
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait(port, process)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
    assert "RATELIMIT_STORAGE_URI" not in log_path.read_text()


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_gunicorn_refuses_an_oversized_request_in_json_and_logs_no_address(
    server_env, app, tmp_path
) -> None:
    from intake.api import LIMIT_REQUEST_LINE

    port = _free_port()
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}"]
    command += ["-w", "1", "wsgi:app"]
    log_path = tmp_path / "server.log"
    marker = "Pier4Marker"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait(port, process)
            path = "/api/v1/tips?q=" + marker + "x" * LIMIT_REQUEST_LINE
            answer = _raw(port, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            headers = f"GET / HTTP/1.1\r\nHost: x\r\nX-Big: {marker}{'y' * 9000}\r\n\r\n"
            too_many_headers = _raw(port, headers.encode())
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414 ") and b"Content-Type: application/json" in head
    assert json.loads(body)["error"]["code"] == "uri_too_long"
    assert marker.encode() not in answer
    head, _, body = too_many_headers.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 ") and b"application/json" in head
    assert json.loads(body)["error"]["status"] == 431 and marker.encode() not in body
    assert "127.0.0.1" not in log_path.read_text().replace(f"127.0.0.1:{port}", "")
