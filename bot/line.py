"""LINE at the edge: signature check and event parsing in, replies out (line-bot-sdk v3)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import urllib3
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import ApiClient, ApiException, Configuration, MessagingApi, ReplyMessageRequest
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from bot.conversation import Incoming
from bot.privacy import pseudonym
from bot.replies import Message

log = logging.getLogger(__name__)


class BadRequest(ValueError):
    """The body is not a webhook LINE signed: answer 400, process nothing."""


def parse(parser: WebhookParser, body: str, signature: str | None) -> list[Event]:
    """Verify the signature first, then parse. Every failure becomes BadRequest."""
    if not signature:
        raise BadRequest("missing X-Line-Signature")
    try:
        return parser.parse(body, signature)
    except InvalidSignatureError as error:
        raise BadRequest("invalid signature") from error
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        # JSONDecodeError and pydantic's ValidationError are ValueErrors.
        raise BadRequest(f"unreadable body: {type(error).__name__}") from error


@dataclass(frozen=True)
class Replyable:
    reply_token: str
    incoming: Incoming  # carries the resident's pseudonymous key, never the LINE user id


def replyable(event: Event, secret: str) -> Replyable | None:
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
    source = getattr(event, "source", None)
    user_id = getattr(source, "user_id", None)
    resident = pseudonym(user_id, secret) if user_id else None
    if isinstance(event, MessageEvent):
        if isinstance(event.message, TextMessageContent):
            return Replyable(token, Incoming("text", event.message.text, resident))
        return Replyable(token, Incoming("other", resident=resident))
    if isinstance(event, PostbackEvent):
        return Replyable(token, Incoming("postback", event.postback.data, resident))
    if isinstance(event, FollowEvent):
        return Replyable(token, Incoming("follow", resident=resident))
    return None


class LineClient:
    """One API client per process (keep-alive), with a timeout on every call."""

    def __init__(self, access_token: str, base_url: str, timeout: tuple[float, float]) -> None:
        configuration = Configuration(access_token=access_token, host=base_url)
        self._client = ApiClient(configuration)
        self._api = MessagingApi(self._client)
        self._timeout = timeout

    def reply(self, reply_token: str, messages: list[Message]) -> bool:
        """Send a reply; True when LINE accepted it. Failures are logged, never raised."""
        try:
            request = ReplyMessageRequest.from_dict({"replyToken": reply_token, "messages": messages})
            self._api.reply_message(request, _request_timeout=self._timeout)
            return True
        except ApiException as error:
            # 400 "Invalid reply token" means expired or already used: never retry.
            log.warning(json.dumps({"event": "reply_failed", "status": error.status,
                                    "reason": _error_message(error.body)}))
        except (urllib3.exceptions.HTTPError, ValueError) as error:
            # Timeouts surface as urllib3 errors, not ApiException; ValueError: a model refused a message.
            log.warning(json.dumps({"event": "reply_failed", "status": 0, "reason": type(error).__name__}))
        return False

    def close(self) -> None:
        self._client.close()


def _error_message(body: object) -> str:
    try:
        return str(json.loads(str(body)).get("message", ""))[:200]
    except (ValueError, AttributeError):
        return ""
