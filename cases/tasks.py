"""Celery tasks: thin, idempotent, taking ids. Deadlines are never countdown tasks (DESIGN §6a)."""

import logging

from celery import shared_task
from django.core.cache import cache

logger = logging.getLogger(__name__)
SWEEP_LOCK = "cases:sweep:lock"


@shared_task(
    name="cases.tasks.sweep_deadlines",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def sweep_deadlines() -> dict:
    """The periodic sweep. A short lock avoids piling up overlapping runs; correctness does not
    depend on it (each effect is claimed once in the database)."""
    from .sweep import sweep

    # False: another run holds the lock. None: the cache is down (errors ignored, settings
    # CACHES): sweep anyway, deadlines matter more than an overlap the database makes harmless.
    if cache.add(SWEEP_LOCK, "1", timeout=55) is False:
        logger.info("sweep already running; skipped")
        return {}
    try:
        counts = sweep()
    finally:
        cache.delete(SWEEP_LOCK)
    if counts:
        logger.info("sweep: %s", counts)
    return counts
