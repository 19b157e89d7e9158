import datetime as dt

from celery import shared_task
from django.utils import timezone

from .services import assessment_compute


@shared_task
def assess_previous_month() -> int:
    """Monthly beat task: compute a draft for last month; a dispatcher reviews and publishes."""
    today = timezone.localdate()
    previous = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return assessment_compute(month=previous, actor=None).pk
