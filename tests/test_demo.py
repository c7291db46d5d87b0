"""Demo mode: no LINE credentials, the simulator answers through the same conversation code."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings
from bot.web import create_app


@pytest.fixture
def demo(conversation):
    return create_app(Settings(), conversation).test_client()


def test_demo_mode_starts_without_credentials_and_serves_the_chat_page(demo):
    page = demo.get("/")
    assert page.status_code == 200
    assert "那珂市 手続き案内" in page.get_data(as_text=True)


def test_the_webhook_is_off_in_demo_mode(demo):
    assert demo.post("/callback", data="{}").status_code == 503


def test_the_simulator_sends_the_same_messages_as_line_would_get(demo, conversation):
    from bot.conversation import Incoming

    sent = demo.post("/simulator/send", json={"type": "text", "text": "住民票がほしい"}).get_json()
    expected = conversation.respond(Incoming("text", "住民票がほしい")).messages
    assert sent["messages"] == expected


def test_the_simulator_follows_postbacks(demo):
    sent = demo.post("/simulator/send", json={"type": "postback", "data": "c=shomeisho"}).get_json()
    assert sent["shown"] == "category:shomeisho"


def test_with_line_credentials_the_simulator_is_not_served(client):
    # `client` is the production app (conftest): a public chat there would be open to anyone.
    assert client.get("/").status_code == 404
    assert client.post("/simulator/send", json={"type": "text", "text": "住民票"}).status_code == 404
    assert client.get("/healthz").status_code == 200


def test_half_configured_credentials_fail_fast():
    with pytest.raises(ConfigError, match="LINE_CHANNEL_ACCESS_TOKEN"):
        Settings.from_env({"LINE_CHANNEL_SECRET": "x"})
    assert Settings.from_env({}).demo
    shown = repr(Settings.from_env({"LINE_CHANNEL_SECRET": "channel-s3cret",
                                    "LINE_CHANNEL_ACCESS_TOKEN": "access-t0ken"}))
    assert "channel-s3cret" not in shown
    assert "access-t0ken" not in shown
