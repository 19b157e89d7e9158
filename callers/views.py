"""Caller history pages: the lookup page, the console panel's JSON, and the repeat-call action.

Centre staff only. Every response that shows a caller's cases writes one personal-data access
row per case shown (services.caller_history_access_record).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import forms as case_forms
from cases.models import Case
from cases.views import render_console
from civic import roles
from civic.client import client_address
from civic.errors import ApplicationError
from civic.forms import show_error

from . import selectors, services
from .forms import CallerLookupForm


def _require_centre_staff(request) -> None:
    if not (request.user.is_authenticated and roles.is_centre_staff(request.user)):
        raise PermissionDenied


def _history_and_log(request, phone: str) -> selectors.CallerHistory:
    history = selectors.caller_history(phone)
    services.caller_history_access_record(
        actor=request.user, cases=history.cases, path=request.path, ip=client_address(request)
    )
    return history


def case_row(case: Case, *, now=None) -> dict:
    """One case of a history as the panel and the JSON show it."""
    shows_due = case.is_open and case.handle_due_at is not None
    return {
        "number": case.number,
        "title": case.title,
        "status": case.status,
        "status_label": case.get_status_display(),
        "open": case.is_open,
        "lead_unit": case.lead_unit.name if case.lead_unit_id else "",
        # A closed case's deadline no longer tells the caller anything.
        "handle_due_at": case.handle_due_at.isoformat() if shows_due else None,
        "handle_due": _local(case.handle_due_at) if shows_due else "",
        "overdue": selectors.is_overdue(case, now=now),
        "received_at": case.received_at.isoformat(),
        "received": _local(case.received_at, "Y-m-d"),
        "url": reverse("cases:centre_case", kwargs={"number": case.number}),
        "repeat_url": reverse("callers:repeat", kwargs={"number": case.number})
        if case.is_open
        else "",
    }


def history_payload(history: selectors.CallerHistory) -> dict:
    return {
        "phone": history.phone_masked,
        "frequent": history.frequent,
        "frequent_threshold": selectors.FREQUENT_THRESHOLD,
        "frequent_window_days": selectors.FREQUENT_WINDOW_DAYS,
        "count_30_days": history.count_30_days,
        "count_90_days": history.count_90_days,
        "open": [case_row(c, now=history.at) for c in history.open_cases],
        "closed": [case_row(c, now=history.at) for c in history.closed_cases],
    }


@login_required
@require_GET
def history_page(request):
    """Look a caller up by number (also reached from the console panel)."""
    _require_centre_staff(request)
    history = None
    status = 200
    form = CallerLookupForm(request.GET or None)
    if request.GET:
        if form.is_valid():
            try:
                history = _history_and_log(request, form.cleaned_data["phone"])
            except ApplicationError as exc:
                status = show_error(request, exc, form)
        else:
            status = 400
    return render(
        request,
        "callers/history.html",
        {
            "form": form,
            "history": history,
            "rows": [case_row(c, now=history.at) for c in history.cases] if history else [],
            "frequent_threshold": selectors.FREQUENT_THRESHOLD,
            "frequent_window_days": selectors.FREQUENT_WINDOW_DAYS,
        },
        status=status,
    )


@require_GET
def history_json(request):
    """The console panel's data: {"phone", "frequent", counts, "open": [...], "closed": [...]};
    400 {"message", "extra": {"fields": {"phone": [...]}}} for an unusable number."""
    if not (request.user.is_authenticated and roles.is_centre_staff(request.user)):
        return JsonResponse(
            {"message": _("Only hotline centre staff may look callers up.")}, status=403
        )
    try:
        history = _history_and_log(request, request.GET.get("phone", ""))
    except ApplicationError as exc:
        return JsonResponse({"message": exc.message, "extra": exc.extra}, status=400)
    return JsonResponse(history_payload(history))


@login_required
@require_POST
def repeat_call(request, number: str):
    """The console form submitted through "Record as a repeat call of this case": the call
    becomes a case closed at once as a repeat of `number`; the operator then reads the open
    case's progress to the caller (the message on the new case's page)."""
    _require_centre_staff(request)
    form = case_forms.OperatorCaseForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            recorded = services.repeat_call_record(
                actor=request.user, original_number=number, intake=form.intake_fields()
            )
        except ApplicationError as exc:
            status = show_error(request, exc, form)
        else:
            messages.success(request, progress_message(recorded))
            return redirect("cases:centre_case", number=recorded.new_case.number)
    return render_console(request, form, status=status)


def _local(value, fmt: str = "Y-m-d H:i") -> str:
    return date_filter(timezone.localtime(value), fmt) if value else ""


def progress_message(recorded: services.RepeatCall) -> str:
    """The message shown after a repeat call: what to read to the caller about the open case."""
    progress = selectors.case_progress(recorded.original)
    parts = [
        _("Repeat call recorded as %(new)s and closed, linked to case %(number)s.")
        % {"new": recorded.new_case.number, "number": progress.number},
        _("Tell the caller: status %(status)s.") % {"status": progress.status},
    ]
    if progress.unit:
        parts.append(_("Handled by %(unit)s.") % {"unit": progress.unit})
    if progress.handle_due_at:
        due = _local(progress.handle_due_at)
        if progress.overdue:
            parts.append(_("Handling deadline %(due)s, overdue.") % {"due": due})
        else:
            parts.append(_("Handling deadline %(due)s.") % {"due": due})
    if progress.latest_step:
        parts.append(
            _("Latest step: %(step)s (%(at)s).")
            % {"step": progress.latest_step, "at": _local(progress.latest_step_at)}
        )
    return " ".join(parts)
