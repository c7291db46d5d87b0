"""The running bot picks up catalogue edits without a restart, and never a broken one.

A CatalogueHolder owns the Conversation the web app answers with. At most every
`interval` seconds (or at once after SIGHUP) it compares the catalogue files' times
and sizes with what it loaded; when they differ it validates the whole tree with
content.inspect (the same gate as `nakabot check`). A clean catalogue replaces the
Conversation in one assignment, so a reply under way finishes with the one it started
with; an invalid one is refused, its problems logged, and the last good catalogue
keeps serving.

With a store (`versions`), the catalogue staff publish from /admin wins over the files:
each check also asks the store for its newest version id (one short query, in the
short-lived thread), and a new one is loaded from the store, checked the same way and
swapped in; a version that cannot be loaded is logged (catalogue_version_refused) and
the last good catalogue keeps answering. Until something is published, the repository's
files are served and watched as before.

The check is started lazily by the thread that asks for the conversation, which keeps
it fork-safe under gunicorn --preload (no long-lived thread to lose in the fork). Only
the cheap part (a stat of each file) runs there; validating and indexing a changed
catalogue takes seconds and runs in a short-lived thread, so no resident waits for it.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot import content, versions
from bot.conversation import Conversation
from bot.logs import log_event
from bot.store import Store, StoreError

log = logging.getLogger("bot.reloader")
Signature = tuple[tuple[str, int, int], ...]


class CatalogueHolder:
    def __init__(self, root: Path, interval: float | None,
                 clock: Callable[[], float] = time.monotonic, background: bool = True,
                 store: Callable[[], Store | None] | None = None) -> None:
        """Load the catalogue under root (CatalogueError if invalid); check its files' times
        every `interval` seconds (Settings.reload_interval), or never with None. With
        `store` (a getter: the store may open later), the newest published version there
        is served instead, and looked for at the same interval."""
        self.root = root
        self._store = store
        self.version_id: int | None = None  # the published version served; None: the files
        self._refused: set[int] = set()
        self.interval = interval
        self.background = background
        self._clock = clock
        self._lock = threading.Lock()
        self._loading: threading.Thread | None = None
        self._signature = self._scan()
        self._conversation = Conversation(content.load(root))
        self._checked = clock()
        self._requested = store is not None  # look in the store at the first use
        self._pending = False  # another check is wanted after the one under way

    @classmethod
    def fixed(cls, conversation: Conversation) -> CatalogueHolder:
        """A holder that always serves this conversation (tests, tools)."""
        holder = cls.__new__(cls)
        holder.root, holder.interval, holder._clock = Path(), None, time.monotonic
        holder.background, holder._loading = False, None
        holder._store, holder.version_id, holder._refused = None, None, set()
        holder._lock, holder._signature, holder._conversation = threading.Lock(), (), conversation
        holder._checked, holder._requested, holder._pending = 0.0, False, False
        return holder

    @property
    def conversation(self) -> Conversation:
        if self.interval is not None and (
                self._requested or self._clock() - self._checked >= self.interval):
            self._checked, self._requested = self._clock(), False
            if self._store is not None or self._scan() != self._signature:
                if not self.background:
                    self.check()
                elif self._loading is None or not self._loading.is_alive():
                    self._pending = False
                    self._loading = threading.Thread(target=self._checks, name="catalogue-reload",
                                                     daemon=True)
                    self._loading.start()
                else:  # a check under way may have looked before this change: look once more after it
                    self._pending = True
        return self._conversation

    def _checks(self) -> None:
        self.check()
        while self._pending:
            self._pending = False
            self.check()

    def wait(self, timeout: float = 30.0) -> None:
        """Until a reload under way is done (tests, tools)."""
        loading = self._loading
        if loading is not None:
            loading.join(timeout)

    def request_check(self) -> None:
        """Check on the next use, whatever the interval (the SIGHUP handler)."""
        self._requested = True

    def install_sighup(self) -> None:
        """`kill -HUP <pid>` makes a single-process server look at the files at once."""
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, lambda *_: self.request_check())

    def refresh(self) -> None:
        """Look now, in the background (after a publish on this instance)."""
        self._requested = True
        _ = self.conversation

    def check(self) -> bool:
        """Reload if the files changed and the new catalogue is clean; True if swapped."""
        if self.interval is None:
            return False
        if not self._lock.acquire(blocking=False):
            return False  # another thread is checking; this one answers with the current catalogue
        try:
            self._checked, self._requested = self._clock(), False
            published = self._published()
            if published is not None:
                return self._load_version(published)
            if self.version_id is not None:
                return False  # the store is out of reach: keep serving the published version
            signature = self._scan()
            if signature == self._signature:
                return False
            self._signature = signature  # a refused edit is retried when the files change again
            serving = self._conversation.catalogue.version
            report = content.inspect(self.root)
            if report.errors or report.catalogue is None:
                log_event(log, "catalogue_refused", logging.ERROR, serving=serving,
                          problems=[str(p) for p in report.errors][:50])
                return False
            if report.catalogue.version == serving:
                return False
            started = time.perf_counter()
            self._conversation = Conversation(report.catalogue)
            versions: dict[str, Any] = {"from": serving, "to": report.catalogue.version}  # "from": a keyword
            log_event(log, "catalogue_reloaded", **versions, procedures=len(report.catalogue.procedures),
                      build_ms=round((time.perf_counter() - started) * 1000, 1))
            return True
        except Exception:  # a reload must never break answering
            log_event(log, "catalogue_reload_failed", logging.ERROR, exc_info=True)
            return False
        finally:
            self._lock.release()

    def _published(self) -> int | None:
        """The newest published version's id, or None (none yet, or no store)."""
        store = self._store() if self._store is not None else None
        if store is None:
            return None
        try:
            return store.latest_version_id()
        except StoreError as error:
            log_event(log, "store_failed", logging.ERROR, action="catalogue_version", error=str(error))
            return None

    def _load_version(self, version_id: int) -> bool:
        """Serve that published version if it loads cleanly; else keep the last good one."""
        if version_id == self.version_id or version_id in self._refused:
            return False
        store = self._store() if self._store is not None else None
        if store is None:
            return False
        serving = self._conversation.catalogue.version
        try:
            found = store.catalogue_version(version_id)
        except StoreError as error:
            log_event(log, "store_failed", logging.ERROR, action="catalogue_version", error=str(error))
            return False
        report = versions.inspect(found.files) if found is not None else None
        if report is None or report.errors or report.catalogue is None:
            self._refused.add(version_id)
            log_event(log, "catalogue_version_refused", logging.ERROR, version_id=version_id,
                      serving=serving, problems=[str(p) for p in (report.errors if report else ())][:50])
            return False
        started = time.perf_counter()
        self._conversation = Conversation(report.catalogue)
        self.version_id = version_id
        moved: dict[str, Any] = {"from": serving, "to": report.catalogue.version}  # "from": a keyword
        log_event(log, "catalogue_reloaded", **moved, version_id=version_id,
                  procedures=len(report.catalogue.procedures),
                  build_ms=round((time.perf_counter() - started) * 1000, 1))
        return True

    def _scan(self) -> Signature:
        """Name, modification time and size of every catalogue file."""
        found = []
        for folder in ("procedures", "intents"):
            for path in (self.root / folder).rglob("*.y*ml"):
                try:
                    stat = path.stat()
                except OSError:  # removed while we looked
                    continue
                found.append((str(path.relative_to(self.root)), stat.st_mtime_ns, stat.st_size))
        return tuple(sorted(found))
