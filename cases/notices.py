"""Who hears about what, as cases move. Receivers write notification rows in the same
transaction as the change (the outbox); email goes out after commit."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from civic.models import Membership
from civic.notify.services import notify_role, notify_unit, notify_users

from .models import CaseEvent
from .signals import case_event_recorded


def _on_event(sender, event: CaseEvent, **kwargs) -> None:
    # Stored notices speak the site's language (Chinese first), whatever language the person
    # whose action caused them reads the site in: they are for someone else.
    with translation.override(settings.LANGUAGE_CODE):
        _notify(event)


def _notify(event: CaseEvent) -> None:
    case = event.case
    key = f"event:{event.pk}"
    number = case.number
    if (
        event.action in ("dispatch", "redispatch", "return_accepted", "reopen")
        and case.lead_unit_id
    ):
        notify_unit(
            unit=case.lead_unit,
            kind="dispatched",
            title=_("New case %(number)s: %(title)s")
            % {"number": number, "title": case.title[:60]},
            url=f"/inbox/{number}/",
            dedupe_key=key,
            sms=case.urgency in ("emergency", "utility"),
        )
    elif event.action in ("request_return", "request_extension"):
        what = _("return request") if event.action == "request_return" else _("extension request")
        notify_role(
            role=Membership.Role.DISPATCHER,
            kind=event.action,
            title=_("Case %(number)s: %(what)s to decide") % {"number": number, "what": what},
            url=f"/dispatch/case/{number}/",
            dedupe_key=key,
        )
    elif (
        event.action in ("return_rejected", "extension_approved", "extension_denied")
        and case.lead_unit_id
    ):
        notify_unit(
            unit=case.lead_unit,
            kind=event.action,
            title=_("Case %(number)s: the hotline centre decided") % {"number": number},
            body=event.note,
            url=f"/inbox/{number}/",
            dedupe_key=key,
        )
    elif event.action == "reply" and case.reporter_id:
        notify_users(
            users=[case.reporter],
            kind="reply",
            title=_("Your case %(number)s has a reply — please tell us how it went")
            % {"number": number},
            url=f"/cases/{number}/",
            dedupe_key=key,
        )
    elif event.action == "close" and case.reporter_id:
        notify_users(
            users=[case.reporter],
            kind="closed",
            title=_("Your case %(number)s is closed") % {"number": number},
            url=f"/cases/{number}/",
            dedupe_key=key,
        )


case_event_recorded.connect(_on_event, dispatch_uid="cases.notices")
