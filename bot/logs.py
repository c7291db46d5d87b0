"""The bot's log lines: one JSON object each, `{"event": NAME, ...fields}`.

Operators grep them by event name, and `nakabot restore` reads the review rows that
`store_failed` lines carry back into the store (bot/feedback.py), so every line is
written here, the same way.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, TextIO


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, *,
              exc_info: bool = False, **fields: Any) -> None:
    """Log one event as a JSON line (Japanese kept readable, not \\u-escaped).

    exc_info=True adds the current exception's traceback after the line, as
    logger.exception() does.
    """
    if logger.isEnabledFor(level):
        logger.log(level, json.dumps({"event": event, **fields}, ensure_ascii=False), exc_info=exc_info)


class _Stdout(logging.StreamHandler[TextIO]):
    """Writes to whatever sys.stdout is when a line is written (test captures swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout  # under the handler's lock (Handler.handle)
        super().emit(record)


def log_to_stdout() -> None:
    """The bot's JSON lines go to stdout (gunicorn and `flask run` leave the root logger bare)."""
    logger = logging.getLogger("bot")
    if not logger.handlers:
        handler = _Stdout()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
