"""What is kept for staff: one resident cannot fill the review list (and /admin's grouping)."""

from __future__ import annotations

import datetime as dt

from bot import feedback
from bot.conversation import Incoming, Outcome
from bot.store import now, open_store


def kept(store, conversation, resident: str, text: str, at: dt.datetime | None = None) -> bool:
    incoming = Incoming("text", text, resident)
    outcome = Outcome([], conversation.matcher.match(text))
    row = feedback.review_row(conversation, incoming, outcome, "line", at=at)
    assert row is not None  # a question the bot cannot answer: one to review
    return feedback.record(store, outcome, row)


def test_one_resident_adds_at_most_so_many_questions_an_hour(conversation, _own_database):
    store = open_store(f"sqlite:///{_own_database}")
    limit = feedback.PER_RESIDENT_HOUR

    results = [kept(store, conversation, "flooder", f"ペンギンの飼い方その{n}") for n in range(limit + 5)]

    assert results == [True] * limit + [False] * 5
    assert len(store.unanswered()) == limit
    assert kept(store, conversation, "someone-else", "ペンギンの飼い方")  # others are not affected
    # every answer is still counted, kept or not
    assert sum(c.count for c in store.counts() if c.kind == "fallback") == limit + 6


def test_questions_older_than_an_hour_do_not_count(conversation, _own_database):
    store = open_store(f"sqlite:///{_own_database}")
    earlier = now() - dt.timedelta(hours=1, minutes=5)
    for n in range(feedback.PER_RESIDENT_HOUR):
        assert kept(store, conversation, "busy", f"ペンギンの飼い方その{n}", at=earlier)

    assert kept(store, conversation, "busy", "ペンギンの飼い方をもう一度")
