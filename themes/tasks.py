"""Periodic tasks: thin and idempotent (a second run creates nothing new)."""

from celery import shared_task
from django.utils import timezone

from civic.models import Region

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
    """Hourly: analyse this month city-wide, and each region of this month a page asked for
    lately, into the store the centre's page reads (hot_topics.stored); the new cases of the
    hour are segmented on the way (tokens are cached per case). Returns the number of cases
    analysed city-wide."""
    now = timezone.now()
    month = timezone.localdate()
    city = hot_topics.warm(month, None, now=now)
    for region in Region.objects.filter(pk__in=hot_topics.wanted_regions(month, now=now)):
        hot_topics.warm(month, region, now=now)
    return city.analysis.analysed


@shared_task
def analyse_hot_topics(month: str, region_id: int | None = None) -> int:
    """Queued by the hot-topics page for a month or region nobody analysed yet (or lately):
    analyse it into the store the page reads. Idempotent; a region deleted since is skipped."""
    region = None
    if region_id is not None:
        region = Region.objects.filter(pk=region_id).first()
        if region is None:
            return 0
    return hot_topics.warm(month, region).analysis.analysed
