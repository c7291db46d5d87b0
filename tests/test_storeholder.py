"""A store that could not be opened at start is opened later; health knows if it takes writes."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from full_disk import FullDisk

from bot.store import SQLite, Store, StoreError, open_store
from bot.storeholder import StoreHolder


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_store_unusable_at_start_is_opened_once_it_can_be(tmp_path: Path):
    blocker = tmp_path / "var"
    blocker.write_text("a file where the store's folder should be")
    url = f"sqlite:///{blocker}/nakabot.sqlite3"
    clock = Clock()
    opened: list[Store] = []

    holder = StoreHolder(url, on_open=opened.append, first_wait=1.0, max_wait=8.0, clock=clock,
                         background=False)
    assert holder.store is None and holder.last_error and "folder" in holder.last_error

    blocker.unlink()  # the operator fixes it
    clock.now += 0.1  # not yet: the next try is about a second after the first
    assert holder.store is None
    clock.now += 2.0
    store = holder.store

    assert store is not None and opened == [store]
    assert holder.writable()
    assert (tmp_path / "var" / "nakabot.sqlite3").exists()


def test_retries_back_off_doubling_up_to_a_maximum():
    clock = Clock()
    tries: list[float] = []

    def failing(_url: str) -> Store:
        tries.append(clock.now)
        raise StoreError("connection refused")

    holder = StoreHolder("postgresql://down", opener=failing, first_wait=1.0, max_wait=8.0, clock=clock,
                         background=False)
    while clock.now < 1060:
        clock.now += 0.05
        assert holder.store is None

    gaps = [b - a for a, b in itertools.pairwise(tries)]
    assert 0.75 <= gaps[0] <= 1.3 and 1.5 <= gaps[1] <= 2.6 and 3.0 <= gaps[2] <= 5.1
    assert all(6.0 <= gap <= 10.1 for gap in gaps[4:])  # at most max_wait (with jitter)
    assert len(tries) < 15  # not one per request


def test_a_background_attempt_never_makes_the_caller_wait(tmp_path: Path):
    clock = Clock()
    calls = 0

    def slow_then_fine(url: str) -> Store:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise StoreError("down")
        return open_store(url)

    holder = StoreHolder(f"sqlite:///{tmp_path}/s.sqlite3", opener=slow_then_fine, clock=clock)
    clock.now += 5
    first = holder.store  # starts the attempt in a thread, answers at once
    holder.wait()

    assert first is None and holder.store is not None and calls == 2


def test_a_store_whose_writes_fail_is_not_writable_until_one_succeeds(_own_database):
    open_store(f"sqlite:///{_own_database}").close()
    clock = Clock()
    store = Store(FullDisk(str(_own_database)), clock=clock)
    assert store.writable()  # rewriting one row in place needs no new page

    with pytest.raises(StoreError, match="full"):
        store.record_unanswered(text="あ" * 20000, normalized="ア" * 20000, candidates=[], kind="fallback",
                                answer_id=None, score=1.0, resident="k")
    assert not store.writable()  # the question could not be kept: health must say so

    clock.now += 120  # later, and the disk has room again
    store.dialect = SQLite(str(_own_database))
    store._forget_connection()
    assert store.writable()
