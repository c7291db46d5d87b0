"""Settings from the environment, validated once at start-up. Secrets never leave here in clear."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.content import DEFAULT_ROOT, resolve_root
from bot.privacy import random_secret

DEFAULT_API_BASE_URL = "https://api.line.me"
DEFAULT_DATABASE_URL = "sqlite:///var/nakabot.sqlite3"  # relative to the working directory


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    """Every setting and its default, once: from_env() falls back to these defaults."""

    channel_secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    catalogue_root: Path = DEFAULT_ROOT
    # (connect, read) seconds for every Messaging API call; the SDK has no default timeout.
    api_timeout: tuple[float, float] = (2.0, 5.0)
    # Reply threads per process: most of their time is waiting for the Messaging API, so
    # enough to cover events/s x the API's answer time (bench/load.py --api-latency-ms).
    reply_threads: int = 16
    # The store (bot/store.py). Read from the environment even when built directly, so
    # tests and tools that set DATABASE_URL never write to the working tree's var/.
    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    retention_days: int = 180
    # HMAC key for pseudonymous resident keys. Unset: a random one per process (demo mode;
    # gunicorn --preload shares it between workers), so keys change at every restart.
    pseudonym_secret: str = field(default_factory=random_secret, repr=False)
    pseudonym_secret_from_env: bool = False
    # /admin is off (404) unless a werkzeug password hash is set (`nakabot admin-hash`).
    admin_password_hash: str | None = field(default=None, repr=False)
    flask_secret_key: str | None = field(default=None, repr=False)
    reload_interval: float = 2.0  # seconds between checks of the catalogue files' times
    # Reverse proxies in front that set X-Forwarded-For/-Proto (nginx: 1). 0 trusts no such
    # header: a client could otherwise claim any address (the admin login throttle uses it).
    proxies: int = 0

    @property
    def demo(self) -> bool:
        """No LINE credentials: the webhook is off, the simulator is on."""
        return not (self.channel_secret and self.access_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        secret = env.get("LINE_CHANNEL_SECRET") or None
        token = env.get("LINE_CHANNEL_ACCESS_TOKEN") or None
        if bool(secret) != bool(token):
            missing = "LINE_CHANNEL_ACCESS_TOKEN" if secret else "LINE_CHANNEL_SECRET"
            raise ConfigError(f"{missing} is not set: set both LINE variables, or neither for demo mode")
        base = api_base_url(env.get("LINE_API_BASE_URL", DEFAULT_API_BASE_URL))
        root = resolve_root(env=env)
        pseudonym_secret = env.get("NAKABOT_PSEUDONYM_SECRET") or None
        try:
            retention_days = int(env.get("NAKABOT_RETENTION_DAYS") or cls.retention_days)
            reload_interval = float(env.get("NAKABOT_RELOAD_SECONDS") or cls.reload_interval)
            reply_threads = int(env.get("NAKABOT_REPLY_THREADS") or cls.reply_threads)
            proxies = int(env.get("NAKABOT_PROXIES") or cls.proxies)
        except ValueError as error:
            raise ConfigError(f"NAKABOT_RETENTION_DAYS / NAKABOT_RELOAD_SECONDS / NAKABOT_REPLY_THREADS / "
                              f"NAKABOT_PROXIES: {error}") from None
        if retention_days < 1:
            raise ConfigError("NAKABOT_RETENTION_DAYS must be 1 or more")
        if reply_threads < 1:
            raise ConfigError("NAKABOT_REPLY_THREADS must be 1 or more")
        if proxies < 0:
            raise ConfigError("NAKABOT_PROXIES must be 0 or more")
        return cls(channel_secret=secret, access_token=token, api_base_url=base, catalogue_root=root,
                   database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
                   retention_days=retention_days, reload_interval=reload_interval,
                   reply_threads=reply_threads, proxies=proxies,
                   pseudonym_secret=pseudonym_secret or random_secret(),
                   pseudonym_secret_from_env=pseudonym_secret is not None,
                   admin_password_hash=env.get("ADMIN_PASSWORD_HASH") or None,
                   flask_secret_key=env.get("FLASK_SECRET_KEY") or None)


def api_base_url(value: str) -> str:
    """LINE_API_BASE_URL, parsed: https to any host, plain http only to this machine.

    The access token goes with every call, so a prefix test was not enough:
    http://127.0.0.1.evil.example and http://127.0.0.1@evil.example both began like
    this machine and sent it in clear to another host. A user:password@ part is refused.
    """
    problem = "LINE_API_BASE_URL must be https://HOST (or http://127.0.0.1, [::1] or localhost for tests)"
    if any(c <= " " or c == "\\" for c in value):
        raise ConfigError(f"{problem}: no spaces, control characters or backslashes")
    url = urlsplit(value)
    try:
        url.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        raise ConfigError(f"{problem}: the port is not a number") from None
    if "@" in url.netloc:
        raise ConfigError(f"{problem}: no user name or password in it")
    if not url.hostname or url.query or url.fragment:
        raise ConfigError(problem)
    if url.scheme == "https" or (url.scheme == "http" and _loopback(url.hostname)):
        return value.rstrip("/")
    raise ConfigError(problem)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback  # 127.0.0.0/8 and ::1
    except ValueError:
        return False
