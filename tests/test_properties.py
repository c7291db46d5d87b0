"""Property-based tests (Hypothesis, issue 7): whatever a resident types, whatever LINE sends.

Example counts come from the Hypothesis profile (tests/conftest.py): "ci" under CI=true,
"dev" otherwise; HYPOTHESIS_PROFILE=thorough for a long hunt.
"""

from __future__ import annotations

import json
import time

from conftest import post, sign
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi import errors
from webhook_strategies import from_schema

from bot.conversation import Incoming
from bot.line import clean_text
from bot.replies import limit_problems

# What residents really send, and what breaks naive code.
ODD = [
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\u0000", "\u0007", "\x1b[31m",
    "\r\n", "\t", "\u3000", "\ud800", "\udfff", "\ud83d", "👨‍👩‍👧‍👦", "🇯🇵", "👍🏽", "🏳️‍🌈", "1️⃣",
    "が", "か\u3099", "ｶﾞ", "㍻", "①", "髙", "𠮷", "\U0010ffff", "\ufffd", "％", "＼", "\\", '"', "<script>",
    "住民票", "マイナンバー", "児童手当", "印鑑", "ごみ", "コンビニ", "？", "ー", "〜", "123456789012",
]
pieces = st.one_of(st.sampled_from(ODD), st.text(st.characters(exclude_categories=()), max_size=8))
texts = st.one_of(
    st.lists(pieces, max_size=12).map("".join),
    # Long texts up to LINE's 5,000 characters, made of repeated odd pieces.
    st.tuples(st.lists(pieces, min_size=1, max_size=6).map("".join), st.integers(1, 5000))
      .map(lambda pair: (pair[0] * pair[1])[:5000]),
)


def _utf8(messages: object) -> bytes:
    return json.dumps(messages, ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(text=texts)
def test_any_text_is_normalised_and_matched_quickly(conversation, text):
    started = time.perf_counter()
    forms = conversation.matcher.normalize(text)
    answer = conversation.matcher.match(text)
    elapsed = time.perf_counter() - started

    assert isinstance(forms.surface, str) and isinstance(forms.reading, str)
    assert answer.kind in ("procedure", "intent", "clarify", "fallback")
    assert elapsed < 3.0  # a 5,000-character text included, on a busy 2-core machine


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, kind=st.sampled_from(["text", "postback"]))
def test_any_text_gets_messages_line_accepts(conversation, text, kind):
    # As the webhook does it: the text as LINE delivers it (lone surrogates -> U+FFFD), then answered.
    outcome = conversation.respond(Incoming(kind, clean_text(text)))

    assert limit_problems(outcome.messages) == []
    assert errors({"replyToken": "x", "messages": outcome.messages}, "ReplyMessageRequest") == []
    _utf8(outcome.messages)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_any_text_in_a_signed_webhook_is_answered_with_a_valid_reply(client, fake_line, text):
    fake_line.received.clear()
    message = {"id": "1", "type": "text", "text": text, "quoteToken": "q"}
    event = {"type": "message", "mode": "active", "timestamp": 1764000000000, "replyToken": "r",
             "source": {"type": "user", "userId": "U" + "1" * 32}, "webhookEventId": f"01P{hash(text)}",
             "deliveryContext": {"isRedelivery": False}, "message": message}
    # ASCII JSON: a lone surrogate travels escaped ("\\ud800"), as JSON allows.
    body = json.dumps({"destination": "U" + "0" * 32, "events": [event]})

    assert post(client, body).status_code == 200

    for reply in fake_line.replies:
        assert reply.problems == []


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(body=from_schema("CallbackRequest"))
def test_any_webhook_body_lines_spec_allows_is_accepted_with_200(client, fake_line, caplog, body):
    fake_line.received.clear()
    caplog.clear()
    raw = json.dumps(body, ensure_ascii=False)
    assert errors(body, "CallbackRequest", spec="webhook.yml") == []  # the strategy draws valid bodies

    response = client.post("/callback", data=raw.encode("utf-8", "surrogatepass"),
                           headers={"X-Line-Signature": sign(raw), "Content-Type": "application/json"})
    client.events.wait()

    assert response.status_code == 200
    assert "event_failed" not in caplog.text  # no event crashed the answering code
    assert "event_unreadable" not in caplog.text  # the SDK reads every event the spec allows
    for reply in fake_line.replies:
        assert reply.problems == []
