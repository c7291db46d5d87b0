"""Wrong admin passwords per client address (bot/web/admin.py), kept in memory per process."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

LOGIN_FAILURES = 5
LOGIN_WINDOW = 300.0  # seconds


class LoginThrottle:
    """Wrong passwords per client address, forgotten after LOGIN_WINDOW seconds.

    Refusing at once (no hash, no sleep) matters as much as slowing a guesser: each
    check costs ~0.16 s of scrypt CPU, and a sleep would hold one of the few request
    threads that LINE's webhooks need. Per process: with N workers an address gets at
    most N x LOGIN_FAILURES tries per window. Behind a reverse proxy the address is the
    client's only with NAKABOT_PROXIES set; otherwise it is the proxy's, and a guesser
    locks staff out for the window too (the bot is unaffected; `nakabot report` works).
    """

    MAX_ADDRESSES = 4096  # memory stays bounded whatever addresses come

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # request threads share it

    def wait(self, address: str) -> float:
        """Seconds until `address` may try again; 0 when it may now."""
        with self._lock:
            recent = self._recent(address)
            if len(recent) < LOGIN_FAILURES:
                return 0.0
            return recent[0] + LOGIN_WINDOW - self.clock()

    def failed(self, address: str) -> None:
        with self._lock:
            if address not in self._failures and len(self._failures) >= self.MAX_ADDRESSES:
                for stale in [a for a in self._failures if not self._recent(a)]:
                    del self._failures[stale]
                if len(self._failures) >= self.MAX_ADDRESSES:
                    del self._failures[next(iter(self._failures))]  # the address first seen
            self._failures.setdefault(address, deque(maxlen=LOGIN_FAILURES)).append(self.clock())

    def _recent(self, address: str) -> deque[float]:
        recent = self._failures.get(address, deque())
        while recent and recent[0] <= self.clock() - LOGIN_WINDOW:
            recent.popleft()
        return recent
