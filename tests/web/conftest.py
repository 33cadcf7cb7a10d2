"""Browser fixtures: the app served on 127.0.0.1 in a thread, and Chromium pages driven by
Playwright. Reuse them for any page test (mark it `@pytest.mark.browser`):

    @pytest.mark.browser
    def test_my_page(live_server: LiveServer, page_at: PageFactory) -> None:
        page = page_at(390, 844)
        page.goto(live_server.url + "/my-page")

Chromium is Debian's (`apt-get install chromium`, at /usr/bin/chromium); Playwright never
downloads a browser. Without it the browser tests are skipped (`make test` says so), unless
DANGJIAN_REQUIRE_BROWSER=1 (CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from bot.services import Services

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PageFactory = Callable[[int, int], Any]


@dataclass
class LiveServer:
    url: str
    app: Flask
    services: Services


@pytest.fixture
def live_server(app: Flask, services: Services) -> Iterator[LiveServer]:
    """The test app (demo roster, simulator on, fixed clock) on a free port of 127.0.0.1."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, services)
    finally:
        server.shutdown()
        thread.join(5)


def _unavailable(reason: str) -> None:
    if os.environ.get("DANGJIAN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here, but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the session."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    expect.set_options(timeout=15_000)  # a busy CI machine: waits, not timing assertions
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page_at(chromium: Any) -> Iterator[PageFactory]:
    """Make a fresh page (own context) with a viewport of width x height CSS pixels."""
    contexts: list[Any] = []

    def make(width: int, height: int) -> Any:
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
