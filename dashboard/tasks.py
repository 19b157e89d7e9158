"""Periodic catch-up of the roll-ups (beat entries: docs/dashboard.md)."""

from celery import shared_task

from . import selectors, services


@shared_task(name="dashboard.refresh")
def refresh_dashboard() -> dict:
    """Rebuild today's and yesterday's buckets from scratch and recount the open cases.
    Idempotent: running it twice gives the same rows."""
    return services.dashboard_refresh()


@shared_task(name="dashboard.hot_topics")
def refresh_hot_topics() -> int:
    """Analyse this month's hot topics for the city and every region a leader or street
    official looks at, into the cache the dashboard reads (the analysis is too heavy for a
    request)."""
    return selectors.hot_topics_refresh()
