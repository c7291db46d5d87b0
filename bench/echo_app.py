"""The baseline for bench/load.py: the smallest correct line-bot-sdk v3 echo bot.

It is line-bot-sdk-python's examples/flask-echo/app.py (WebhookParser) with the one fix
that example needs under v3: the parser comes from `linebot.v3`, not the v2 `linebot`
(whose parser returns v2 events, so the v3 isinstance checks never match and the
example never replies). Everything else is as the SDK shows it, including a new
ApiClient per event (no keep-alive between replies) and no timeout.

NAKABOT_ECHO_SHARED_CLIENT=1 keeps one ApiClient per process instead: the floor cost
of Flask plus the SDK with connection reuse, the same as our bot does (bot/line.py).

Run only by bench/load.py under gunicorn, with the bot's Procfile settings.
"""

from __future__ import annotations

import os

from flask import Flask, abort, request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest, TextMessage
from linebot.v3.webhooks import MessageEvent, TextMessageContent


def create_app() -> Flask:
    app = Flask(__name__)
    parser = WebhookParser(os.environ["LINE_CHANNEL_SECRET"])
    configuration = Configuration(access_token=os.environ["LINE_CHANNEL_ACCESS_TOKEN"],
                                  host=os.environ.get("LINE_API_BASE_URL", "https://api.line.me"))
    shared = ApiClient(configuration) if os.environ.get("NAKABOT_ECHO_SHARED_CLIENT") == "1" else None

    @app.post("/callback")
    def callback():  # type: ignore[no-untyped-def]
        signature = request.headers["X-Line-Signature"]
        body = request.get_data(as_text=True)
        try:
            events = parser.parse(body, signature)
        except InvalidSignatureError:
            abort(400)
        for event in events:
            if not isinstance(event, MessageEvent) or not isinstance(event.message, TextMessageContent):
                continue
            reply = ReplyMessageRequest(reply_token=event.reply_token,
                                        messages=[TextMessage(text=event.message.text)])
            if shared is not None:
                MessagingApi(shared).reply_message_with_http_info(reply)
            else:
                with ApiClient(configuration) as api_client:
                    MessagingApi(api_client).reply_message_with_http_info(reply)
        return "OK"

    return app
