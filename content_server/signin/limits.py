"""Rate limits for sign-in attempts: failures per key in a sliding window, in process memory.

Only failures count (a refused token, an unknown member, a wrong second factor): a member who
signs in at the first try never comes near a limit. The clock is the app's injected one, so
tests move it instead of waiting. State is per server process; with several processes each
limits on its own, which only makes guessing a few times slower than the limits say.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from datetime import datetime, timedelta

MAX_KEYS = 50_000  # oldest keys are forgotten beyond this (memory stays bounded under a flood)


class FailureLimiter:
    """At most ``limit`` failures per key within ``window``; then the key is blocked until the
    oldest of them is older than ``window``."""

    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()

    def blocked(self, key: str, now: datetime) -> bool:
        """True if ``key`` has used up its failures."""
        with self._lock:
            times = self._recent(key, now)
            return times is not None and len(times) >= self.limit

    def failed(self, key: str, now: datetime) -> None:
        """Count a failure of ``key`` at ``now``."""
        with self._lock:
            times = self._recent(key, now)
            if times is None:
                times = self._failures[key] = deque()
            times.append(now)
            self._failures.move_to_end(key)
            while len(self._failures) > MAX_KEYS:
                self._failures.popitem(last=False)

    def _recent(self, key: str, now: datetime) -> deque[datetime] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times
