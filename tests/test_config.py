"""Settings from the environment: LINE_API_BASE_URL never sends the token in clear elsewhere."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings

LINE = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t"}


@pytest.mark.parametrize(("given", "used"), [
    ("https://api.line.me", "https://api.line.me"),
    ("https://api.line.me/", "https://api.line.me"),
    ("https://line-proxy.example:8443", "https://line-proxy.example:8443"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    ("http://127.0.0.2:5000", "http://127.0.0.2:5000"),  # all of 127.0.0.0/8 is this machine
    ("http://[::1]:5000", "http://[::1]:5000"),
    ("http://localhost:5000", "http://localhost:5000"),
])
def test_https_anywhere_and_plain_http_to_this_machine_are_accepted(given, used):
    assert Settings.from_env({**LINE, "LINE_API_BASE_URL": given}).api_base_url == used


@pytest.mark.parametrize("given", [
    "http://127.0.0.1.evil.example",  # begins like this machine, is another host
    "http://127.0.0.1@evil.example",  # user name 127.0.0.1 at evil.example
    "http://localhost@evil.example:80",
    "https://user:password@api.line.me",
    "http://localhost.evil.example",
    "http://evil.example",
    "http://10.0.0.1",
    "ftp://api.line.me",
    "api.line.me",
    "https://",
    "http://127.0.0.1\\@evil.example",
    "https://api.line.me:port",
    "https://api.line.me/?to=evil",
])
def test_anything_else_is_refused_at_start(given):
    with pytest.raises(ConfigError, match="LINE_API_BASE_URL"):
        Settings.from_env({**LINE, "LINE_API_BASE_URL": given})
