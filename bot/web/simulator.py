"""The demo simulator: a LINE-like chat page that gets the exact messages LINE would be sent.

Registered only in demo mode. In production it would be a public chat with no login:
anyone's CPU, and its questions mixed into what staff review.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request

from bot import limits
from bot.conversation import Incoming
from bot.privacy import pseudonym
from bot.web.context import services

simulator = Blueprint("simulator", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/static")


@simulator.get("/")
def chat_page() -> str:
    return render_template("simulator.html")


@simulator.post("/simulator/send")
def simulator_send() -> Response:
    """The resident's action as JSON -> the exact messages LINE would be sent."""
    payload = request.get_json(silent=True) or {}
    kind = payload.get("type")
    if kind not in ("text", "postback", "follow", "other"):
        abort(400)
    text = str(payload.get("text") or payload.get("data") or "")[:limits.TEXT_UTF16]  # what LINE would take
    shared = services()
    # No LINE user here: one key per browser address, so a tester counts as one resident.
    resident = pseudonym(f"simulator:{request.remote_addr}", shared.settings.pseudonym_secret)
    outcome = shared.events.simulate(Incoming(kind, text, resident))
    return jsonify(messages=outcome.messages, shown=outcome.shown)
