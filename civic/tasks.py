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


@shared_task(name="civic.tasks.create_partitions_ahead", ignore_result=True)
def create_partitions_ahead() -> dict[str, list[str]]:
    """The next months' partitions of every monthly table (civic.partitions), made days before
    the first row needs them. Harmless when run twice; nothing to do on SQLite."""
    from civic.partitions import ensure_ahead

    created = ensure_ahead()
    made = {table: [m.isoformat() for m in months] for table, months in created.items() if months}
    if made:
        logger.info("partitions created: %s", made)
    return made
