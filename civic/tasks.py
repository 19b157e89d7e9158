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


@shared_task(
    name="civic.tasks.deliver_notification",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def deliver_notification(notification_id: int) -> None:
    from civic.notify.delivery import notification_deliver

    notification_deliver(notification_id=notification_id)
