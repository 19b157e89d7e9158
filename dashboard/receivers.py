"""Keeps the dashboard's roll-ups in step with every case event.

Listens to cases.signals.case_event_recorded (cases never imports the dashboard). The signal
fires inside the case's transaction, so the roll-up commits or rolls back with the case; a
failure is logged and left to the periodic rebuild (dashboard.tasks.refresh_dashboard) rather
than undoing the case. Bulk imports send no events: the same rebuild counts them."""

import logging

from cases.models import CaseEvent
from cases.signals import case_event_recorded

from .services import tally_case

logger = logging.getLogger(__name__)


def _on_case_event(sender, event: CaseEvent, **kwargs) -> None:
    try:
        tally_case(case_id=event.case_id)
    except Exception:
        logger.exception(
            "dashboard: counting case %s failed; the rebuild catches up", event.case_id
        )


case_event_recorded.connect(_on_case_event, dispatch_uid="dashboard.tally_case")
