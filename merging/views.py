"""Pages for 并案: the panel on the centre's case page, the dispatchers' queue of likely
duplicates, and the two confirmation steps (merge, undo). Thin: a selector or a service each.

Merging and undoing are confirmed on a page of their own (no script: the site's CSP allows
none inline): the panel's form posts the chosen cases, the confirmation page shows them and
posts again with `confirm`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import selectors as case_selectors
from cases.models import OPEN_STATUSES, Case
from civic import roles
from civic.errors import ApplicationError, DomainValidationError

from . import selectors, services

NOTE_FIELD_MAX = services.NOTE_MAX


def case_panel_context(request, *, case: Case) -> dict | None:
    """The panel on the centre's case page (place "centre_case"): for a merged case, the case
    it is merged into; for a main case, its merged cases (and undo for a dispatcher); for an
    open case and a dispatcher, the candidates to merge into it."""
    user = request.user
    if not (user.is_authenticated and roles.is_centre_staff(user)):
        return None
    is_dispatcher = roles.is_dispatcher(user)
    main = case.merged_into if case.merged_into_id else None
    merged = list(selectors.merged_cases_of(case)) if main is None else []
    candidates = []
    can_take = main is None and case.status in OPEN_STATUSES and is_dispatcher
    if can_take:
        candidates = selectors.merge_candidates(case)
    if main is None and not merged and not candidates and not can_take:
        return None
    return {
        "case": case,
        "main": main,
        "merged": merged,
        "candidates": candidates,
        "can_take": can_take,
        "is_dispatcher": is_dispatcher,
        "note_max": NOTE_FIELD_MAX,
    }


def _require_dispatcher(request) -> None:
    if not roles.is_dispatcher(request.user):
        raise PermissionDenied(_("Only a dispatcher merges cases."))


def _case(request, number: str) -> Case:
    case = case_selectors.case_get_visible(request.user, number=number)
    if case is None:
        raise Http404
    return case


def _back(case: Case) -> str:
    return reverse("cases:centre_case", kwargs={"number": case.number}) + "#merging"


def _field_messages(exc: ApplicationError) -> list[str]:
    fields = exc.extra.get("fields") if isinstance(exc.extra, dict) else None
    if not fields:
        return [exc.message]
    return [message for messages_ in fields.values() for message in messages_]


def _render_confirm(request, case, *, kind, cases, note, errors=(), status=200):
    return render(
        request,
        "merging/confirm.html",
        {
            "case": case,
            "kind": kind,
            "cases": cases,
            "note": note,
            "errors": list(errors),
            "note_max": NOTE_FIELD_MAX,
        },
        status=status,
    )


@login_required
@require_GET
def queue(request):
    _require_dispatcher(request)
    groups, found_at = selectors.queue_groups()
    return render(
        request,
        "merging/queue.html",
        {"groups": groups, "found_at": found_at, "window_days": selectors.WINDOW_DAYS},
    )


@login_required
@require_POST
def merge(request, number):
    """Step 1 (no `confirm`): check the choice and show it for confirmation. Step 2: merge."""
    _require_dispatcher(request)
    main = _case(request, number)
    note = request.POST.get("note", "")
    numbers = request.POST.getlist("cases")
    others: list[Case] = []
    try:
        others = selectors.cases_by_numbers(numbers)
        others = services.merge_preview(actor=request.user, main=main, others=others)
        if request.POST.get("confirm") != "1":
            return _render_confirm(request, main, kind="merge", cases=others, note=note)
        services.merge_cases(actor=request.user, main=main, others=others, note=note)
    except ApplicationError as exc:
        return _render_confirm(
            request,
            main,
            kind="merge",
            cases=others,
            note=note,
            errors=_field_messages(exc),
            status=exc.status_code,
        )
    messages.success(
        request,
        _("%(count)d cases merged into this case; they now follow it.") % {"count": len(others)},
    )
    return redirect(_back(main))


@login_required
@require_POST
def unmerge(request, number):
    """Undo a merge for the chosen merged cases of a main case (all when none is chosen), after
    a confirmation step."""
    _require_dispatcher(request)
    main = _case(request, number)
    note = request.POST.get("note", "")
    chosen: list[Case] = []
    try:
        chosen = selectors.cases_by_numbers(request.POST.getlist("cases"))
        shown = chosen or list(selectors.merged_cases_of(main))
        if request.POST.get("confirm") != "1":
            if not shown:
                raise DomainValidationError(_("No case is merged into this case."))
            return _render_confirm(request, main, kind="unmerge", cases=shown, note=note)
        released = services.unmerge_cases(
            actor=request.user, main=main, cases=chosen or None, note=note
        )
    except ApplicationError as exc:
        return _render_confirm(
            request,
            main,
            kind="unmerge",
            cases=chosen,
            note=note,
            errors=_field_messages(exc),
            status=exc.status_code,
        )
    messages.success(
        request,
        _("Merge undone for %(count)d cases; each stands alone again.") % {"count": len(released)},
    )
    return redirect(_back(main))
