"""The bot with a matcher that costs nothing: the ceiling a faster matcher could reach.

bench/load.py serves it as `bot-fixed` (`--servers bot,bot-fixed,echo`). Everything is
the bot's own code under the Procfile's gunicorn command (signature check, parsing,
dedupe claim, reply thread, the reply card, counts), except that every question gets
the answer the matcher gives 「住民票がほしい」, computed once at start. Patched on the
class, so a catalogue reload keeps it. Run only by bench/load.py, never in production.
"""

from __future__ import annotations

from flask import Flask

from bot.matcher import Answer, Matcher
from bot.web import create_app as create_bot_app
from bot.web import events_of


def create_app() -> Flask:
    app = create_bot_app()
    fixed = events_of(app).conversation.matcher.match("住民票がほしい")

    def match(self: Matcher, text: str) -> Answer:
        return fixed

    Matcher.match = match  # type: ignore[method-assign]
    return app
