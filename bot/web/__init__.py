"""The Flask app: one blueprint per page around the plain-Python core.

webhook.py (POST /callback), health.py (/healthz), simulator.py and richmenu_preview.py
(demo mode only), admin.py (/admin, staff accounts). What they share is
built here once (context.py); the events themselves are handled by bot/events.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from flask import Flask
from linebot.v3 import WebhookParser
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.config import Settings
from bot.conversation import Conversation
from bot.events import EventHandler, store_holder
from bot.logs import log_event, log_to_stdout
from bot.reloader import CatalogueHolder
from bot.web.context import KEY, Services
from bot.web.headers import add_security_headers
from bot.web.health import health
from bot.web.richmenu_preview import richmenu_preview
from bot.web.simulator import simulator
from bot.web.throttle import LoginThrottle
from bot.web.webhook import webhook

log = logging.getLogger("bot.webhook")
MAX_BODY = 1024 * 1024  # LINE's bodies are far smaller


def create_app(settings: Settings | None = None, conversation: Conversation | None = None, *,
               events: EventHandler | None = None, login_throttle: LoginThrottle | None = None) -> Flask:
    """The app for `settings` (default: from the environment).

    Given `events`, the app hands events to it (tests pass one built with their own store
    and LINE client); otherwise one is built from the settings, answering with
    `conversation` when given, else with the catalogue at settings.catalogue_root,
    reloaded when its files change.
    """
    settings = settings or Settings.from_env()
    log_to_stdout()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    if settings.proxies:  # the client's address and scheme as the proxies in front saw them
        # Flask's documented way to add WSGI middleware (mypy sees a method reassigned).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxies, x_proto=settings.proxies)
    if events is None:
        stores = store_holder(settings)
        # The catalogue staff published (in the store) wins over the files in the repository.
        holder = (CatalogueHolder.fixed(conversation) if conversation is not None
                  else CatalogueHolder(settings.catalogue_root, settings.reload_interval,
                                       store=lambda: stores.store))
        events = EventHandler.from_settings(settings, holder, stores)
    parser = None
    if not settings.demo:
        assert settings.channel_secret
        parser = WebhookParser(settings.channel_secret)
    app.extensions[KEY] = Services(settings, events, parser, login_throttle or LoginThrottle())
    add_security_headers(app)
    app.register_blueprint(webhook)
    app.register_blueprint(health)
    if settings.demo:
        app.register_blueprint(simulator)
        app.register_blueprint(richmenu_preview)  # the rich menu under the simulator's chat
    app.secret_key = settings.flask_secret_key or secrets.token_hex(32)
    app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8))
    # /admin is always there: staff accounts live in the store (`nakabot staff add`), and
    # ADMIN_PASSWORD_HASH opens it only until the first one exists (bot/accounts.py).
    from bot.web import catalogue_admin  # noqa: F401  (its routes join the admin blueprint)
    from bot.web.admin import admin

    app.register_blueprint(admin)
    if not settings.pseudonym_secret_from_env and not settings.demo:
        log_event(log, "config_warning", logging.WARNING,
                  message="NAKABOT_PSEUDONYM_SECRET is not set: resident keys change at every restart")
    return app


def events_of(app: Flask) -> EventHandler:
    """The app's EventHandler (`nakabot serve` installs its reload signal on it)."""
    service: Services = app.extensions[KEY]
    return service.events
