"""The EventHandler without Flask: claim -> answer -> reply -> record -> log, with the store
and the LINE client passed in."""

from __future__ import annotations

import json
import logging

import pytest
from conftest import TOKEN
from fake_line import FakeLine

from bot.conversation import Conversation, Incoming
from bot.events import EventHandler
from bot.line import LineClient, Replyable
from bot.logs import log_event
from bot.reloader import CatalogueHolder
from bot.store import Store, open_store

OFF_TOPIC = "ペンギンの飼い方を教えてください"


@pytest.fixture
def store(_own_database) -> Store:  # type: ignore[no-untyped-def]
    return open_store(f"sqlite:///{_own_database}")


@pytest.fixture
def handler(conversation: Conversation, store: Store, fake_line: FakeLine) -> EventHandler:
    client = LineClient(TOKEN, fake_line.url, (2, 5))
    return EventHandler(CatalogueHolder.fixed(conversation), store, client, retention_days=180,
                        reply_threads=2)


def test_an_event_is_answered_recorded_and_a_redelivery_is_not_answered_again(handler, store, fake_line,
                                                                            caplog):
    caplog.set_level("INFO")
    work = Replyable("token-1", Incoming("text", OFF_TOPIC, resident="k1"))

    handler.handle(work, "01EVENT", "message")
    handler.handle(work, "01EVENT", "message")  # LINE redelivered it

    [reply] = fake_line.replies
    assert reply.body["replyToken"] == "token-1" and reply.problems == []
    assert [row.text for row in store.unanswered()] == [OFF_TOPIC]
    logged = [json.loads(r.getMessage())["event"] for r in caplog.records if r.name == "bot.webhook"]
    assert logged == ["webhook_event", "webhook_duplicate"]


def test_dispatch_answers_in_the_background_and_wait_sees_it_done(handler, fake_line):
    for number in range(5):
        handler.dispatch(Replyable(f"token-{number}", Incoming("text", "住民票がほしい")), f"01E{number}",
                         "message")
    handler.wait()

    assert sorted(r.body["replyToken"] for r in fake_line.replies) == [f"token-{n}" for n in range(5)]


def test_the_simulator_turn_records_but_sends_nothing(handler, store, fake_line):
    outcome = handler.simulate(Incoming("text", OFF_TOPIC, resident="k1"))

    assert outcome.shown == "fallback" and fake_line.replies == []
    assert [row.channel for row in store.unanswered()] == ["simulator"]


def test_log_event_writes_one_json_object_with_readable_japanese(caplog):
    logger = logging.getLogger("bot.test")
    with caplog.at_level("INFO", logger="bot.test"):
        log_event(logger, "store_failed", logging.ERROR, action="record", unsaved={"text": "住民票"})

    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert json.loads(record.getMessage()) == {"event": "store_failed", "action": "record",
                                               "unsaved": {"text": "住民票"}}
    assert "住民票" in record.getMessage()  # not \\u-escaped: operators read these lines
