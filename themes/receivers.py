"""Links each new case to the active themes it matches, in the creating transaction.

Listens to cases.signals.case_event_recorded (cases never imports themes). Cases written by
bulk paths without the signal are caught by the daily task themes.tasks.link_theme_cases."""

from cases.models import CaseEvent
from cases.signals import case_event_recorded

from .services import theme_link_new_case


def _on_case_event(sender, event: CaseEvent, **kwargs) -> None:
    if event.action == "create":
        theme_link_new_case(case=event.case)


case_event_recorded.connect(_on_case_event, dispatch_uid="themes.link_new_case")
