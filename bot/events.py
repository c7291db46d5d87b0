"""One resident event, start to end: claim -> answer -> reply -> record -> log.

Plain Python, no Flask: the webhook (bot/web/webhook.py), the simulator and the tests
call an EventHandler built with the store and the LINE client passed in.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from bot import feedback
from bot.config import Settings
from bot.conversation import Conversation, Incoming, Outcome
from bot.followup import StoreMemory
from bot.line import LineClient, Replyable
from bot.logs import log_event
from bot.reloader import CatalogueHolder
from bot.store import Store, StoreError, open_store
from bot.storeholder import StoreHolder

log = logging.getLogger("bot.webhook")
REPLY_QUEUE = 32  # answers waiting for a reply thread before the request thread answers itself
PURGE_EVERY = 24 * 3600.0  # seconds between two retention purges of one process


class EventHandler:
    """What one process shares between events: built once, never per event."""

    def __init__(self, holder: CatalogueHolder, store: Store | StoreHolder | None, client: LineClient | None,
                 *, retention_days: int, reply_threads: int) -> None:
        self.holder = holder
        # A StoreHolder opens the store again (with backoff) when it could not be opened;
        # a Store or None given directly is kept as it is (tests, tools).
        self.stores = store if isinstance(store, StoreHolder) else StoreHolder.fixed(store)
        self.client = client  # None in demo mode: nothing is sent
        self.retention_days = retention_days
        self.reply_threads = reply_threads
        self._purged = time.monotonic()  # the store was purged when opened
        self._executor: ThreadPoolExecutor | None = None
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, holder: CatalogueHolder,
                      store: Store | StoreHolder | None) -> EventHandler:
        """The handler a process runs with: a LINE client unless in demo mode."""
        client = None
        if not settings.demo:
            assert settings.access_token
            # Senders at once: the reply threads, and request threads answering in place when
            # the queue is full (the Procfile runs 4; room for more).
            client = LineClient(settings.access_token, settings.api_base_url, settings.api_timeout,
                                connections=settings.reply_threads + 8)
        return cls(holder, store, client, retention_days=settings.retention_days,
                   reply_threads=settings.reply_threads)

    @property
    def memory(self) -> StoreMemory | None:
        """Where follow-ups find the last card shown to a resident: the shared store."""
        store = self.store
        return StoreMemory(store) if store is not None else None

    @property
    def store(self) -> Store | None:
        """The store, or None while it cannot be opened: answering goes on."""
        return self.stores.store

    @store.setter
    def store(self, store: Store | None) -> None:
        self.stores = StoreHolder.fixed(store)

    @property
    def conversation(self) -> Conversation:
        """The current catalogue's conversation (hot reloaded, see bot/reloader.py)."""
        return self.holder.conversation

    def dispatch(self, work: Replyable, event_id: str, event_type: str) -> None:
        """Answer in the background so LINE gets its 200 at once (it waits 2 s at most).

        Backpressure: with REPLY_QUEUE answers already waiting for a reply thread, this one
        is answered in the request's own thread instead. The queue (and so the resident's
        wait, and the memory it holds) stays bounded under a burst, and the slower 200s
        slow the intake down, instead of replies piling up until their tokens expire.
        """
        with self._lock:
            if self._executor is None:  # created lazily: after gunicorn forks its workers
                self._executor = ThreadPoolExecutor(self.reply_threads, "reply")
            if len(self._pending) >= self.reply_threads + REPLY_QUEUE:  # running + waiting
                future = None
            else:
                future = self._executor.submit(self.handle, work, event_id, event_type, time.perf_counter())
                self._pending.add(future)
        if future is None:
            self.handle(work, event_id, event_type, time.perf_counter())
        else:
            future.add_done_callback(self._pending.discard)

    def wait(self, timeout: float = 10.0) -> None:
        """Block until every reply under way is sent (tests and shutdown)."""
        for future in list(self._pending):
            future.result(timeout=timeout)

    def handle(self, work: Replyable, event_id: str, event_type: str, started: float | None = None) -> None:
        """Claim, answer, reply, record and log one event, in this thread. Never raises."""
        started = time.perf_counter() if started is None else started
        try:
            if event_id and not self.claim(event_id):
                log_event(log, "webhook_duplicate", event_id=event_id, type=event_type)
                return
            conversation = self.conversation
            outcome = conversation.respond(work.incoming, self.memory)
            sent = self.client.reply(work.reply_token, outcome.messages) if self.client else False
            latency = round((time.perf_counter() - started) * 1000, 1)  # the resident's wait
            recorded = self.remember(conversation, work.incoming, outcome, "line")
            answer = outcome.answer
            log_event(log, "webhook_event", event_id=event_id, type=event_type,
                      shown=outcome.shown, answer=answer.kind if answer else None,
                      procedure=answer.id if answer else None,
                      score=round(answer.score, 1) if answer else None, sent=sent,
                      latency_ms=latency, resident=work.incoming.resident, recorded=recorded)
        except Exception:  # one bad event must never take the worker down
            log_event(log, "event_failed", logging.ERROR, exc_info=True, event_id=event_id, type=event_type)

    def simulate(self, incoming: Incoming) -> Outcome:
        """The simulator's turn: answered and recorded like a LINE event, nothing sent."""
        conversation = self.conversation
        outcome = conversation.respond(incoming, self.memory)
        self.remember(conversation, incoming, outcome, "simulator")
        return outcome

    def claim(self, event_id: str) -> bool:
        """False for an event already handled (a redelivery); True if unsure, so it is answered."""
        if self.store is None:
            return True
        try:
            return self.store.claim_event(event_id)
        except StoreError as error:
            log_event(log, "store_failed", logging.ERROR, action="claim_event", error=str(error))
            return True

    def remember(self, conversation: Conversation, incoming: Incoming, outcome: Outcome,
                 channel: str) -> bool:
        """Keep what staff should review (after the reply is sent).

        Without a store the question is not lost: the log line carries it, masked, and
        `nakabot restore` puts it back once the store is there again.
        """
        row = feedback.review_row(conversation, incoming, outcome, channel)
        if self.store is None:
            if row is not None:
                log_event(log, "store_failed", logging.ERROR, action="record", error="no store", unsaved=row)
            return False
        try:
            recorded = feedback.record(self.store, outcome, row)
            if time.monotonic() - self._purged > PURGE_EVERY:  # retention, once a day per process
                self._purged = time.monotonic()
                self.store.purge(self.retention_days)
            return recorded
        except StoreError as error:
            log_event(log, "store_failed", logging.ERROR, action="record", error=str(error), unsaved=row)
            return False


def store_holder(settings: Settings) -> StoreHolder:
    """The store at DATABASE_URL, purged of what is past retention whenever it is opened;
    tried again with backoff while it cannot be (bot/storeholder.py)."""
    return StoreHolder(settings.database_url, on_open=lambda store: store.purge(settings.retention_days))


def open_store_or_none(settings: Settings) -> Store | None:
    """The store, purged of what is past retention; None (logged) when it cannot be opened."""
    try:
        store = open_store(settings.database_url)
        store.purge(settings.retention_days)
        return store
    except StoreError as error:
        log_event(log, "store_failed", logging.ERROR, action="open", error=str(error))
        return None
