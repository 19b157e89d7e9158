"""Checks every sent reply and queues it for review. Listens to
cases.signals.case_event_recorded (action "reply"); cases never imports reply_quality."""

import logging

from django.db import transaction

from cases.models import CaseEvent, Reply
from cases.signals import case_event_recorded

from .services import reply_check_record

logger = logging.getLogger(__name__)


def _on_case_event(sender, event: CaseEvent, **kwargs) -> None:
    if event.action != "reply":
        return
    reply_id = (event.data or {}).get("reply")
    if not reply_id:
        return
    # Run in the reply's transaction (the check row commits with the reply), under a savepoint:
    # a failing check is logged and never stops the reply from being sent.
    try:
        with transaction.atomic():
            reply = Reply.objects.select_related("case", "unit").get(pk=reply_id)
            reply_check_record(reply=reply)
    except Exception:
        logger.exception("reply_quality: checking reply %s failed", reply_id)


case_event_recorded.connect(_on_case_event, dispatch_uid="reply_quality.check_reply")
