"""Records what the router suggested when a case is first dispatched (learning from
dispatchers). Listens to cases.signals.case_event_recorded; cases never imports routing."""

import logging

from django.db import transaction

from cases.models import CaseEvent
from cases.signals import case_event_recorded

from .services import dispatch_feedback_record

logger = logging.getLogger(__name__)


def _on_case_event(sender, event: CaseEvent, **kwargs) -> None:
    if event.action != "dispatch":
        return
    # A dispatch must never fail because of the router: the row is written under a savepoint
    # and a failure is logged (the case then simply has no feedback row).
    try:
        with transaction.atomic():
            dispatch_feedback_record(event=event)
    except Exception:
        logger.exception("routing: dispatch feedback for case %s failed", event.case_id)


case_event_recorded.connect(_on_case_event, dispatch_uid="routing.dispatch_feedback")
