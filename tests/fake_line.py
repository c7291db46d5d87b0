"""A fake LINE Messaging API on 127.0.0.1 that records and checks every request it gets."""

from __future__ import annotations

import io
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from linebot.v3.messaging import ReplyMessageRequest, RichMenuRequest
from openapi import errors

RICHMENU = "/v2/bot/richmenu"
FAULTS = {400: "Invalid reply token", 401: "Authentication failed",
          429: "The API rate limit has been exceeded.", 500: "Internal server error",
          503: "Service unavailable"}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    problems: list[str]
    raw: bytes = b""  # an uploaded image


@dataclass
class FakeLine:
    """Start with `with FakeLine() as line:`; `line.url` is LINE_API_BASE_URL."""

    status: int = 200  # what /v2/bot/message/reply answers
    # Faults on demand: each reply call takes the next status from here first (then
    # `status`); 0 means hang for `delay` seconds before answering (a read timeout).
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    latency: float = 0.0  # seconds every reply call takes before its answer (a busy LINE)
    checking: bool = True  # check each body against LINE's spec and the SDK (~80 ms of CPU each)
    retry_after: str | None = None  # sent as Retry-After with a 429
    received: list[Received] = field(default_factory=list)
    rich_menus: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> request body
    rich_menu_images: dict[str, bytes] = field(default_factory=dict)
    default_rich_menu: str | None = None

    def __enter__(self) -> FakeLine:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real API

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                if self.path.startswith(RICHMENU) or self.path.startswith("/v2/bot/user/all/richmenu/"):
                    status, payload = fake.rich_menu_call(self.path, dict(self.headers), raw)
                    self._answer(status, payload)
                    return
                body = json.loads(raw or b"{}")
                problems = fake.check(self.path, body) if fake.checking else []
                fake.received.append(Received(self.path, dict(self.headers), body, problems))
                status = fake.statuses.pop(0) if fake.statuses else fake.status
                if status == 0:
                    time.sleep(fake.delay)
                    status = 200
                time.sleep(fake.latency)
                if status == 200:
                    self._answer(200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]})
                else:
                    self._answer(status, {"message": FAULTS.get(status, "Internal server error")})

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                if status == 429 and fake.retry_after is not None:
                    self.send_header("Retry-After", fake.retry_after)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-Line-Request-Id", "fake")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # many replies connecting at once, as LINE takes them

        self.server = Server(("127.0.0.1", 0), Handler)
        # shutdown() waits for serve_forever's next poll: at the default 0.5 s, every test
        # using this fake spent half a second in teardown.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01},
                                       daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def replies(self) -> list[Received]:
        return [r for r in self.received if r.path == "/v2/bot/message/reply"]

    @property
    def rich_menu_calls(self) -> list[Received]:
        return [r for r in self.received if "richmenu" in r.path]

    def rich_menu_call(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        """Create/validate, image upload (api-data's path) and set-default, checked like LINE would."""
        problems: list[str] = []
        body: dict[str, Any] = {}
        answer: dict[str, Any] = {}
        rich_menu_id = path.rsplit("/", 1)[-1] if path.startswith("/v2/bot/user/all/") else ""
        if path in (RICHMENU, RICHMENU + "/validate"):
            body = json.loads(raw or b"{}")
            problems = errors(body, "RichMenuRequest")
            try:
                RichMenuRequest.from_dict(body)
            except Exception as error:
                problems.append(f"line-bot-sdk: {error}")
            if path == RICHMENU and not problems:
                rich_menu_id = f"richmenu-{len(self.rich_menus) + 1:032x}"
                self.rich_menus[rich_menu_id] = body
                answer = {"richMenuId": rich_menu_id}
        elif path.startswith(RICHMENU + "/") and path.endswith("/content"):
            rich_menu_id = path.split("/")[-2]
            problems = self.image_problems(rich_menu_id, headers, raw)
            if not problems:
                self.rich_menu_images[rich_menu_id] = raw
        elif rich_menu_id:
            if rich_menu_id not in self.rich_menu_images:  # LINE shows no menu without its image
                problems.append(f"rich menu {rich_menu_id} unknown or has no image")
            else:
                self.default_rich_menu = rich_menu_id
        else:
            problems.append(f"unexpected path {path}")
        self.received.append(Received(path, headers, body, problems, raw if "/content" in path else b""))
        if problems:
            return 400, {"message": "; ".join(problems)[:500]}
        return 200, answer

    def image_problems(self, rich_menu_id: str, headers: dict[str, str], raw: bytes) -> list[str]:
        """LINE's image rules: PNG or JPEG, ≤1 MB, the size the menu was created with."""
        from PIL import Image

        menu = self.rich_menus.get(rich_menu_id)
        if menu is None:
            return [f"no rich menu {rich_menu_id}"]
        problems = []
        kind = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
        if kind not in ("image/png", "image/jpeg"):
            problems.append(f"Content-Type {kind!r} (image/png or image/jpeg)")
        if len(raw) > 1024 * 1024:
            problems.append(f"image {len(raw)} bytes (at most 1 MB)")
        try:
            with Image.open(io.BytesIO(raw)) as image:
                size = {"width": image.width, "height": image.height}
                if (image.format or "").lower() != kind.removeprefix("image/"):
                    problems.append(f"image is {image.format}, sent as {kind}")
        except Exception as error:
            return [*problems, f"not an image: {error}"]
        if size != menu["size"]:
            problems.append(f"image {size} is not the menu size {menu['size']}")
        return problems

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
