"""Browser fixtures: the app served on 127.0.0.1 by werkzeug in a thread, and a Playwright page
driving Debian's Chromium (Playwright's own browser download cannot work here).

``live_server`` is the base URL (rows written during a test are removed after it, as with
``app``); ``page`` is a fresh Playwright page in its own browser context. A missing Chromium is a
failure with a clear message, never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    """Debian's Chromium (or CHROMIUM_PATH); fails the test run clearly when absent."""
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
    ):
        if candidate and Path(candidate).exists():
            return candidate
    found = shutil.which("chromium")
    if found:
        return found
    pytest.fail(
        "Browser tests need Chromium: run `make chromium` (or `apt-get install chromium`), "
        "or set CHROMIUM_PATH to a Chromium binary.",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def _served_app(session_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, session_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def live_server(app: Flask, _served_app: str) -> str:
    """Base URL of the app served for this test (e.g. ``http://127.0.0.1:43121``)."""
    return _served_app


@pytest.fixture(scope="session")
def _browser() -> Iterator[Any]:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(_browser: Any) -> Iterator[Any]:
    """A Playwright page in a fresh context (no cookies shared between tests)."""
    context = _browser.new_context()
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
