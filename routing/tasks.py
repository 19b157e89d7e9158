"""The monthly retraining of the dispatch router (beat: CELERY_BEAT_SCHEDULE["retrain-router"])."""

import logging

from celery import shared_task
from django.core.cache import cache

from . import registry

logger = logging.getLogger(__name__)

LOCK_KEY = "routing:retrain"
LOCK_SECONDS = 2 * 3600


@shared_task
def retrain_router(force: bool = False) -> dict:
    """Train on the base data + recent dispatched cases; promote only if not worse. One run at
    a time (a second beat or a manual call while one trains returns at once)."""
    if not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
        logger.info("routing: a retraining is already running")
        return {"skipped": "already running"}
    try:
        result = registry.retrain(with_cases=True, force=force)
    finally:
        cache.delete(LOCK_KEY)
    logger.info(
        "routing: retrained %s, promoted=%s (%s)", result.version, result.promoted, result.reason
    )
    return {
        "version": result.version,
        "promoted": result.promoted,
        "candidate_f1": result.candidate_f1,
        "active_version": result.active_version,
        "active_f1": result.active_f1,
        "reason": result.reason,
    }
