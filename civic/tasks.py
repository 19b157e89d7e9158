import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger("civic.beat")


@shared_task(name="civic.tasks.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """A beat tick visible in the worker log: proof that background work runs."""
    stamp = timezone.now().isoformat()
    logger.info("civic heartbeat %s", stamp)
    return stamp
