"""Browser fixtures: the Flask app served on 127.0.0.1 in a thread, and a page in Debian's Chromium.

Reuse them for any page (the simulator today, /admin later):

    def test_something(page, demo_server):
        page.goto(demo_server + "/")

    def test_admin(page, conversation):
        with serving(create_app(settings, conversation)) as url:
            page.goto(url + "/admin")

Chromium is Debian's /usr/bin/chromium (`make system` installs it), driven by Playwright
through executable_path: Playwright's own browser download is never used. Screenshots go
to var/screenshots/ (or $NAKABOT_SCREENSHOTS; `make screenshots` writes docs/screenshots/).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from bot.config import Settings
from bot.conversation import Conversation
from bot.web import create_app

CHROMIUM = Path(os.environ.get("NAKABOT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 412, "height": 915}  # a common Android phone, in CSS pixels
REPO = Path(__file__).resolve().parent.parent


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve `app` on a free port of 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll: shutdown() waits for the next one (the default 0.5 s, per browser test).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="live-server",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make system` (apt-get install chromium fonts-noto-cjk)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh phone-sized page; a JavaScript error on it fails the test."""
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, locale="ja-JP",
                                   timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def demo_server(conversation: Conversation) -> Iterator[str]:
    """The app in demo mode (no LINE credentials), as `nakabot serve` runs it for the README."""
    with serving(create_app(Settings(), conversation)) as url:
        yield url


def screenshot(page: Page, name: str, full_page: bool = False) -> Path:
    folder = Path(os.environ.get("NAKABOT_SCREENSHOTS") or REPO / "var" / "screenshots")
    if not folder.is_absolute():
        folder = REPO / folder
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
