"""LINE at the edge: signature check and event parsing in, replies out (line-bot-sdk v3)."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import urllib3
from linebot.v3 import WebhookParser
from linebot.v3.models import UnknownEvent
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from bot.conversation import Incoming
from bot.logs import log_event
from bot.privacy import pseudonym
from bot.replies import Message

log = logging.getLogger(__name__)


class BadRequest(ValueError):
    """The body is not a webhook LINE signed: answer 400, process nothing."""


def parse(parser: WebhookParser, body: str, signature: str | None) -> list[Event | UnreadableMessage]:
    """Verify the signature first, then parse. What is not LINE's becomes BadRequest (400).

    The decision (issue 7): a body is refused (400) only when it cannot be a webhook LINE
    sent us: a missing or wrong signature, a body that is not JSON, or JSON without an
    `events` array. A signed, readable body is accepted (200) whatever its events hold:
    an event the SDK cannot read (a field missing, a type newer than the SDK) is logged as
    `event_unreadable` and skipped, and the other events in the same body are answered.
    Refusing the whole body would lose those, and LINE counts the 400 as our error.
    A message the SDK cannot read (a type newer than the SDK) that still carries a
    reply token becomes an UnreadableMessage, answered like a photo or a sticker: the
    resident gets "please type", not silence.
    """
    if not signature:
        raise BadRequest("missing X-Line-Signature")
    try:
        valid = parser.signature_validator.validate(body, signature)
    except (ValueError, TypeError) as error:  # e.g. a signature that is not ASCII
        raise BadRequest("invalid signature") from error
    if not valid:
        raise BadRequest("invalid signature")
    try:
        payload = json.loads(body)
    except ValueError as error:  # JSONDecodeError
        raise BadRequest("unreadable body: not JSON") from error
    except RecursionError as error:  # [[[[...]]]] nested deeper than Python's recursion limit
        raise BadRequest("unreadable body: nested too deeply") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise BadRequest("unreadable body: no events array")
    events: list[Event | UnreadableMessage] = []
    for number, raw in enumerate(payload["events"]):
        try:
            events.append(_event(raw))
        except Exception as error:  # pydantic, ValueError, TypeError, KeyError...: skip this one
            kind = raw.get("type") if isinstance(raw, dict) else None
            message = UnreadableMessage.of(raw)
            log_event(log, "event_unreadable", logging.WARNING, index=number,
                      type=str(kind)[:40] if kind is not None else None,
                      error=type(error).__name__, answered=message is not None)
            if message is not None:
                events.append(message)
    return events


@dataclass(frozen=True)
class UnreadableMessage:
    """What the bot needs of a message event the SDK could not read: enough to answer it."""

    webhook_event_id: str
    reply_token: str
    user_id: str | None
    mode: str
    type: str = "message"

    @classmethod
    def of(cls, raw: object) -> UnreadableMessage | None:
        if not isinstance(raw, dict) or raw.get("type") != "message":
            return None
        token, source = raw.get("replyToken"), raw.get("source")
        user_id = source.get("userId") if isinstance(source, dict) else None
        event_id, mode = raw.get("webhookEventId"), raw.get("mode")
        if not isinstance(token, str) or not token:
            return None
        return cls(event_id if isinstance(event_id, str) else "", token,
                   user_id if isinstance(user_id, str) else None, mode if isinstance(mode, str) else "active")


def _event(raw: object) -> Event:
    """One event as the SDK's model; an unknown type becomes UnknownEvent (ignored later)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        raise TypeError("an event must be an object with a type")
    if Event.get_discriminator_value(raw) is None:  # a type this SDK does not know yet
        return UnknownEvent.new_from_json_dict(raw)
    event = Event.from_dict(raw)
    if event is None:
        raise ValueError("empty event")
    return event


def clean_text(text: str) -> str:
    """Text as Python can store and send it: lone UTF-16 surrogates (JSON allows "\\ud800")
    become U+FFFD. Valid pairs were already joined by json.loads."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


@dataclass(frozen=True)
class Replyable:
    reply_token: str
    incoming: Incoming  # carries the resident's pseudonymous key, never the LINE user id


def replyable(event: Event | UnreadableMessage, secret: str) -> Replyable | None:
    """The resident's action if the bot should answer it, else None.

    The LINE user id is personal data: it is turned into a pseudonymous key here, with
    the server's secret, and goes no further.

    Standby events (another module has the chat) carry no reply token and get nothing;
    unfollow gets nothing; events without a reply token cannot be answered.
    """
    if getattr(event, "mode", None) == "standby" or isinstance(event, UnfollowEvent):
        return None
    token = getattr(event, "reply_token", None)
    if not token:
        return None
    user_id = (event.user_id if isinstance(event, UnreadableMessage)
               else getattr(getattr(event, "source", None), "user_id", None))
    resident = pseudonym(user_id, secret) if user_id else None
    if isinstance(event, MessageEvent | UnreadableMessage):  # text; or a photo, a type newer than the SDK...
        message = getattr(event, "message", None)
        if isinstance(message, TextMessageContent):
            return Replyable(token, Incoming("text", clean_text(message.text), resident))
        return Replyable(token, Incoming("other", resident=resident))
    if isinstance(event, PostbackEvent):
        return Replyable(token, Incoming("postback", clean_text(event.postback.data), resident))
    if isinstance(event, FollowEvent):
        return Replyable(token, Incoming("follow", resident=resident))
    return None


# Retrying a reply (issue 7). LINE's X-Line-Retry-Key makes a retried *push* safe; the
# reply API has no such key, but it has something as good: a reply token is accepted
# once. If a first attempt did reach LINE (a read timeout, or a 5xx after delivery),
# a retry with the same token is refused with 400 "Invalid reply token" and nothing is
# sent twice. So 429, 5xx, connection failures and timeouts are retried with the same
# token, a few times, with jittered exponential backoff (Retry-After honoured, capped),
# and all within REPLY_DEADLINE seconds: the token expires (about a minute, not
# documented exactly) and the resident is waiting. Other 4xx (400 expired or used token,
# 401, 403) are never retried. The bot never falls back to push: push costs the city
# message quota and a push after a reply that did arrive would be a double answer.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REPLY_ATTEMPTS = 3
REPLY_DEADLINE = 10.0  # seconds from the first attempt; no retry starts after it
BACKOFF = 0.25  # seconds, doubled per retry, times a random factor in [0.5, 1.5)
RETRY_AFTER_CAP = 2.0


class LineClient:
    """line-bot-sdk v3's MessagingApi: one API client per process (keep-alive), a timeout
    on every call, and the bounded retries above."""

    def __init__(self, access_token: str, base_url: str, timeout: tuple[float, float],
                 connections: int = 10, attempts: int = REPLY_ATTEMPTS, backoff: float = BACKOFF,
                 deadline: float = REPLY_DEADLINE, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        # Imported here, not at the top: the Messaging API's models take about a second to
        # import, which the demo, the CLI and the tests of the core need not pay.
        from linebot.v3.messaging import (
            ApiClient,
            ApiException,
            Configuration,
            MessagingApi,
            ReplyMessageRequest,
        )

        class PreparedReply(ReplyMessageRequest):
            """A reply whose body bot/replies.py built and checked (LINE's limits; in the tests
            LINE's OpenAPI spec and ReplyMessageRequest.from_dict itself): MessagingApi sends
            it as it is. Building the SDK's models for a Flex card and serialising them back
            was the largest part of the bot's CPU per reply (docs/performance.md)."""

            def to_dict(self) -> dict[str, object]:
                return {"replyToken": self.reply_token, "messages": self.messages}

        class PreparedClient(ApiClient):
            """Sends a PreparedReply's body as it is: it holds only dicts, lists, strings and
            numbers already, so the SDK's walk through every node of a Flex card to make it so
            is skipped (docs/performance.md). Everything else is serialised by the SDK as usual."""

            def sanitize_for_serialization(self, obj: object) -> object:
                if isinstance(obj, PreparedReply):
                    return obj.to_dict()
                return super().sanitize_for_serialization(obj)

        self._prepared = PreparedReply
        self._api_exception = ApiException

        configuration = Configuration(access_token=access_token, host=base_url)
        # urllib3 would otherwise retry connection errors itself (unbounded in time);
        # the only retries are the ones below, counted and logged.
        configuration.retries = False
        # Kept-alive connections: one per thread that may send at once. The SDK's default
        # (5 per CPU) is smaller than the reply threads on a small host, and urllib3 then
        # opens a new connection for each extra sender and drops it after ("pool is full").
        configuration.connection_pool_maxsize = connections
        self._client = PreparedClient(configuration)
        self._api = MessagingApi(self._client)
        self._timeout = timeout
        self.attempts, self.backoff, self.deadline = attempts, backoff, deadline
        self._clock, self._sleep = clock, sleep  # the tests wait on a fake clock

    def reply(self, reply_token: str, messages: list[Message]) -> bool:
        """Send a reply; True when LINE accepted it. Failures are logged, never raised."""
        if not 1 <= len(messages) <= 5:  # LINE's own bounds; anything else is a bug of ours
            log_event(log, "reply_failed", logging.ERROR, status=0, attempt=0,
                      reason=f"invalid message: {len(messages)} messages")
            return False
        request = self._prepared.construct(reply_token=reply_token, messages=messages)
        started = self._clock()
        for attempt in range(1, self.attempts + 1):
            status, reason, wait = self._send(request)
            if status == 200:
                if attempt > 1:
                    log_event(log, "reply_retried", attempts=attempt)
                return True
            retry = (status in RETRY_STATUSES or status == 0) and attempt < self.attempts
            delay = wait if wait is not None else self.backoff * 2 ** (attempt - 1) * (0.5 + random.random())
            retry = retry and self._clock() + delay - started < self.deadline
            # 400 after a retry: the earlier attempt most likely arrived and used the token.
            log_event(log, "reply_failed", logging.WARNING, status=status, attempt=attempt, reason=reason,
                      retry=retry, maybe_delivered=status == 400 and attempt > 1)
            if not retry:
                return False
            self._sleep(delay)
        return False

    def _send(self, request: object) -> tuple[int, str, float | None]:
        """(status, reason, Retry-After seconds); status 0 when no HTTP answer came back."""
        try:
            self._api.reply_message_with_http_info(request, _request_timeout=self._timeout)
        except self._api_exception as error:
            return error.status or -1, _error_message(error.body), _retry_after(error.headers)
        except (urllib3.exceptions.HTTPError, OSError) as error:
            # A timeout surfaces as urllib3's error, not ApiException; so do refused or
            # reset connections: no HTTP answer at all.
            return 0, type(error).__name__, None
        except Exception as error:  # anything else: logged, never raised
            return -1, type(error).__name__, None
        return 200, "", None

    def close(self) -> None:
        self._client.close()


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    try:  # headers come from the SDK: anything that is not a mapping counts as absent
        value = headers.get("Retry-After") if headers is not None else None
        return min(max(float(value), 0.0), RETRY_AFTER_CAP) if value is not None else None
    except (TypeError, ValueError, AttributeError):
        return None


def _error_message(body: object) -> str:
    try:
        return str(json.loads(str(body)).get("message", ""))[:200]
    except (ValueError, AttributeError):
        return ""
