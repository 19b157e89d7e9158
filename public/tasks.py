"""The public side's periodic work: the map's area counts."""

from celery import shared_task

from . import services


@shared_task(name="public.refresh_area_counts")
def refresh_area_counts() -> int:
    """Rebuild the map's public case counts per area (every few minutes, and after a case is
    hidden or shown again). Idempotent."""
    return services.area_counts_refresh()
