"""The store, opened again with backoff when it could not be opened at start.

A Store that opened once comes back by itself after an outage (bot/store.py drops its
connection and tries again after a cool-off). One that failed to open never existed:
with PostgreSQL down or the SQLite folder unusable at start, the bot answered on but
kept every question only in the log, without duplicate-event detection, until a
restart. A StoreHolder keeps trying: the first retry after `first_wait` seconds, each
next one after twice as long (with jitter, so workers do not all knock at once), at
most `max_wait` apart.

Like the catalogue holder, it is fork-safe under gunicorn --preload: nothing runs in
the background until a thread asks for the store, and the attempt then runs in a
short-lived thread, so no resident's reply waits on a connect timeout.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from bot.logs import log_event
from bot.store import Store, StoreError, open_store

log = logging.getLogger("bot.store")


class StoreHolder:
    def __init__(self, url: str, opener: Callable[[str], Store] = open_store,
                 on_open: Callable[[Store], object] | None = None, first_wait: float = 1.0,
                 max_wait: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 background: bool = True) -> None:
        """Try to open the store now; `on_open(store)` runs after each successful opening."""
        self.url = url
        self._opener = opener
        self._on_open = on_open
        self.first_wait = first_wait
        self.max_wait = max_wait
        self.clock = clock
        self.background = background
        self._lock = threading.Lock()
        self._opening: threading.Thread | None = None
        self._store: Store | None = None
        self._failures = 0
        self._next_try = 0.0
        self.last_error: str | None = None
        self._attempt()

    @classmethod
    def fixed(cls, store: Store | None) -> StoreHolder:
        """A holder of a store opened elsewhere, or of none (tests, tools): never retries."""
        holder = cls.__new__(cls)
        holder.url, holder._opener, holder._on_open = "", open_store, None
        holder.first_wait = holder.max_wait = float("inf")
        holder.clock, holder.background = time.monotonic, False
        holder._lock, holder._opening = threading.Lock(), None
        holder._store, holder._failures, holder._next_try = store, 0, float("inf")
        holder.last_error = None if store is not None else "no store"
        return holder

    @property
    def store(self) -> Store | None:
        """The store, or None while it cannot be opened (a retry is started when one is due)."""
        if self._store is None and self.clock() >= self._next_try:
            if not self.background:
                self._attempt()
            elif self._lock.acquire(blocking=False):  # one attempt at a time per process
                try:
                    if self._opening is None or not self._opening.is_alive():
                        self._next_try = float("inf")  # until this attempt has its result
                        self._opening = threading.Thread(target=self._attempt, name="store-open",
                                                         daemon=True)
                        self._opening.start()
                finally:
                    self._lock.release()
        return self._store

    def wait(self, timeout: float = 10.0) -> None:
        """Until an attempt under way is done (tests)."""
        opening = self._opening
        if opening is not None:
            opening.join(timeout)

    def writable(self) -> bool:
        """Whether the store can be written now (for /healthz): open, and a write succeeds."""
        store = self.store
        return store is not None and store.writable()

    def _attempt(self) -> None:
        try:
            store = self._opener(self.url)
            if self._on_open is not None:
                self._on_open(store)
        except StoreError as error:
            self._failures += 1
            wait = min(self.max_wait, self.first_wait * 2 ** (self._failures - 1))
            wait *= 0.75 + random.random() / 2  # jitter, not secrets
            self._next_try = self.clock() + wait
            self.last_error = str(error)
            log_event(log, "store_failed", logging.ERROR, action="open", error=str(error),
                      attempt=self._failures, next_try_s=round(wait, 1))
            return
        if self._failures:
            log_event(log, "store_opened", after_attempts=self._failures + 1)
        self._store, self._failures, self.last_error = store, 0, None

