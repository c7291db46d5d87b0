"""GET /healthz: the catalogue served and whether the store answers."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from bot.web.context import services

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz() -> Response:
    shared = services()
    catalogue = shared.events.conversation.catalogue
    store = shared.events.store
    reachable = "ok" if store is not None and store.ping() else "unreachable"
    return jsonify(status="ok", procedures=len(catalogue.procedures), intents=len(catalogue.intents),
                   catalogue_version=catalogue.version, demo=shared.settings.demo, store=reachable)
