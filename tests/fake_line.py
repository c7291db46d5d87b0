"""A fake LINE Messaging API on 127.0.0.1 that records and checks every request it gets."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from linebot.v3.messaging import ReplyMessageRequest
from openapi import errors


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    problems: list[str]


@dataclass
class FakeLine:
    """Start with `with FakeLine() as line:`; `line.url` is LINE_API_BASE_URL."""

    status: int = 200  # what /v2/bot/message/reply answers
    received: list[Received] = field(default_factory=list)

    def __enter__(self) -> FakeLine:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real API

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                problems = fake.check(self.path, body)
                fake.received.append(Received(self.path, dict(self.headers), body, problems))
                if fake.status == 200:
                    self._answer(200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]})
                else:
                    self._answer(fake.status, {"message": "Invalid reply token"})

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-Line-Request-Id", "fake")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def replies(self) -> list[Received]:
        return [r for r in self.received if r.path == "/v2/bot/message/reply"]

    @staticmethod
    def check(path: str, body: dict[str, Any]) -> list[str]:
        """What LINE's OpenAPI description and line-bot-sdk's own models find wrong."""
        if path != "/v2/bot/message/reply":
            return [f"unexpected path {path}"]
        problems = errors(body, "ReplyMessageRequest")
        try:
            ReplyMessageRequest.from_dict(body)
        except Exception as error:  # the SDK raises pydantic errors and ValueErrors
            problems.append(f"line-bot-sdk: {error}")
        return problems
