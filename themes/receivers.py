"""Links each new case to the active themes it matches, in the creating transaction (or right
after it commits, for a case stored by its one statement: see cases/signals.py).

Listens to cases.signals.case_event_recorded (cases never imports themes). Cases written by
bulk paths without the signal are caught by the daily task themes.tasks.link_theme_cases."""

import logging

from cases.models import CaseEvent
from cases.signals import case_event_recorded

from .services import theme_link_new_case

logger = logging.getLogger(__name__)


def _on_case_event(sender, event: CaseEvent, **kwargs) -> None:
    if event.action != "create":
        return
    # Intake must never fail because of a theme: the service reads and writes under savepoints
    # (and only when a cached theme matches), and a failure is logged and left to the daily
    # catch-up (theme_link_matching is idempotent).
    try:
        theme_link_new_case(case=event.case)
    except Exception:
        logger.exception(
            "themes: linking case %s failed; the daily catch-up retries", event.case_id
        )


case_event_recorded.connect(_on_case_event, dispatch_uid="themes.link_new_case")
