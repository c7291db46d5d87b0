"""Settings from the environment, validated once at start-up. Secrets never leave here in clear."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.content import REPO_ROOT

DEFAULT_API_BASE_URL = "https://api.line.me"


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    channel_secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    catalogue_root: Path = REPO_ROOT
    # (connect, read) seconds for every Messaging API call; the SDK has no default timeout.
    api_timeout: tuple[float, float] = (2.0, 5.0)
    reply_workers: int = 4

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
        base = env.get("LINE_API_BASE_URL", DEFAULT_API_BASE_URL).rstrip("/")
        if not base.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ConfigError("LINE_API_BASE_URL must be https:// (or http on this machine for tests)")
        root = Path(env.get("NAKABOT_CATALOGUE", str(REPO_ROOT)))
        return cls(channel_secret=secret, access_token=token, api_base_url=base, catalogue_root=root)
