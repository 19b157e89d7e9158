"""Per-process copies of rarely changed rows, each kept for a bounded time.

Reference data (categories, regions, units), the working calendar and the active themes are read
on every intake but change a few times a year, in the admin. Each process keeps its own copy:
an edit clears the copy in the process that made it (signals), other processes (web workers,
the Celery worker) reload it when it expires. A shared cache (Redis) would cost a round trip per
read, which is what this avoids.

The values are shared between requests and threads: read them, never change them.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any

# Read through the module so tests can move time on for every memo at once.
_clock = time.monotonic
_every: weakref.WeakSet[Memo] = weakref.WeakSet()


class Memo:
    """Values by key, each loaded once and kept for `seconds`.

    `keep_none=False`: a load that finds nothing is not remembered (a client sending random ids
    cannot fill the memory). `max_entries`: past it, the older half is dropped.
    """

    def __init__(self, seconds: float, *, keep_none: bool = True, max_entries: int | None = None):
        self.seconds = seconds
        self.keep_none = keep_none
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        _every.add(self)

    def get(self, key: Hashable, load: Callable[..., Any], *args) -> Any:
        """The value for `key`, from `load(*args)` when missing or expired. (Arguments rather
        than a closure: the catalogue asks about 150 times per case list page.)"""
        now = _clock()
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and now - hit[0] < self.seconds:
            return hit[1]
        value = load(*args)  # outside the lock: a slow query holds no other reader up
        with self._lock:
            if value is None and not self.keep_none:
                self._entries.pop(key, None)
            else:
                if self.max_entries and len(self._entries) >= self.max_entries:
                    by_age = sorted(self._entries, key=lambda k: self._entries[k][0])
                    for old in by_age[: self.max_entries // 2]:
                        del self._entries[old]
                self._entries[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def clear_all() -> None:
    """Forget every memo in this process (tests: rolled-back rows must not linger)."""
    for memo in _every:
        memo.clear()
