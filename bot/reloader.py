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

One broken file is refused alone: when the errors are in some files only, those files
are served as they were at the last good load and the other edits go out
(catalogue_partly_refused names the refused files and why), so one staff member's
mistake does not hold back everyone else's edits.

The check is started by the thread that asks for the conversation, and by a watcher
thread that looks at the same interval, so an edit is served before the next resident
asks (an idle instance included). The watcher is started in the process that answers:
by gunicorn's post_fork hook in each worker (bot/gunicorn_conf.py), else at the first
use; a thread started before the fork would be lost in it (--preload). It holds the
holder weakly and ends with it. Only the cheap
part (a stat of each file) runs there; validating and indexing a changed catalogue
takes seconds and runs in a short-lived thread, so no resident waits for it.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import weakref
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
        self._good_files = versions.read_tree(root)[0]  # the files as last served: one broken file's stand-in
        self._watcher_pid: int | None = None
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
        holder._good_files, holder._watcher_pid = {}, None
        return holder

    @property
    def conversation(self) -> Conversation:
        self.start_watching()
        return self._look()

    @property
    def watching(self) -> bool:
        """Whether this process looks for edits even when nobody asks."""
        return self._watcher_pid == os.getpid()

    def start_watching(self) -> None:
        """Look at the interval even when nobody asks (once per process: threads do not survive a fork)."""
        if not self.background or self.interval is None or self.watching:
            return
        self._watcher_pid = os.getpid()
        pause = max(self.interval, 1.0)
        holder = weakref.ref(self)

        def watch() -> None:
            while True:
                time.sleep(pause)
                alive = holder()
                if alive is None:  # the app is gone (tests build many): the watcher goes too
                    return
                alive.request_check()
                alive._look()
                del alive

        threading.Thread(target=watch, name="catalogue-watch", daemon=True).start()

    def _look(self) -> Conversation:
        if self.interval is not None and (
                self._requested or self._clock() - self._checked >= self.interval):
            self._checked, self._requested = self._clock(), False
            if self._store is not None or self._scan() != self._signature:
                if not self.background:
                    self.check()
                elif self._loading is None or not self._loading.is_alive():
                    self._pending = False
                    # Started before it is shared: wait() in another thread joins it at once.
                    loading = threading.Thread(target=self._checks, name="catalogue-reload", daemon=True)
                    loading.start()
                    self._loading = loading
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
        self._look()

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
            files, unreadable = versions.read_tree(self.root)
            report = content.inspect(self.root)
            refused: list[str] = []
            if report.errors or report.catalogue is None:
                # Only files edited since the last good load can be at fault: an error reported in
                # another file (a reference to an id the edit broke) goes once that edit is held back.
                edited = set(versions.changed(self._good_files, files)) | {u.path for u in unreadable}
                refused = sorted(edited & ({p.path for p in report.errors} | {u.path for u in unreadable}))
                files = {**{path: text for path, text in files.items() if path not in refused},
                         **{path: self._good_files[path] for path in refused if path in self._good_files}}
                alone = versions.inspect(files) if refused else None
                if alone is None or alone.errors or alone.catalogue is None:
                    log_event(log, "catalogue_refused", logging.ERROR, serving=serving,
                              problems=[str(p) for p in report.errors][:50])
                    return False
                log_event(log, "catalogue_partly_refused", logging.ERROR, serving=serving, refused=refused,
                          problems=[str(p) for p in report.errors][:50])
                report = alone
            if report.catalogue is None or report.catalogue.version == serving:
                return False
            started = time.perf_counter()
            self._conversation = Conversation(report.catalogue)
            self._say_unreviewed_fills(files)
            self._good_files = files
            moved: dict[str, Any] = {"from": serving, "to": report.catalogue.version}  # "from": a keyword
            log_event(log, "catalogue_reloaded", **moved, procedures=len(report.catalogue.procedures),
                      build_ms=round((time.perf_counter() - started) * 1000, 1))
            return True
        except Exception:  # a reload must never break answering
            log_event(log, "catalogue_reload_failed", logging.ERROR, exc_info=True)
            return False
        finally:
            self._lock.release()

    def _say_unreviewed_fills(self, files: dict[str, str]) -> None:
        """A fact filled in a file (~ -> a value) without a new `reviewed` date: the same
        warning /admin gives on saving, for an edit made on the server's files."""
        notes = [f"{path}: {note}" for path in versions.changed(self._good_files, files) if path in files
                 for note in versions.unreviewed_fills(self._good_files.get(path), files[path])]
        if notes:
            log_event(log, "catalogue_unreviewed_fill", logging.WARNING, notes=notes)

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
