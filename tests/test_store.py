"""The store: migrations, event dedupe across threads and processes, retention, failures."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.store import MIGRATIONS, SQLite, Store, StoreError, open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every test using `url` runs against both stores (PostgreSQL: tests/postgres.py)."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path}/deep/folder/nakabot.sqlite3"


def question(store: Store, text: str = "粗大ごみの出し方", at: dt.datetime | None = None,
             resident: str = "k1") -> int:
    return store.record_unanswered(text=text, normalized=text, candidates=[("gomi", 41.5)],
                                   kind="fallback", answer_id=None, score=41.5, resident=resident, at=at)


def test_the_store_creates_its_folder_and_schema_and_migrating_twice_changes_nothing(url, tmp_path):
    store = open_store(url)

    assert store.migrate() == len(MIGRATIONS)
    if url.startswith("postgresql"):
        assert store.dialect.__class__.__name__ == "PostgreSQL"
        return
    assert (tmp_path / "deep" / "folder" / "nakabot.sqlite3").exists()
    db = sqlite3.connect(tmp_path / "deep" / "folder" / "nakabot.sqlite3")
    versions = db.execute("SELECT version FROM schema_version").fetchall()
    assert versions == [(n,) for n in range(1, len(MIGRATIONS) + 1)]
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_question_is_kept_with_its_candidates_and_state(url):
    store = open_store(url)
    row_id = question(store)

    [row] = store.unanswered()
    assert (row.id, row.text, row.kind, row.state) == (row_id, "粗大ごみの出し方", "fallback", "new")
    assert row.candidates == (("gomi", 41.5),)
    assert row.at.endswith("Z")  # UTC

    assert store.mark([row_id], "fixed", "例文を追加") == 1
    assert store.unanswered() == []
    [fixed] = store.unanswered(states=("fixed",))
    assert fixed.note == "例文を追加"
    with pytest.raises(ValueError, match="state"):
        store.mark([row_id], "done")


def test_an_event_is_claimed_once(url):
    store = open_store(url)

    assert store.claim_event("01JEVENT") is True
    assert store.claim_event("01JEVENT") is False
    assert store.claim_event("01JOTHER") is True


def test_threads_racing_for_one_event_id_only_one_wins(url):
    store = open_store(url)
    start = threading.Barrier(16)

    def claim(n: int) -> bool:
        start.wait()
        question(store, f"質問{n}")
        return store.claim_event("01JSAME")

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(claim, range(16)))

    assert results.count(True) == 1
    assert len(store.unanswered()) == 16


def _worker(url: str, n: int, barrier, results) -> None:  # type: ignore[no-untyped-def]
    store = open_store(url)  # every worker migrates on start, as gunicorn workers would
    barrier.wait()
    won = 0
    for event in range(30):
        question(store, f"プロセス{n}の質問{event}")
        won += store.claim_event(f"01JEVENT{event:04d}")
    results.put(won)


def test_processes_writing_at_once_lose_nothing_and_claim_each_event_once(url):
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(4), context.Queue()
    workers = [context.Process(target=_worker, args=(url, n, barrier, results)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)

    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert sum(results.get(timeout=5) for _ in workers) == 30  # each event won by exactly one
    assert len(open_store(url).unanswered()) == 4 * 30


def test_retention_deletes_only_what_is_older(url):
    store = open_store(url)
    now = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    question(store, "古い質問", at=now - dt.timedelta(days=200))
    question(store, "新しい質問", at=now - dt.timedelta(days=10))
    store.claim_event("old", at=now - dt.timedelta(days=30))
    store.claim_event("recent", at=now - dt.timedelta(hours=1))
    store.count("procedure", "juminhyo", at=now - dt.timedelta(days=200))
    store.count("procedure", "juminhyo", at=now)

    deleted = store.purge(180, at=now)

    assert deleted == {"unanswered": 1, "handled_events": 1, "daily_counts": 1, "recent_topics": 0}
    assert [r.text for r in store.unanswered()] == ["新しい質問"]
    assert store.claim_event("recent") is False  # still remembered


def test_daily_counts_add_up_per_japan_day(url):
    store = open_store(url)
    evening_utc = dt.datetime(2026, 11, 29, 16, tzinfo=dt.UTC)  # 01:00 on the 30th in Japan
    for _ in range(3):
        store.count("procedure", "juminhyo", at=evening_utc)
    store.count("fallback", None, at=evening_utc)

    counts = {(c.day, c.kind, c.target): c.count for c in store.counts()}
    assert counts == {("2026-11-30", "procedure", "juminhyo"): 3, ("2026-11-30", "fallback", ""): 1}


def test_a_busy_database_is_waited_for_then_written(url, tmp_path):
    store = Store(SQLite(str(tmp_path / "busy.sqlite3"), busy_timeout_ms=50))
    store.migrate()
    blocker = sqlite3.connect(tmp_path / "busy.sqlite3", isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # another worker holds the write lock...
    threading.Timer(0.1, lambda: blocker.execute("COMMIT")).start()  # ...for 100 ms

    assert store.claim_event("01JBUSY") is True  # retried until the lock was free


def test_the_threads_of_one_process_take_turns_to_write_rather_than_race(tmp_path):
    # No waiting in SQLite at all (1 ms, no retries): racing threads would get "locked".
    store = Store(SQLite(str(tmp_path / "turns.sqlite3"), busy_timeout_ms=1), retries=0)
    store.migrate()

    def claim_many(thread: int) -> list[bool]:
        return [store.claim_event(f"01JTURN{thread:02d}{n:03d}") for n in range(50)]

    with ThreadPoolExecutor(8) as pool:
        claimed = [c for batch in pool.map(claim_many, range(8)) for c in batch]
    assert claimed.count(True) == 400


def test_a_database_locked_for_good_raises_one_store_error(tmp_path):
    store = Store(SQLite(str(tmp_path / "locked.sqlite3"), busy_timeout_ms=10), retries=2)
    store.migrate()
    blocker = sqlite3.connect(tmp_path / "locked.sqlite3", isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")

    with pytest.raises(StoreError, match="busy"):
        store.claim_event("01JLOCKED")
    blocker.execute("ROLLBACK")


def test_after_an_outage_the_store_is_left_alone_for_a_while_then_tried_again(tmp_path):
    clock = [1000.0]
    store = Store(SQLite(str(tmp_path / "locked.sqlite3"), busy_timeout_ms=10), retries=1,
                  cool_off=5.0, clock=lambda: clock[0])
    store.migrate()
    blocker = sqlite3.connect(tmp_path / "locked.sqlite3", isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreError, match="busy"):
        store.claim_event("01JFIRST")
    blocker.execute("ROLLBACK")  # free again, but nobody knows yet

    clock[0] += 4.9  # within the cool-off: no call waits on the database, none touches it
    with pytest.raises(StoreError, match=r"not tried: the store failed 4\.9 s ago"):
        store.claim_event("01JSECOND")
    assert store.ping() is False

    clock[0] += 0.2  # after it: tried again, and all is well
    assert store.claim_event("01JSECOND") is True
    assert store.claim_event("01JSECOND") is False
    assert store.ping() is True


def test_a_nul_in_a_question_is_kept_as_a_replacement_character(url):
    store = open_store(url)
    question(store, text="ペンギン\x00の飼い方")  # PostgreSQL's text cannot hold NUL

    assert [row.text for row in store.unanswered()] == ["ペンギン\ufffdの飼い方"]


def test_an_unusable_location_or_url_is_a_store_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StoreError):
        open_store(f"sqlite:///{tmp_path}/file/nakabot.sqlite3")
    with pytest.raises(StoreError, match="scheme"):
        open_store("mysql://somewhere/db")


def test_a_staff_session_lives_until_it_ends_or_expires(url):
    store = open_store(url)
    start = dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)
    store.start_session("token-a", dt.timedelta(hours=8), at=start)
    store.start_session("token-b", dt.timedelta(hours=8), at=start)

    assert store.session_alive("token-a", at=start + dt.timedelta(hours=1))
    assert not store.session_alive("token-a", at=start + dt.timedelta(hours=9))  # expired
    assert not store.session_alive("never-started")

    store.end_session("token-a")  # logout
    assert not store.session_alive("token-a", at=start + dt.timedelta(hours=1))
    assert store.session_alive("token-b", at=start + dt.timedelta(hours=1))  # other staff stay in


def test_health_can_ask_whether_a_write_goes_through_and_count_a_residents_questions(url):
    store = open_store(url)
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    question(store, "古い", resident="k1", at=an_hour_ago - dt.timedelta(minutes=1))
    question(store, "新しい", resident="k1")
    question(store, "別の人", resident="k2")

    assert store.writable() and store.writable()  # the probe row is rewritten, not added
    assert store.questions_from("k1", since=an_hour_ago) == 1


def test_the_last_procedure_shown_is_recalled_for_half_an_hour_then_forgotten(url):
    store = open_store(url)
    shown = dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC)
    store.remember_topic("k1", "juminhyo", at=shown)
    store.remember_topic("k2", "inkan-shomei", at=shown)

    assert store.recall_topic("k1", at=shown + dt.timedelta(minutes=29)) == "juminhyo"
    assert store.recall_topic("k1", at=shown + dt.timedelta(minutes=31)) is None
    assert store.recall_topic("k3", at=shown) is None  # another resident's topic is never seen

    store.remember_topic("k1", "koseki-shomei", at=shown + dt.timedelta(minutes=5))  # a new topic
    assert store.recall_topic("k1", at=shown + dt.timedelta(minutes=6)) == "koseki-shomei"
    # Expired topics are deleted at the next write (or purge), not only hidden.
    store.remember_topic("k4", "juminhyo", at=shown + dt.timedelta(minutes=40))
    assert store.recall_topic("k1", at=shown + dt.timedelta(minutes=6)) is None
    assert store.recall_topic("k2", at=shown) is None
    assert store.purge(180, at=shown + dt.timedelta(minutes=80))["recent_topics"] == 1  # k4
