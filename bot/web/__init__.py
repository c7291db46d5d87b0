"""The Flask app: LINE webhook, health check and the demo simulator, around the plain-Python core."""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request
from linebot.v3 import WebhookParser
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import feedback
from bot.config import Settings
from bot.conversation import Conversation, Incoming, Outcome
from bot.followup import StoreMemory
from bot.line import BadRequest, LineClient, Replyable, parse, replyable
from bot.privacy import pseudonym
from bot.reloader import CatalogueHolder
from bot.store import Store, StoreError, open_store
from bot.web.richmenu_preview import richmenu_preview

log = logging.getLogger("bot.webhook")
REPLY_QUEUE = 32  # answers waiting for a reply thread before the request thread answers itself


@dataclass
class State:
    """What one process shares between requests: built once, never per event."""

    settings: Settings
    holder: CatalogueHolder
    store: Store | None = None  # None when it could not be opened: answering goes on
    parser: WebhookParser | None = None
    client: LineClient | None = None
    _purged: float = field(default_factory=time.monotonic)  # the store was purged when opened
    _executor: ThreadPoolExecutor | None = None
    _pending: set[Future[None]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def memory(self) -> StoreMemory | None:
        """Where follow-ups find the last card shown to a resident: the shared store."""
        return StoreMemory(self.store) if self.store is not None else None

    @property
    def conversation(self) -> Conversation:
        """The current catalogue's conversation (hot reloaded, see bot/reloader.py)."""
        return self.holder.conversation

    def dispatch(self, work: Replyable, event_id: str, event_type: str) -> None:
        """Answer in the background so LINE gets its 200 at once (it waits 2 s at most).

        Backpressure: with REPLY_QUEUE answers already waiting for a reply thread, this one
        is answered in the request's own thread instead. The queue (and so the resident's
        wait, and the memory it holds) stays bounded under a burst, and the slower 200s
        slow the intake down, instead of replies piling up until their tokens expire.
        """
        with self._lock:
            if self._executor is None:  # created lazily: after gunicorn forks its workers
                self._executor = ThreadPoolExecutor(self.settings.reply_threads, "reply")
            if len(self._pending) >= self.settings.reply_threads + REPLY_QUEUE:  # running + waiting
                future = None
            else:
                future = self._executor.submit(self._answer, work, event_id, event_type, time.perf_counter())
                self._pending.add(future)
        if future is None:
            self._answer(work, event_id, event_type, time.perf_counter())
        else:
            future.add_done_callback(self._pending.discard)

    def wait(self, timeout: float = 10.0) -> None:
        """Block until every reply under way is sent (tests and shutdown)."""
        for future in list(self._pending):
            future.result(timeout=timeout)

    def _answer(self, work: Replyable, event_id: str, event_type: str, started: float) -> None:
        try:
            if event_id and not self._claim(event_id):
                log.info(json.dumps({"event": "webhook_duplicate", "event_id": event_id, "type": event_type}))
                return
            conversation = self.conversation
            outcome = conversation.respond(work.incoming, self.memory)
            sent = self.client.reply(work.reply_token, outcome.messages) if self.client else False
            latency = round((time.perf_counter() - started) * 1000, 1)  # the resident's wait
            recorded = self.remember(conversation, work.incoming, outcome, "line")
            answer = outcome.answer
            log.info(json.dumps({
                "event": "webhook_event", "event_id": event_id, "type": event_type,
                "shown": outcome.shown, "answer": answer.kind if answer else None,
                "procedure": answer.id if answer else None,
                "score": round(answer.score, 1) if answer else None, "sent": sent,
                "latency_ms": latency, "resident": work.incoming.resident, "recorded": recorded,
            }, ensure_ascii=False))
        except Exception:  # one bad event must never take the worker down
            log.exception(json.dumps({"event": "event_failed", "event_id": event_id, "type": event_type}))

    def _claim(self, event_id: str) -> bool:
        """False for an event already handled (a redelivery); True if unsure, so it is answered."""
        if self.store is None:
            return True
        try:
            return self.store.claim_event(event_id)
        except StoreError as error:
            log.error(json.dumps({"event": "store_failed", "action": "claim_event", "error": str(error)}))
            return True

    def remember(self, conversation: Conversation, incoming: Incoming, outcome: Outcome,
                 channel: str) -> bool:
        """Keep what staff should review (after the reply is sent).

        Without a store the question is not lost: the log line carries it, masked, and
        `nakabot restore` puts it back once the store is there again.
        """
        row = feedback.review_row(conversation, incoming, outcome, channel)
        if self.store is None:
            if row is not None:
                log.error(json.dumps({"event": "store_failed", "action": "record", "error": "no store",
                                      "unsaved": row}, ensure_ascii=False))
            return False
        try:
            recorded = feedback.record(self.store, outcome, row)
            if time.monotonic() - self._purged > 24 * 3600:  # retention, once a day per process
                self._purged = time.monotonic()
                self.store.purge(self.settings.retention_days)
            return recorded
        except StoreError as error:
            log.error(json.dumps({"event": "store_failed", "action": "record", "error": str(error),
                                  "unsaved": row}, ensure_ascii=False))
            return False


def state() -> State:
    return current_app.extensions["nakabot"]


def create_app(settings: Settings | None = None, conversation: Conversation | None = None) -> Flask:
    settings = settings or Settings.from_env()
    _log_to_stdout()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # LINE's bodies are far smaller
    if settings.proxies:  # the client's address and scheme as the proxies in front saw them
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxies, x_proto=settings.proxies)
    holder = (CatalogueHolder.fixed(conversation) if conversation is not None
              else CatalogueHolder(settings.catalogue_root, settings.reload_interval))
    shared = State(settings, holder, _store(settings))
    if not settings.demo:
        assert settings.channel_secret and settings.access_token
        shared.parser = WebhookParser(settings.channel_secret)
        # Senders at once: the reply threads, and request threads answering in place when
        # the queue is full (the Procfile runs 4; room for more).
        shared.client = LineClient(settings.access_token, settings.api_base_url, settings.api_timeout,
                                   connections=settings.reply_threads + 8)
    app.extensions["nakabot"] = shared
    app.register_blueprint(webhook)
    app.register_blueprint(health)
    if settings.demo:
        # Only for trying the bot without LINE. In production it would be a public chat
        # with no login: anyone's CPU, and its questions mixed into what staff review.
        app.register_blueprint(simulator)
        app.register_blueprint(richmenu_preview)  # the rich menu under the simulator's chat
    app.secret_key = settings.flask_secret_key or secrets.token_hex(32)
    app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8))
    if settings.admin_password_hash:  # otherwise /admin does not exist: 404
        from bot.web.admin import admin

        app.register_blueprint(admin)
    if not settings.pseudonym_secret_from_env and not settings.demo:
        log.warning(json.dumps({"event": "config_warning", "message": "NAKABOT_PSEUDONYM_SECRET is not set: "
                                "resident keys change at every restart"}))
    return app


class _Stdout(logging.StreamHandler):  # type: ignore[type-arg]
    """Whatever sys.stdout is when a line is written (test captures swap it)."""

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:  # type: ignore[no-untyped-def]
        pass


def _log_to_stdout() -> None:
    """The bot's JSON lines go to stdout (gunicorn and `flask run` leave the root logger bare)."""
    logger = logging.getLogger("bot")
    if not logger.handlers:
        handler = _Stdout()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def _store(settings: Settings) -> Store | None:
    try:
        store = open_store(settings.database_url)
        store.purge(settings.retention_days)
        return store
    except StoreError as error:
        log.error(json.dumps({"event": "store_failed", "action": "open", "error": str(error)}))
        return None


webhook = Blueprint("webhook", __name__)


@webhook.post("/callback")
def callback():  # type: ignore[no-untyped-def]
    shared = state()
    if shared.parser is None:
        abort(503, "demo mode: set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN")
    # Over 1 MiB: 413 before a byte is read. A declared length is checked here; a chunked
    # body with no length is cut by Werkzeug's limited stream at MAX_CONTENT_LENGTH (413 too).
    if (request.content_length or 0) > current_app.config["MAX_CONTENT_LENGTH"]:
        abort(413)
    body = request.get_data(as_text=True)
    try:
        events = parse(shared.parser, body, request.headers.get("X-Line-Signature"))
    except BadRequest as error:
        log.warning(json.dumps({"event": "webhook_rejected", "reason": str(error)}))
        abort(400)
    for event in events:  # an empty list is LINE's "Verify" request: 200, nothing to do
        work = replyable(event, shared.settings.pseudonym_secret)
        if work is not None:
            shared.dispatch(work, getattr(event, "webhook_event_id", None) or "", getattr(event, "type", ""))
    return "OK"


health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    shared = state()
    catalogue = shared.conversation.catalogue
    store = "ok" if shared.store is not None and shared.store.ping() else "unreachable"
    return jsonify(status="ok", procedures=len(catalogue.procedures), intents=len(catalogue.intents),
                   catalogue_version=catalogue.version, demo=shared.settings.demo, store=store)


simulator = Blueprint("simulator", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static")


@simulator.get("/")
def chat_page():  # type: ignore[no-untyped-def]
    return render_template("simulator.html")


@simulator.post("/simulator/send")
def simulator_send():  # type: ignore[no-untyped-def]
    """The resident's action as JSON -> the exact messages LINE would be sent."""
    payload = request.get_json(silent=True) or {}
    kind = payload.get("type")
    if kind not in ("text", "postback", "follow", "other"):
        abort(400)
    text = str(payload.get("text") or payload.get("data") or "")[:5000]
    shared = state()
    # No LINE user here: one key per browser address, so a tester counts as one resident.
    resident = pseudonym(f"simulator:{request.remote_addr}", shared.settings.pseudonym_secret)
    incoming = Incoming(kind, text, resident)
    conversation = shared.conversation
    outcome = conversation.respond(incoming, shared.memory)
    shared.remember(conversation, incoming, outcome, "simulator")
    return jsonify(messages=outcome.messages, shown=outcome.shown)
