"""Shared fixtures: the real catalogue, a fake LINE API, and signed webhook bodies like LINE's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

from browser import chromium, demo_server, page  # noqa: F401  (browser fixtures, tests/browser.py)
from fake_line import FakeLine
from postgres import postgres_server, postgres_url  # noqa: F401  (a throwaway PostgreSQL, tests/postgres.py)

from bot import content
from bot.catalogue import Catalogue
from bot.config import Settings
from bot.conversation import Conversation
from bot.events import EventHandler, open_store_or_none
from bot.reloader import CatalogueHolder
from bot.web import create_app

# Property tests (tests/test_properties.py): moderate counts so `make test` stays within
# minutes on CI's 2 cores; no per-example deadline (the machine is shared and noisy).
settings.register_profile("ci", max_examples=25, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

SECRET = "test-channel-secret"
TOKEN = "test-access-token"
BOT_ID = "U" + "0" * 32
USER_ID = "U" + "1234abcd" * 4
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def _own_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own SQLite store, never the working tree's var/."""
    path = tmp_path / "nakabot.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return content.load()


@pytest.fixture(scope="session")
def conversation(catalogue: Catalogue) -> Conversation:
    return Conversation(catalogue)


@pytest.fixture
def fake_line() -> Iterator[FakeLine]:
    with FakeLine() as line:
        yield line


class BotClient(FlaskClient):
    """Flask's test client, holding the EventHandler its app hands events to."""

    events: EventHandler


def bot_client(settings: Settings, holder: CatalogueHolder, **options: Any) -> BotClient:
    """The app as `create_app(settings)` builds it, its store opened from DATABASE_URL,
    with the EventHandler built here and passed in, so the test can reach it (client.events).
    `options` go to create_app as they are (login_throttle=...)."""
    events = EventHandler.from_settings(settings, holder, open_store_or_none(settings))
    app = create_app(settings, events=events, **options)
    app.test_client_class = BotClient
    client = app.test_client()
    assert isinstance(client, BotClient)
    client.events = events
    return client


def line_settings(fake_line: FakeLine, **fields: Any) -> Settings:
    """Settings of a bot with LINE credentials, talking to the fake Messaging API."""
    return Settings(**{"channel_secret": SECRET, "access_token": TOKEN, "api_base_url": fake_line.url,
                       **fields})


@pytest.fixture
def client(fake_line: FakeLine, conversation: Conversation) -> BotClient:
    """The production app (LINE credentials, no simulator) answering through the fake API."""
    return bot_client(line_settings(fake_line), CatalogueHolder.fixed(conversation))


@pytest.fixture
def events(client: BotClient) -> EventHandler:
    return client.events


def sign(body: str, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def event(kind: str, **fields: Any) -> dict[str, Any]:
    """One webhook event as LINE sends it (tests/data/line-openapi/webhook.yml)."""
    number = next(_ids)
    base: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": 1764000000000 + number,
        "source": {"type": "user", "userId": USER_ID},
        "webhookEventId": f"01JTESTEVENT{number:014d}",
        "deliveryContext": {"isRedelivery": False},
    }
    if kind not in ("unfollow", "leave"):
        base["replyToken"] = f"reply-token-{number}"
    base.update(fields)
    return base


def text_event(text: str, **fields: Any) -> dict[str, Any]:
    message = {"id": str(next(_ids)), "type": "text", "text": text, "quoteToken": "q"}
    return event("message", message=message, **fields)


def body_of(*events: dict[str, Any]) -> str:
    return json.dumps({"destination": BOT_ID, "events": list(events)}, ensure_ascii=False)


def post(client: BotClient, body: str, signature: str | None = "sign") -> Any:
    """POST a webhook body (signed like LINE's unless told), then wait for the replies to go."""
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["X-Line-Signature"] = sign(body)
    elif signature is not None:
        headers["X-Line-Signature"] = signature
    response = client.post("/callback", data=body.encode(), headers=headers)
    client.events.wait()
    return response
