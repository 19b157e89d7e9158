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

import time

from django.core.cache import cache as default_cache
from rest_framework.throttling import ScopedRateThrottle

from civic.client import client_address


def count_in_window(
    key: str, seconds: int, *, cache=None, now: float | None = None, if_down: int | None = 1
):
    """Count one request under `key` in the current fixed window of `seconds`.

    Returns (requests in this window so far, this one included, or `if_down` when the cache
    could not count; seconds to the window's end).
    Every per-client limit of the site counts this way (DRF throttles below, tracking lookups,
    "me too")."""
    cache = default_cache if cache is None else cache
    now = time.time() if now is None else now
    window = int(now // seconds)
    retry_after = (window + 1) * seconds - now
    key = f"{key}:{window}"
    # The entry outlives its window a little; the next window uses a new key.
    if cache.add(key, 1, seconds + 5):
        return 1, retry_after
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, seconds + 5)
        return 1, retry_after
    # None: the cache is down and its errors are ignored (settings CACHES): nothing could be
    # counted, and the caller's `if_down` stands in (1 by default: a per-client limit is not
    # worth refusing every client for).
    return (if_down if count is None else count), retry_after


class WindowScopedRateThrottle(ScopedRateThrottle):
    """`ScopedRateThrottle` (the view's `throttle_scope`, rates from DEFAULT_THROTTLE_RATES)
    counted in fixed windows, anonymous clients by `civic.client.client_address`."""

    def get_ident(self, request) -> str:
        # DRF's own reads a client-written X-Forwarded-For unless NUM_PROXIES is set.
        return client_address(request)

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        count, self.retry_after = count_in_window(
            key, self.duration, cache=self.cache, now=self.timer()
        )
        return count <= self.num_requests

    def wait(self) -> float:
        return self.retry_after
