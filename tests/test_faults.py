"""Faults and hostile input (issue 7): LINE failing, huge or odd bodies, the store failing.

Whatever happens, the webhook answers LINE without a 500, the worker goes on serving,
a reply is never sent twice, and what staff should review is still recorded.
"""

from __future__ import annotations

import io
import json
import socket
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from conftest import (
    SECRET,
    TOKEN,
    BotClient,
    body_of,
    bot_client,
    event,
    line_settings,
    post,
    sign,
    text_event,
)
from fake_line import FakeLine
from full_disk import FullDisk

from bot import cli, feedback
from bot.config import Settings
from bot.conversation import Conversation
from bot.line import LineClient
from bot.reloader import CatalogueHolder
from bot.store import SQLite, Store, open_store
from bot.web import create_app, events_of

OFF_TOPIC = "ペンギンの飼い方を教えてください"  # a fallback: staff should see it
MiB = 1024 * 1024


def _logged(caplog: pytest.LogCaptureFixture, kind: str) -> list[dict]:
    lines = []
    for record in caplog.records:
        try:
            line = json.loads(record.getMessage())
        except ValueError:
            continue
        if line.get("event") == kind:
            lines.append(line)
    return lines


def _unanswered(client: BotClient) -> list[str]:
    return [row.text for row in client.events.store.unanswered()]


def _app(fake_line: FakeLine, conversation: Conversation, **settings: Any) -> BotClient:
    return bot_client(line_settings(fake_line, **settings), CatalogueHolder.fixed(conversation))


# --- the Messaging API failing -------------------------------------------------------
def test_an_expired_token_400_is_logged_once_and_never_retried(client, fake_line, caplog):
    fake_line.statuses = [400]

    assert post(client, body_of(text_event(OFF_TOPIC))).status_code == 200

    assert len(fake_line.replies) == 1
    [failed] = _logged(caplog, "reply_failed")
    assert (failed["status"], failed["retry"], failed["reason"]) == (400, False, "Invalid reply token")
    assert _unanswered(client) == [OFF_TOPIC]  # the record is kept all the same


def test_401_is_not_retried(client, fake_line):
    fake_line.statuses = [401]
    post(client, body_of(text_event("住民票がほしい")))
    assert len(fake_line.replies) == 1


@pytest.mark.parametrize("fault", [429, 500, 502, 503, 504])
def test_429_and_5xx_are_retried_with_the_same_token_and_the_reply_arrives(client, fake_line, caplog, fault):
    fake_line.statuses = [fault]
    fake_line.retry_after = "0"

    assert post(client, body_of(text_event("住民票がほしい"))).status_code == 200

    first, second = fake_line.replies
    assert first.body == second.body  # the same token: LINE accepts it at most once
    assert second.problems == []
    [failed] = _logged(caplog, "reply_failed")
    assert (failed["status"], failed["retry"]) == (fault, True)


def test_retries_are_bounded_and_then_the_record_is_still_kept(client, fake_line, caplog):
    fake_line.status = 500  # LINE down for good

    assert post(client, body_of(text_event(OFF_TOPIC))).status_code == 200

    assert len(fake_line.replies) == 3  # REPLY_ATTEMPTS; how long they wait: the FakeClock tests below
    assert [f["attempt"] for f in _logged(caplog, "reply_failed")] == [1, 2, 3]
    assert _logged(caplog, "reply_failed")[-1]["retry"] is False
    assert _unanswered(client) == [OFF_TOPIC]
    fake_line.status = 200  # and the worker goes on answering
    post(client, body_of(text_event("住民票がほしい")))
    assert len(fake_line.replies) == 4


def test_many_replies_under_way_at_once_each_keep_their_connection(fake_line, caplog):
    fake_line.latency = 0.2  # a busy LINE: twenty replies are under way at once
    fake_line.checking = False  # (twenty bodies checked at once would take longer than the timeout)
    client = LineClient(TOKEN, fake_line.url, (2, 5), connections=20)

    with ThreadPoolExecutor(20) as pool:
        sent = list(pool.map(lambda n: client.reply(f"token-{n}", [{"type": "text", "text": "はい"}]),
                             range(20)))

    assert all(sent) and len(fake_line.replies) == 20
    assert "Connection pool is full" not in caplog.text  # urllib3: a connection opened and dropped


class FakeClock:
    """Time that passes only when the client sleeps: the waits it asks for, not the machine's speed."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def test_retry_after_is_honoured_but_capped(fake_line):
    fake_line.statuses = [429]
    fake_line.retry_after = "3600"  # an hour: far past the reply token's life
    clock = FakeClock()
    client = LineClient(TOKEN, fake_line.url, (2, 5), clock=clock, sleep=clock.sleep)

    assert client.reply("token", [{"type": "text", "text": "はい"}]) is True
    assert clock.waits == [2.0]  # RETRY_AFTER_CAP


def test_backoff_doubles_with_jitter(fake_line):
    fake_line.status = 503
    clock = FakeClock()
    client = LineClient(TOKEN, fake_line.url, (2, 5), attempts=4, backoff=0.2, clock=clock, sleep=clock.sleep)

    assert client.reply("token", [{"type": "text", "text": "はい"}]) is False
    assert len(fake_line.replies) == 4
    first, second, third = clock.waits  # 0.2 s, 0.4 s, 0.8 s, each times [0.5, 1.5)
    assert 0.1 <= first < 0.3 and 0.2 <= second < 0.6 and 0.4 <= third < 1.2


def test_no_retry_starts_after_the_deadline(fake_line):
    fake_line.status = 503
    clock = FakeClock()
    client = LineClient(TOKEN, fake_line.url, (2, 5), attempts=10, backoff=0.2, deadline=1.0,
                        clock=clock, sleep=clock.sleep)

    assert client.reply("token", [{"type": "text", "text": "はい"}]) is False
    # Waits of 0.1-0.3 s and 0.2-0.6 s fit in 1 s; the third (0.4-1.2 s) may, the fourth never.
    assert 3 <= len(fake_line.replies) <= 4
    assert sum(clock.waits) < 1.0


def test_a_read_timeout_is_retried_and_a_used_token_then_refused_is_only_logged(fake_line, caplog):
    # The first attempt hangs past the read timeout: LINE may have sent it. The retry uses
    # the same token, so at worst LINE refuses it (400): never a second message.
    fake_line.statuses, fake_line.delay = [0, 400], 0.6
    client = LineClient(TOKEN, fake_line.url, (1, 0.3))

    assert client.reply("token", [{"type": "text", "text": "はい"}]) is False

    assert len(fake_line.replies) == 2
    timeout, refused = _logged(caplog, "reply_failed")
    assert (timeout["status"], timeout["retry"]) == (0, True)
    assert timeout["reason"] in ("ReadTimeoutError", "TimeoutError")
    assert (refused["status"], refused["maybe_delivered"]) == (400, True)


def test_an_unreachable_api_is_retried_logged_and_the_record_kept(conversation, caplog):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(channel_secret=SECRET, access_token=TOKEN, api_base_url=f"http://127.0.0.1:{port}")
    client = bot_client(settings, CatalogueHolder.fixed(conversation))

    assert post(client, body_of(text_event(OFF_TOPIC))).status_code == 200

    failures = _logged(caplog, "reply_failed")
    assert [f["status"] for f in failures] == [0, 0, 0]
    assert _unanswered(client) == [OFF_TOPIC]


def test_a_reply_outside_lines_bounds_is_logged_not_sent(fake_line, caplog):
    client = LineClient(TOKEN, fake_line.url, (2, 5))
    assert client.reply("token", []) is False
    assert client.reply("token", [{"type": "text", "text": "x"}] * 6) is False
    assert fake_line.replies == []
    assert "invalid message" in caplog.text


def test_the_reply_request_is_what_lines_spec_and_sdk_accept(fake_line):
    client = LineClient(TOKEN, fake_line.url, (2, 5))
    assert client.reply("token", [{"type": "text", "text": "はい"}]) is True
    [reply] = fake_line.replies
    assert reply.problems == []
    assert reply.headers["Authorization"] == "Bearer test-access-token"
    assert reply.headers["Content-Type"] == "application/json"
    # Sent by line-bot-sdk's MessagingApi, as bot/replies.py built it.
    assert reply.body == {"replyToken": "token", "messages": [{"type": "text", "text": "はい"}]}


# --- bodies: size and shape ----------------------------------------------------------
class _Untouchable(io.RawIOBase):
    """A request body that fails the test if anyone reads it."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        raise AssertionError("the body was read")


def test_a_declared_body_over_1_mib_is_refused_with_413_before_it_is_read(client, fake_line):
    response = client.post("/callback", headers={"X-Line-Signature": "x", "Content-Type": "application/json"},
                           environ_overrides={"wsgi.input": _Untouchable(), "CONTENT_LENGTH": str(MiB + 1)})
    assert response.status_code == 413
    assert fake_line.received == []


def _chunked(body: str) -> dict[str, Any]:
    return {"wsgi.input_terminated": True, "wsgi.input": _Chunked(body.encode())}


class _Chunked(io.RawIOBase):
    """A body as gunicorn hands over a chunked request: a stream with no length."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        chunk = self._data.read(min(len(buffer), 65536))
        buffer[:len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize("length", [MiB + 1, 1_200_106])
def test_a_streamed_body_over_1_mib_without_length_is_refused_with_413(client, fake_line, length):
    # Chunked transfer: no Content-Length; gunicorn marks the stream as terminated. The test
    # client's own input_stream declares a length, so the stream is given as gunicorn's is.
    body = body_of(text_event("あ"))
    body = body.replace("}]}", "}]" + " " * (length - len(body.encode())) + "}")
    assert len(body.encode()) == length
    headers = {"X-Line-Signature": sign(body), "Content-Type": "application/json"}
    response = client.post("/callback", headers=headers, environ_overrides=_chunked(body))
    assert response.status_code == 413  # was 400 "invalid signature": the body was cut at 1 MiB
    assert fake_line.received == []


def test_a_streamed_body_under_1_mib_is_read(client, fake_line):
    body = body_of(text_event("住民票がほしい"))
    headers = {"X-Line-Signature": sign(body), "Content-Type": "application/json"}
    response = client.post("/callback", headers=headers, environ_overrides=_chunked(body))
    assert response.status_code == 200
    client.events.wait()
    assert len(fake_line.replies) == 1


def test_a_body_just_under_1_mib_is_read(client, fake_line):
    body = body_of(text_event("あ" * 1000))
    body = body.replace("}]}", "}]" + " " * (MiB - len(body.encode()) - 3) + "}")
    assert len(body.encode()) == MiB - 1 or len(body.encode()) <= MiB
    assert post(client, body).status_code == 200
    assert len(fake_line.replies) == 1


@pytest.mark.parametrize("body, status", [
    ("{not json", 400),
    ("[]", 400),
    ('{"destination": "U0", "events": {}}', 400),
    ('{"destination": "U0", "events": [5, null, "x", []]}', 200),
    ('{"destination": "U0", "events": [{"type": "message"}]}', 200),
    ('{"destination": "U0", "events": [{"type": 7}]}', 200),
    ("\ufeff{}", 400),
    ("", 400),
    ('{"destination": "U0", "events": ' + "[" * 100_000 + "]" * 100_000 + "}", 400),  # RecursionError
    ('{"destination": "U0", "events": [' + '{"a":' * 900 + "1" + "}" * 900 + "]}", 200),
])
def test_signed_odd_bodies_are_400_or_200_never_500(client, fake_line, body, status):
    assert post(client, body).status_code == status
    assert fake_line.received == []


def test_an_unknown_event_type_is_accepted_and_ignored(client, fake_line, caplog):
    future = event("somethingNew", somethingNew={"x": 1})
    assert post(client, body_of(future, text_event("住民票がほしい"))).status_code == 200
    assert len(fake_line.replies) == 1


def test_a_message_type_the_sdk_does_not_know_is_answered_like_a_sticker(client, fake_line, caplog):
    odd = event("message", message={"id": "1", "type": "hologram"})
    sticker = event("message", message={"id": "2", "type": "sticker", "packageId": "1", "stickerId": "1",
                                        "stickerResourceType": "STATIC", "quoteToken": "q"})
    text = text_event("住民票がほしい")
    assert post(client, body_of(odd, sticker, text)).status_code == 200

    by_token = {reply.body["replyToken"]: reply for reply in fake_line.replies}
    hologram, sticker_reply, text_reply = (by_token[e["replyToken"]] for e in (odd, sticker, text))
    assert hologram.body["messages"] == sticker_reply.body["messages"]  # "please type your question"
    assert hologram.problems == []
    assert text_reply.body["messages"] != hologram.body["messages"]
    [unreadable] = _logged(caplog, "event_unreadable")
    assert (unreadable["type"], unreadable["answered"]) == ("message", True)
    client.events.wait()
    assert post(client, body_of(odd)).status_code == 200  # redelivered: answered once only
    assert len(fake_line.replies) == 3


@pytest.mark.parametrize("signature", ["é" * 44, "\x00", "a" * 10_000, "=" * 3])
def test_odd_signature_headers_are_400(client, fake_line, signature):
    body = body_of(text_event("住民票がほしい"))
    response = client.post("/callback", data=body.encode("utf-8"),
                           headers={"X-Line-Signature": signature.encode("utf-8").decode("latin-1")})
    assert response.status_code == 400


def test_lone_surrogates_in_a_signed_body_are_answered_and_recorded(client, fake_line):
    body = body_of(text_event("PLACEHOLDER")).replace("PLACEHOLDER", "ペンギン\\ud800の飼い方\\udfff")
    assert post(client, body).status_code == 200

    [reply] = fake_line.replies
    assert reply.problems == []
    assert _unanswered(client) == ["ペンギン\ufffdの飼い方\ufffd"]


def test_the_reply_threads_come_from_the_environment():
    from bot.config import ConfigError

    assert Settings.from_env({}).reply_threads == 16  # enough to wait on a slow Messaging API
    assert Settings.from_env({"NAKABOT_REPLY_THREADS": "8"}).reply_threads == 8
    with pytest.raises(ConfigError, match="NAKABOT_REPLY_THREADS"):
        Settings.from_env({"NAKABOT_REPLY_THREADS": "0"})


# --- the store failing ---------------------------------------------------------------
def test_a_locked_database_costs_the_record_never_the_reply(client, fake_line, caplog, _own_database):
    shared = client.events
    shared.store = Store(SQLite(str(_own_database), busy_timeout_ms=20), retries=1)
    blocker = sqlite3.connect(_own_database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock for good
    try:
        assert post(client, body_of(text_event(OFF_TOPIC))).status_code == 200
    finally:
        blocker.execute("ROLLBACK")

    assert len(fake_line.replies) == 1
    actions = [f["action"] for f in _logged(caplog, "store_failed")]
    assert actions == ["claim_event", "record"]


def test_a_question_the_store_could_not_take_is_logged_masked_and_restored_later(
        client, fake_line, caplog, capsys, _own_database, tmp_path):
    shared = client.events
    shared.store = Store(SQLite(str(_own_database), busy_timeout_ms=20), retries=1)
    blocker = sqlite3.connect(_own_database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        post(client, body_of(text_event(f"{OFF_TOPIC} 090-1234-5678")))
    finally:
        blocker.execute("ROLLBACK")

    [failed] = [f for f in _logged(caplog, "store_failed") if f["action"] == "record"]
    assert failed["unsaved"]["text"] == f"{OFF_TOPIC} ［電話番号］"
    assert failed["unsaved"]["kind"] == "fallback"
    drain = tmp_path / "drain.log"  # as a platform's log drain keeps it: a prefix, then the line
    drain.write_text(f"2026-11-30T12:00:00Z app[web.1]: {json.dumps(failed, ensure_ascii=False)}\n"
                     "2026-11-30T12:00:01Z app[web.1]: a line that is not JSON\n", encoding="utf-8")

    capsys.readouterr()  # the bot's own log lines
    assert cli.main(["restore", str(drain)]) == 0
    assert cli.main(["restore", str(drain)]) == 0  # twice: nothing doubled
    assert capsys.readouterr().out.splitlines() == ["1 件を記録に戻しました（0 件は記録にありました）。",
                                                    "0 件を記録に戻しました（1 件は記録にありました）。"]
    # (The bot's own store still cools off after the outage: read the file afresh.)
    assert [row.text for row in open_store(f"sqlite:///{_own_database}").unanswered()] == [
        f"{OFF_TOPIC} ［電話番号］"]


def test_restore_reads_the_store_once_and_saves_each_missing_row_once(_own_database):
    store = open_store(f"sqlite:///{_own_database}")
    row = {"at": "2026-11-30T12:00:00.000001+00:00", "channel": "line", "text": "ペンギンの飼い方",
           "normalized": "ペンギンノ飼イ方", "candidates": [], "kind": "fallback", "answer_id": None,
           "score": 12.0, "resident": "k1"}
    feedback.save(store, row)  # the store took this one before the outage
    later = [{**row, "at": f"2026-11-30T1{n}:00:00+00:00", "text": f"質問{n}"} for n in (3, 4)]
    reads = []
    real = store.unanswered
    store.unanswered = lambda *a, **k: reads.append(a) or real(*a, **k)  # type: ignore[method-assign]

    assert feedback.restore(store, [row, *later, later[0]]) == (2, 2)  # a line logged twice counts once
    assert len(reads) == 1
    assert sorted(r.text for r in real(states=())) == ["ペンギンの飼い方", "質問3", "質問4"]


def test_a_full_disk_costs_the_record_never_the_reply(client, fake_line, caplog, _own_database):
    shared = client.events
    shared.store.close()
    shared.store = Store(FullDisk(str(_own_database)))
    texts = [f"{OFF_TOPIC}{'あ' * 2000}{n}" for n in range(10)]  # enough to need new pages

    for text in texts:
        assert post(client, body_of(text_event(text))).status_code == 200

    assert len(fake_line.replies) == 10
    errors = [f["error"] for f in _logged(caplog, "store_failed")]
    assert errors and all("full" in e for e in errors)


def test_an_unreachable_database_at_start_leaves_the_bot_answering(fake_line, conversation, caplog,
                                                                   monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("DATABASE_URL", f"postgresql://nobody@127.0.0.1:{port}/nakabot?connect_timeout=2")
    client = _app(fake_line, conversation)

    assert post(client, body_of(text_event(OFF_TOPIC))).status_code == 200
    assert len(fake_line.replies) == 1
    assert _logged(caplog, "store_failed")[0]["action"] == "open"
    assert client.get("/healthz").get_json()["store"] == "unreachable"


# --- a store that comes back; health that says when it cannot be written ----------------
def test_a_store_unusable_at_start_is_opened_later_and_health_tells_until_then(
        fake_line, conversation, monkeypatch, tmp_path):
    blocker = tmp_path / "var"
    blocker.write_text("a file where the store's folder should be")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{blocker}/nakabot.sqlite3")
    app = create_app(line_settings(fake_line), conversation)  # the store opened as in production
    app.test_client_class = BotClient
    client, events = app.test_client(), events_of(app)
    client.events = events

    health = client.get("/healthz")
    assert (health.status_code, health.get_json()["store"]) == (503, "unreachable")
    assert post(client, body_of(text_event(OFF_TOPIC))).status_code == 200  # answered all the same

    blocker.unlink()  # the operator fixes the folder
    events.stores.clock = lambda: time.monotonic() + 3600  # ...and the next retry is due
    client.get("/healthz")  # starts the retry in a thread
    events.stores.wait()
    health = client.get("/healthz")

    assert (health.status_code, health.get_json()["store"]) == (200, "ok")
    post(client, body_of(text_event(OFF_TOPIC)))
    events.wait()
    assert [r.text for r in events.store.unanswered()] == [OFF_TOPIC]  # kept again
    assert len(fake_line.replies) == 2


def test_health_is_503_while_writes_fail(client, events, fake_line, _own_database):
    assert client.get("/healthz").status_code == 200
    events.store.close()
    events.store = Store(FullDisk(str(_own_database)), cool_off=0)

    post(client, body_of(text_event(f"{OFF_TOPIC}{'あ' * 4000}")))  # too big for the full disk
    events.wait()
    health = client.get("/healthz")

    assert len(fake_line.replies) == 1
    assert (health.status_code, health.get_json()["status"], health.get_json()["store"]) == (
        503, "degraded", "unwritable")
