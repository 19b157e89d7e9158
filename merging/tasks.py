"""并案's background work: finding the dispatchers' queue of likely duplicates off the request
(beat: `merging-duplicate-groups`)."""

from celery import shared_task

from . import selectors


@shared_task(name="merging.tasks.find_duplicate_groups")
def find_duplicate_groups() -> int:
    """Find the groups of likely duplicates among the open cases and keep them for the queue
    page. Idempotent (each run replaces the last). Returns the number of groups."""
    return len(selectors.duplicate_groups_warm()["groups"])
