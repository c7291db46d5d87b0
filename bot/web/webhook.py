"""POST /callback: LINE's webhook. Checks the signature, then hands each event to the EventHandler."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, request

from bot.line import BadRequest, parse, replyable
from bot.logs import log_event
from bot.web.context import services

log = logging.getLogger("bot.webhook")
webhook = Blueprint("webhook", __name__)


@webhook.post("/callback")
def callback() -> str:
    shared = services()
    if shared.parser is None:
        abort(503, "demo mode: set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN")
    # Over 1 MiB: 413. A declared length is checked before a byte is read. A chunked body
    # (no length) is cut by Werkzeug's limited stream at MAX_CONTENT_LENGTH without an
    # error: a body that reaches the limit was longer, and would fail its signature (400).
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if (request.content_length or 0) > limit:
        abort(413)
    raw = request.get_data()
    if request.content_length is None and len(raw) >= limit:
        abort(413)
    body = raw.decode("utf-8", "replace")
    try:
        events = parse(shared.parser, body, request.headers.get("X-Line-Signature"))
    except BadRequest as error:
        log_event(log, "webhook_rejected", logging.WARNING, reason=str(error))
        abort(400)
    for event in events:  # an empty list is LINE's "Verify" request: 200, nothing to do
        work = replyable(event, shared.settings.pseudonym_secret)
        if work is not None:
            shared.events.dispatch(work, getattr(event, "webhook_event_id", None) or "",
                                   getattr(event, "type", ""))
    return "OK"
