"""Knowledge-base chores: daily review reminders and retirement, and the statistics page's
monthly on-the-spot counts (every ten minutes). Idempotent: notifications carry
dedupe keys and retiring checks the status under a row lock."""

from celery import shared_task

from . import services


@shared_task(name="knowledge.tasks.remind_reviews")
def remind_reviews() -> int:
    """Tell owning units of articles whose review date is near or past."""
    return services.articles_remind_review()


@shared_task(name="knowledge.tasks.retire_expired")
def retire_expired() -> int:
    """Retire articles whose effective period ended (they already left search that day)."""
    return services.articles_retire_expired()


@shared_task(name="knowledge.tasks.count_on_spot")
def count_on_spot() -> int:
    """Recount this month's and last month's hotline cases answered on the spot (and any month
    of the statistics page not counted yet) into the table the page reads."""
    return services.on_spot_months_count()
