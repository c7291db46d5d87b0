"""GET /healthz: the catalogue served, and whether the store answers and takes writes."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from bot.store import StoreError
from bot.web.context import services

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the bot can answer and keep what it should; 503 otherwise, so that a
    platform's health check sees a store that cannot be reached or written (disk full)."""
    shared = services()
    catalogue = shared.events.conversation.catalogue
    store = shared.events.store  # a store not opened yet is tried again (with backoff) here
    try:
        state = ("unreachable" if store is None else "ok" if store.writable()
                 else "unwritable" if store.ping() else "unreachable")  # reads work, writes do not
    except StoreError:
        state = "unreachable"
    return jsonify(status="ok" if state == "ok" else "degraded", procedures=len(catalogue.procedures),
                   intents=len(catalogue.intents), catalogue_version=catalogue.version,
                   # the version published in /admin served here; null: the repository's files
                   catalogue_published=shared.events.holder.version_id,
                   demo=shared.settings.demo, store=state), 200 if state == "ok" else 503
