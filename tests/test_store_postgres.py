"""PostgreSQL specifics (issue 7): several instances share one store; a lost connection heals.

The common behaviour of both stores is tested in test_store.py, once per database.
"""

from __future__ import annotations

import psycopg
import pytest
from conftest import body_of, bot_client, line_settings, post, text_event

from bot.reloader import CatalogueHolder
from bot.store import StoreError, open_store


def test_two_instances_sharing_postgresql_answer_a_redelivered_event_once(
        postgres_url, fake_line, conversation, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    settings = line_settings(fake_line)
    host_a = bot_client(settings, CatalogueHolder.fixed(conversation))
    host_b = bot_client(settings, CatalogueHolder.fixed(conversation))
    first = text_event("ペンギンの飼い方を教えてください")
    again = {**first, "deliveryContext": {"isRedelivery": True}}

    assert post(host_a, body_of(first)).status_code == 200
    assert post(host_b, body_of(again)).status_code == 200  # LINE redelivered it to the other host

    assert len(fake_line.replies) == 1
    store = host_b.events.store
    assert store.dialect.__class__.__name__ == "PostgreSQL"
    assert [row.text for row in store.unanswered()] == ["ペンギンの飼い方を教えてください"]
    assert host_a.get("/healthz").get_json()["store"] == "ok"


def test_a_connection_killed_by_the_server_is_replaced_on_the_next_call(postgres_url, postgres_server):
    store = open_store(postgres_url)
    assert store.claim_event("01JBEFORE") is True
    with psycopg.connect(postgres_server, autocommit=True) as admin:  # a restart or failover, say
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE application_name = 'nakabot' AND pid <> pg_backend_pid()")

    assert store.claim_event("01JAFTER") is True
    assert store.claim_event("01JBEFORE") is False


def test_an_unreachable_server_is_one_quick_store_error(postgres_server):
    port = int(postgres_server.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(StoreError, match="Unreachable"):
        open_store(f"postgresql://nakabot@127.0.0.1:{port + 1}/postgres")


def test_ids_and_times_read_back_as_from_sqlite(postgres_url):
    store = open_store(postgres_url)
    first = store.record_unanswered(text="a", normalized="a", candidates=[], kind="fallback",
                                    answer_id=None, score=0.0, resident=None)
    second = store.record_unanswered(text="b", normalized="b", candidates=[("gomi", 12.25)], kind="clarify",
                                     answer_id=None, score=12.25, resident="k")
    assert second == first + 1
    rows = store.unanswered()
    assert [(r.id, r.text, r.candidates, r.score) for r in rows] == [
        (first, "a", (), 0.0), (second, "b", (("gomi", 12.2),), 12.2)]
    assert isinstance(rows[0].at, str) and rows[0].at.endswith("Z")
