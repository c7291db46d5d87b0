"""gunicorn hooks for the Procfile (`--config python:bot.gunicorn_conf`); the options stay in the Procfile.

Start-up. gunicorn imports this module before it loads the app (--preload: once, in
the master). Imports and the catalogue index make ~500,000 objects that live as long
as the process, and the cyclic garbage collector re-walked them again and again while
they were being made, so it is off until the app is loaded (measured in
docs/performance.md). Before the workers fork, gc.freeze() moves all of it out of the
collector's reach, so no worker walks it or writes to it (the pages stay shared between
workers, copy-on-write).

Switch interval. Each worker answers webhooks in request threads while reply threads
run the matcher, which is pure Python and holds the GIL. CPython hands the GIL over
every 5 ms by default, so a request thread that only has to check a signature and
queue an event can wait behind several 5 ms slices; 0.5 ms cut the webhook p99 and
raised saturation throughput in bench/load.py (figures in docs/performance.md).

Fatal signals. A worker killed by SIGBUS or SIGSEGV (a memory-mapped file cut short
under it: SQLite's -shm, see SQLite.check_shared_memory) would vanish with only
gunicorn's "was sent SIGBUS" in the log; faulthandler writes the Python stack of every
thread to stderr first, so the log says where. gunicorn then starts a new worker.

Catalogue watcher. Each worker starts the thread that looks for staff's edits as soon as
it is forked, so a worker nobody has asked yet serves the newest catalogue to the first
resident (bot/reloader.py); a thread started in the master would not survive the fork.
"""

from __future__ import annotations

import faulthandler
import gc
import sys
from typing import Any

SWITCH_INTERVAL = 0.0005  # seconds

gc.disable()  # until when_ready: see above


def when_ready(server: Any) -> None:
    """The app is loaded and the workers are about to be forked."""
    gc.freeze()
    gc.enable()


def post_fork(server: Any, worker: Any) -> None:
    sys.setswitchinterval(SWITCH_INTERVAL)
    faulthandler.enable(all_threads=True)
    if server is not None:
        from bot.web import events_of

        events_of(server.app.wsgi()).holder.start_watching()
