"""Per-client rate limits counted in fixed windows.

DRF's own throttles keep every request's timestamp of the last window in one cache entry and
read, edit and write that list back on each request. The cost grows with the rate (at a few
hundred requests a minute the list is thousands of floats, pickled twice per request), and two
workers that read the list at once both write their own copy back, so requests go uncounted.
Here each client has one counter per window: `add` then `incr`, both atomic in Django's cache
backends, constant in cost. A fixed window admits at most twice the rate across a window
boundary, which is fine for abuse limits.
"""

from __future__ import annotations

from rest_framework.throttling import ScopedRateThrottle


class WindowScopedRateThrottle(ScopedRateThrottle):
    """`ScopedRateThrottle` (the view's `throttle_scope`, rates from DEFAULT_THROTTLE_RATES)
    counted in fixed windows."""

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.retry_after = (window + 1) * self.duration - now
        key = f"{key}:{window}"
        # The entry outlives its window a little; the next window uses a new key.
        if self.cache.add(key, 1, self.duration + 5):
            count = 1
        else:
            try:
                count = self.cache.incr(key)
            except ValueError:  # expired between add and incr
                self.cache.add(key, 1, self.duration + 5)
                count = 1
        return count <= self.num_requests

    def wait(self) -> float:
        return self.retry_after
