"""HTML and JSON endpoints of 工单质检, and the two panels (unit reply form, unit board). Thin:
forms validate, one service or selector does the work."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import rules as case_rules
from cases.models import Case, Reply, Status
from civic.errors import ApplicationError, ConflictError, PermissionDeniedError
from civic.forms import show_error

from . import rules, scoring, selectors, services
from .forms import DraftCheckForm, MonthForm, VerdictForm
from .models import QualityReview

# --- checking a draft before it is sent ----------------------------------------------------------


def _json_error(message: str, status: int, fields: dict | None = None) -> JsonResponse:
    return JsonResponse(
        {"message": message, "extra": {"fields": fields} if fields else {}}, status=status
    )


@require_POST
def check_draft(request):
    """POST /quality/check/ — the reply panel's script asks before the form is sent."""
    if not request.user.is_authenticated:
        return _json_error(_("Log in first."), 403)
    form = DraftCheckForm(request.POST)
    if not form.is_valid():
        fields = {k: [e["message"] for e in v] for k, v in form.errors.get_json_data().items()}
        return _json_error(_("Invalid input."), 400, fields)
    case = Case.objects.filter(number=form.cleaned_data["case"]).select_related("lead_unit").first()
    if case is None:
        return _json_error(_("No such case."), 404)
    if not case_rules.can_handle_case.test(request.user, case):
        return _json_error(_("Only the lead unit's handlers check replies to this case."), 403)
    try:
        checks = services.check_reply(case, form.cleaned_data["text"], form.cleaned_data["result"])
    except ApplicationError as exc:
        return _json_error(exc.message, exc.status_code, exc.extra.get("fields"))
    return JsonResponse(checks.as_dict())


# --- the centre's queue ------------------------------------------------------------------------


def _require_reviewer(request) -> None:
    if not rules.can_review_replies(request.user):
        raise PermissionDenied(_("Only the hotline centre reviews replies."))


def _review_row(review: QualityReview) -> dict:
    check = review.reply_check
    reply = check.reply
    missing = [k for k, ok in scoring.completeness_elements(reply.text).items() if not ok]
    return {
        "review": review,
        "check": check,
        "case": reply.case,
        "reply": reply,
        "scores": [
            (_("Relevance"), check.relevance),
            (_("Completeness"), check.completeness),
            (_("Policy basis"), check.explanation),
            (_("Originality"), check.originality),
        ],
        "warnings": [services.warning_message(c, missing=missing) for c in check.warnings],
    }


def _render_queue(request, *, failed: tuple[int, VerdictForm] | None = None, status: int = 200):
    page = Paginator(selectors.reviews(state="pending"), 20).get_page(request.GET.get("page"))
    rows = []
    for review in page.object_list:
        row = _review_row(review)
        row["form"] = (
            failed[1]
            if failed and failed[0] == review.pk
            else VerdictForm(auto_id=f"id_verdict_{review.pk}_%s")
        )
        rows.append(row)
    context = {"page": page, "rows": rows, "sample_percent": services.SAMPLE_PERCENT}
    return render(request, "reply_quality/queue.html", context, status=status)


@login_required
@require_GET
def queue(request):
    _require_reviewer(request)
    return _render_queue(request)


@login_required
@require_POST
def verdict(request, pk):
    _require_reviewer(request)
    review = get_object_or_404(QualityReview, pk=pk)
    form = VerdictForm(request.POST, auto_id=f"id_verdict_{pk}_%s")
    if form.is_valid():
        try:
            services.quality_review_verdict(
                actor=request.user,
                review=review,
                verdict=form.cleaned_data["verdict"],
                note=form.cleaned_data["note"],
            )
        except ConflictError as exc:
            messages.error(request, exc.message)
            return redirect(reverse("reply_quality:queue"))
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            show_error(request, exc, form)
        else:
            messages.success(request, _("Verdict recorded."))
            return redirect(reverse("reply_quality:queue"))
    messages.error(request, _("The verdict was not recorded: see the form."))
    return _render_queue(request, failed=(review.pk, form), status=400)


# --- monthly figures per unit -------------------------------------------------------------------


@login_required
@require_GET
def units(request):
    if not rules.can_see_quality_figures(request.user):
        raise PermissionDenied(_("Only the hotline centre and leaders see these figures."))
    form = MonthForm(request.GET)
    rows = []
    month = None
    if form.is_valid():
        month = form.cleaned_data["month"]
        rows = selectors.unit_month_figures(month)
    context = {"form": form, "month": month, "rows": rows}
    return render(
        request, "reply_quality/units.html", context, status=200 if form.is_valid() else 400
    )


# --- panels -------------------------------------------------------------------------------------


def unit_reply_panel(request, case: Case) -> dict | None:
    """Suggestions and the check before sending, for the lead unit's handlers while the case
    is in progress."""
    if case.status != Status.IN_PROGRESS or not case_rules.can_handle_case.test(request.user, case):
        return None
    return {
        "case": case,
        "similar_cases": selectors.similar_closed_cases(case),
        "articles": selectors.matching_articles(case),
        "check_url": reverse("reply_quality:check"),
        "explained_value": Reply.Result.EXPLAINED.value,
    }


def unit_board_panel(request, unit, month: str = "") -> dict | None:
    """Reply quality of one unit for one month, beside (not inside) its 三率."""
    if not month or not rules.can_see_unit_quality(request.user, unit):
        return None
    try:
        first = dt.datetime.strptime(str(month), "%Y-%m").date()
    except ValueError:
        return None
    rows = selectors.unit_month_figures(first, unit=unit)
    return {"unit": unit, "month": month, "figures": rows[0] if rows else None}
