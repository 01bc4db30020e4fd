"""The README's PostgreSQL deployment steps, run as written: a production service that answers in
Spanish to a browser asking for it, takes a tip, and whose worker and CLI work.

The block is read from README.md; only what cannot be taken literally on a test machine is
swapped: `/etc/intake` for a scratch directory, the example database for a fresh one, the example
Redis for the local one, and a loopback port for gunicorn's default bind."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES = os.environ.get(
    "INTAKE_DEPLOY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
LONG_RUNNING = ("gunicorn ", "flask --app wsgi intake worker")


def readme_steps() -> list[str]:
    """The shell lines of the deployment section's code block, comments dropped."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Deploying on PostgreSQL with several workers", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the deployment section has no ```sh block"
    return [
        line.strip()
        for line in block.group(1).splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    url = make_url(POSTGRES).set(drivername="postgresql+psycopg")
    name = f"intake_deploy_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name, drivername="postgresql").render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"server on {port} did not start: {log.read_text()[-2000:]}")


def _city_files(directory: Path) -> None:
    (directory / "districts.geojson").write_bytes(
        (ROOT / "tests" / "data" / "boston_police_districts.geojson").read_bytes()
    )
    (directory / "places.csv").write_text(
        "name,lat,lon,kind\n"
        "Boston Common,42.3550,-71.0656,park\n"
        "Franklin Park,42.3030,-71.0900,park\n"
    )
    # Two crossing street centrelines near Copley Square, as a city's file carries them.
    streets = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"ST_NAME": name},
                "geometry": {"type": "LineString", "coordinates": line},
            }
            for name, line in (
                ("Dartmouth St", [[-71.0790, 42.3520], [-71.0760, 42.3470]]),
                ("Boylston St", [[-71.0820, 42.3490], [-71.0730, 42.3500]]),
            )
        ],
    }
    (directory / "centrelines.geojson").write_text(json.dumps(streets))


def test_the_readme_deployment_steps_serve_spanish_and_take_a_tip(tmp_path, fresh_postgres) -> None:
    etc = tmp_path / "etc-intake"
    work = tmp_path / "work"
    work.mkdir()
    _city_files(work)
    port = _free_port()
    substitutions = {
        "/etc/intake": str(etc),
        "postgresql://intake@db/intake": fresh_postgres,
        "redis://redis:6379/0": "redis://127.0.0.1:6379/15",
        # Nothing leaves the machine: the pager is a closed loopback port.
        "https://pager.example.org/intake": "http://127.0.0.1:9/intake",
    }
    env = {
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "INTAKE_INSTANCE_PATH": str(tmp_path / "instance"),
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "LANG": "C.UTF-8",
    }
    steps = readme_steps()
    assert any(step.startswith("gunicorn ") for step in steps)
    background: list[subprocess.Popen[bytes]] = []
    handles: list[Any] = []
    outputs: dict[str, str] = {}
    # One shell runs every step in order (exports carry over), long-running ones in the background.
    script = ["set -euo pipefail", f"cd {work}"]
    for step in steps:
        for old, new in substitutions.items():
            step = step.replace(old, new)
        if step.startswith(LONG_RUNNING):
            continue
        script.append(step)
    script.append(
        "env | grep -E '^(INTAKE_|DATABASE_URL|SECRET_KEY|PUBLIC_BASE_URL|RATELIMIT_|TRUSTED_"
        "|NOTIFY_)' > .env.out"
    )
    setup = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert setup.returncode == 0, setup.stderr[-3000:] + setup.stdout[-2000:]
    outputs["setup"] = setup.stdout
    exported = dict(line.split("=", 1) for line in (work / ".env.out").read_text().splitlines())
    service_env = {**env, **exported}
    assert service_env["INTAKE_ENV"] == "production"
    assert oct((etc / "keyring.json").stat().st_mode & 0o777) == "0o600"
    try:
        for step in steps:
            if not step.startswith(LONG_RUNNING):
                continue
            log = tmp_path / f"{len(background)}.log"
            handle = log.open("wb")
            handles.append(handle)
            process = subprocess.Popen(
                ["bash", "-c", step], cwd=ROOT, env=service_env, stdout=handle, stderr=handle
            )
            background.append(process)
            if step.startswith("gunicorn "):
                _wait_for(port, process, log)
        base = f"http://127.0.0.1:{port}"
        request = urllib.request.Request(
            base + "/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            page = response.read().decode()
        assert '<html lang="es">' in page
        assert "¿Qué sabe?" in page
        tip = urllib.request.Request(
            base + "/api/v1/tips",
            data=json.dumps({"narrative": "Venden drogas detrás de la lavandería"}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(tip, timeout=60) as response:
            assert response.status == 201
            assert json.loads(response.read())["tip_number"]
        for process in background:
            assert process.poll() is None, "a service the README starts has stopped"
    finally:
        for process in background:
            process.send_signal(signal.SIGTERM)
        for process in background:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for handle in handles:
            handle.close()
        for log in sorted(tmp_path.glob("*.log")):
            print(log.name, log.read_text()[-3000:])
