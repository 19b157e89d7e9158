"""并案 listens to every case event (cases.signals.case_event_recorded; cases never imports
merging), inside the acting service's transaction:

- an event on a main case that its merged cases follow (merging.services.FOLLOWED_ACTIONS)
  brings them along (`follow_main`), in the same transaction;
- a handling step taken directly on a merged case (dispatch, sign, reply …) is refused: the
  receiver raises IllegalTransition (409), which rolls the acting service back, since a merged
  case is handled through its main case;
- a merged case reopened on its own reporter's word leaves the group.

Events this app writes on merged cases carry data["follows"] and are left alone.
"""

from django.utils.translation import gettext as _

from cases.errors import IllegalTransition
from cases.models import Case, CaseEvent
from cases.signals import case_event_recorded

from . import services

# Steps a merged case takes only through its main case.
HANDLED_THROUGH_MAIN = frozenset(
    {
        "dispatch",
        "redispatch",
        "return_accepted",
        "return_rejected",
        "request_return",
        "sign",
        "contact",
        "reply",
        "request_extension",
        "extension_approved",
        "extension_denied",
        "add_co_unit",
        "close_without_dispatch",
    }
)


def _on_case_event(sender, event: CaseEvent, **kwargs) -> None:
    data = event.data if isinstance(event.data, dict) else {}
    if services.FOLLOWS_KEY in data:
        return
    case = event.case
    if case.merged_into_id is not None:
        if event.action in HANDLED_THROUGH_MAIN:
            main_number = (
                Case.objects.filter(pk=case.merged_into_id).values_list("number", flat=True).first()
            )
            raise IllegalTransition(
                _("This case is merged into case %(number)s: act on that case.")
                % {"number": main_number},
                extra={"merged_into": main_number},
            )
        if event.action == "reopen":
            services.follower_leaves_on_reopen(event=event)
        return
    if event.action in services.FOLLOWED_ACTIONS:
        # The partial index on merged_into answers this for every case event cheaply.
        services.follow_main(event=event)


case_event_recorded.connect(_on_case_event, dispatch_uid="merging.follow_main")
