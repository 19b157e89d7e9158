"""Categories and regions by id, kept in memory for intake checks.

Every case filed names a category and a region, and intake checks both. They are reference data
that change a few times a year (in the admin), so reading them from the database on every case
cost two queries and their ORM work, about an eighth of an intake's server time. An edit made
through the ORM clears this process's copy at once (signals); other worker processes see it
within CACHE_SECONDS. Unknown ids are never remembered (a client sending random ids cannot fill
the memory).

The instances are shared between requests: read them, never change them.
"""

from __future__ import annotations

import threading
import time

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

# Other processes see an administrator's edit after at most this long.
CACHE_SECONDS = 60
# Beijing has about 11,000 communities and villages; far more ids than this means abuse or a
# bug, so the oldest half is dropped.
MAX_ENTRIES = 20_000

_clock = time.monotonic
_lock = threading.Lock()
_entries: dict[tuple[str, int], tuple[float, object]] = {}


def _get(kind: str, model, pk) -> object | None:
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**63:
        return None
    key = (kind, pk)
    now = _clock()
    with _lock:
        hit = _entries.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    obj = model.objects.filter(pk=pk).first()
    with _lock:
        if obj is None:
            _entries.pop(key, None)
        else:
            if len(_entries) >= MAX_ENTRIES:
                for old in sorted(_entries, key=lambda k: _entries[k][0])[: MAX_ENTRIES // 2]:
                    del _entries[old]
            _entries[key] = (now, obj)
    return obj


def category(pk: int):
    """The category with this id (any level, active or not), or None."""
    from civic.models import Category

    return _get("category", Category, pk)


def region(pk: int):
    """The region with this id, or None."""
    from civic.models import Region

    return _get("region", Region, pk)


def clear_cache() -> None:
    with _lock:
        _entries.clear()


@receiver(post_save, sender="civic.Category")
@receiver(post_delete, sender="civic.Category")
@receiver(post_save, sender="civic.Region")
@receiver(post_delete, sender="civic.Region")
def _catalogue_changed(sender, **kwargs) -> None:
    clear_cache()
