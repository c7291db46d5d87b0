"""The rich menu in the simulator: the definition, body and image that `nakabot richmenu create` sends."""

from __future__ import annotations

import functools
from pathlib import Path

from flask import Blueprint, Response, abort, jsonify

from bot import richmenu

richmenu_preview = Blueprint("richmenu_preview", __name__)


@functools.lru_cache(maxsize=4)
def _menu(path: Path, mtime: float) -> richmenu.Menu:  # mtime: a saved edit is read anew
    return richmenu.check(richmenu.load(path))


@functools.lru_cache(maxsize=2)
def _png(path: Path, mtime: float) -> bytes:
    return richmenu.png(_menu(path, mtime))


def _current() -> tuple[Path, float]:
    path = richmenu.DEFAULT_PATH
    try:
        mtime = path.stat().st_mtime
        _menu(path, mtime)
        return path, mtime
    except (OSError, richmenu.RichMenuError) as error:
        abort(404, str(error))


@richmenu_preview.get("/simulator/richmenu.json")
def richmenu_json() -> Response:
    """The RichMenuRequest body LINE gets: size, chatBarText, areas with bounds and actions."""
    return jsonify(richmenu.request_body(_menu(*_current())))


@richmenu_preview.get("/simulator/richmenu.png")
def richmenu_png() -> Response:
    try:
        image = _png(*_current())
    except richmenu.RichMenuError as error:  # no Japanese font: no picture rather than tofu
        abort(404, str(error))
    return Response(image, mimetype="image/png", headers={"Cache-Control": "no-cache"})
