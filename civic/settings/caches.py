"""The cache settings for a CACHE_URL.

A Redis cache goes through django-redis rather than Django's own Redis client, with
IGNORE_EXCEPTIONS: a Redis that is down or restarting is then a cache miss instead of a 500 (the
soak, restarting Redis under load, found 28 of them: sessions, rate limits, invalidations).
While it is down:
- sessions (`cached_db`) are read from and written to the database;
- per-client rate limits cannot count and let requests through (`civic.throttling`), except
  Open311's per-key limit, which fails closed (429);
- the sweep runs without its overlap lock (each effect is claimed once in the database anyway);
- invalidations are skipped: a unit's cached case count is at most CASE_COUNT_CACHE_SECONDS old.
Short socket timeouts keep a hung Redis from holding a worker: a request waits at most about a
second for it.
"""

from __future__ import annotations

# What django-environ makes of redis:// (django-redis's when it is installed, as here).
REDIS_BACKENDS = ("django_redis.cache.RedisCache", "django.core.cache.backends.redis.RedisCache")


def cache_settings(config: dict, *, connect_timeout: float, timeout: float) -> dict:
    """`config` as django-environ parsed it; a Redis one becomes django-redis's, errors ignored."""
    if config["BACKEND"] not in REDIS_BACKENDS:
        return config
    return {
        **config,
        "BACKEND": "django_redis.cache.RedisCache",
        "OPTIONS": {
            **config.get("OPTIONS", {}),
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": connect_timeout,
            "SOCKET_TIMEOUT": timeout,
        },
    }
