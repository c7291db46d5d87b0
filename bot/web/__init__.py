"""The Flask app: LINE webhook, health check and the demo simulator, around the plain-Python core."""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request
from linebot.v3 import WebhookParser

from bot import content
from bot.config import Settings
from bot.conversation import Conversation, Incoming
from bot.line import BadRequest, LineClient, Replyable, parse, replyable

log = logging.getLogger("bot.webhook")


@dataclass
class State:
    """What one process shares between requests: built once, never per event."""

    settings: Settings
    conversation: Conversation
    parser: WebhookParser | None = None
    client: LineClient | None = None
    _executor: ThreadPoolExecutor | None = None
    _pending: set[Future[None]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def dispatch(self, work: Replyable, event_id: str, event_type: str) -> None:
        """Answer in the background so LINE gets its 200 at once (it waits 2 s at most)."""
        with self._lock:
            if self._executor is None:  # created lazily: after gunicorn forks its workers
                self._executor = ThreadPoolExecutor(self.settings.reply_workers, "reply")
            future = self._executor.submit(self._answer, work, event_id, event_type, time.perf_counter())
            self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    def wait(self, timeout: float = 10.0) -> None:
        """Block until every reply under way is sent (tests and shutdown)."""
        for future in list(self._pending):
            future.result(timeout=timeout)

    def _answer(self, work: Replyable, event_id: str, event_type: str, started: float) -> None:
        try:
            outcome = self.conversation.respond(work.incoming)
            sent = self.client.reply(work.reply_token, outcome.messages) if self.client else False
            answer = outcome.answer
            log.info(json.dumps({
                "event": "webhook_event", "event_id": event_id, "type": event_type,
                "shown": outcome.shown, "answer": answer.kind if answer else None,
                "procedure": answer.id if answer else None,
                "score": round(answer.score, 1) if answer else None, "sent": sent,
                "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            }, ensure_ascii=False))
        except Exception:  # one bad event must never take the worker down
            log.exception(json.dumps({"event": "event_failed", "event_id": event_id, "type": event_type}))


def state() -> State:
    return current_app.extensions["nakabot"]


def create_app(settings: Settings | None = None, conversation: Conversation | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # LINE's bodies are far smaller
    shared = State(settings, conversation or Conversation(content.load(settings.catalogue_root)))
    if not settings.demo:
        assert settings.channel_secret and settings.access_token
        shared.parser = WebhookParser(settings.channel_secret)
        shared.client = LineClient(settings.access_token, settings.api_base_url, settings.api_timeout)
    app.extensions["nakabot"] = shared
    app.register_blueprint(webhook)
    app.register_blueprint(health)
    app.register_blueprint(simulator)
    return app


webhook = Blueprint("webhook", __name__)


@webhook.post("/callback")
def callback():  # type: ignore[no-untyped-def]
    shared = state()
    if shared.parser is None:
        abort(503, "demo mode: set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN")
    body = request.get_data(as_text=True)
    try:
        events = parse(shared.parser, body, request.headers.get("X-Line-Signature"))
    except BadRequest as error:
        log.warning(json.dumps({"event": "webhook_rejected", "reason": str(error)}))
        abort(400)
    for event in events:  # an empty list is LINE's "Verify" request: 200, nothing to do
        work = replyable(event)
        if work is not None:
            shared.dispatch(work, getattr(event, "webhook_event_id", ""), getattr(event, "type", ""))
    return "OK"


health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    catalogue = state().conversation.catalogue
    return jsonify(status="ok", procedures=len(catalogue.procedures), intents=len(catalogue.intents),
                   catalogue_version=catalogue.version, demo=state().settings.demo)


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
    outcome = state().conversation.respond(Incoming(kind, text))
    return jsonify(messages=outcome.messages, shown=outcome.shown)
