"""What the blueprints share in one app: built by create_app, read with services()."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from linebot.v3 import WebhookParser

from bot.config import Settings
from bot.events import EventHandler
from bot.web.throttle import LoginThrottle

KEY = "nakabot"  # the app.extensions entry


@dataclass(frozen=True)
class Services:
    settings: Settings
    events: EventHandler
    parser: WebhookParser | None  # None in demo mode: the webhook answers 503
    login_throttle: LoginThrottle


def services() -> Services:
    """The current app's services (inside a request)."""
    service: Services = current_app.extensions[KEY]
    return service
