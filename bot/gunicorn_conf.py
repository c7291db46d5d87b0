"""gunicorn hooks for the Procfile (`--config python:bot.gunicorn_conf`); the options stay in the Procfile.

Each worker answers webhooks in request threads while reply threads run the matcher,
which is pure Python and holds the GIL. CPython hands the GIL over every 5 ms by
default, so a request thread that only has to check a signature and queue an event
can wait behind several 5 ms slices. 0.5 ms cut the webhook p99 at 200 events/s on
2 cores from ~196 ms to ~68 ms in bench/load.py, and raised saturation throughput
(271 -> 297 replies/s) in the same run.
"""

from __future__ import annotations

import sys
from typing import Any

SWITCH_INTERVAL = 0.0005  # seconds


def post_fork(server: Any, worker: Any) -> None:
    sys.setswitchinterval(SWITCH_INTERVAL)
