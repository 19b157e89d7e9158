"""Periodic tasks: thin and idempotent (a second run creates nothing new)."""

from celery import shared_task
from django.utils import timezone

from . import hot_topics
from .models import Theme
from .services import suggestions_generate, theme_link_matching


@shared_task
def suggest_proactive(month: str | None = None) -> int:
    """Monthly beat task: open the month's proactive suggestions (one per category/region)."""
    month = month or f"{timezone.localdate():%Y-%m}"
    return len(suggestions_generate(month=month))


@shared_task
def link_theme_cases() -> int:
    """Daily: link cases that entered without the creation signal (bulk import) to themes."""
    total = 0
    for theme_id in Theme.objects.filter(status=Theme.Status.ACTIVE).values_list("pk", flat=True):
        theme = Theme.objects.select_related("region", "category").get(pk=theme_id)
        total += theme_link_matching(theme=theme)
    return total


@shared_task
def warm_hot_topics() -> int:
    """Hourly: analyse this month city-wide so the centre's page opens from the cache, and
    segment the new cases of the hour ahead of any page view (tokens are cached per case)."""
    return hot_topics.analyse(timezone.localdate()).analysed
