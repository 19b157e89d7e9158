"""Public red and black boards (no login), a unit's trend and cases, exports; staff review page."""

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from civic.errors import ApplicationError
from civic.models import Unit

from . import exports, selectors, services
from .models import AssessmentRun


def _month_or_404(value):
    try:
        return services.parse_month(value)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc


def _run_for(request):
    month = request.GET.get("month")
    return selectors.latest_published_run(_month_or_404(month) if month else None)


def _show_whistles(run) -> bool:
    return run is not None and run.scores.filter(whistle_total__isnull=False).exists()


def _groups_html(run) -> str:
    """The peer groups' boards of `run`, rendered once and served from the cache (see
    selectors.rendered_boards_key): the same for every viewer, so rendered without the request."""
    key = selectors.rendered_boards_key(run, get_language())
    html = cache.get(key)
    if html is None:
        context = {
            "run": run,
            "groups": selectors.boards(run),
            "show_whistles": _show_whistles(run),
        }
        html = render_to_string("assessment/_groups.html", context)
        cache.set(key, html, selectors.RENDERED_BOARDS_SECONDS)
    return mark_safe(html)  # rendered by the template engine, which escaped every value


def boards(request):
    run = _run_for(request)
    context = {
        "run": run,
        "months": selectors.published_months(),
        "groups_html": _groups_html(run) if run else "",
        "newer_draft": selectors.newer_draft(run)
        if run and selectors.can_manage(request.user)
        else None,
        "can_manage": selectors.can_manage(request.user),
        "requested_month": request.GET.get("month") if run is None else None,
    }
    return render(request, "assessment/boards.html", context)


def boards_export(request, month, fmt):
    run = selectors.latest_published_run(_month_or_404(month))
    if run is None:
        raise Http404
    columns = exports.score_columns(_show_whistles(run))
    scores = run.scores.select_related("unit").order_by("peer_group", "rank", "unit__name")
    return exports.respond(
        f"scores-{run.month_label}-r{run.revision}",
        [label for _k, label in columns],
        exports.score_rows(scores, columns),
        fmt,
    )


def unit_detail(request, pk):
    unit = get_object_or_404(Unit, pk=pk)
    run = _run_for(request)
    score = run.scores.filter(unit=unit).first() if run else None
    trend = selectors.unit_trend(unit, run.month if run else None)
    page, cases = None, []
    if run:
        # A page of the month's cases; the CSV/Excel export has them all.
        page, cases = selectors.unit_cases_page(
            unit, run.month, viewer=request.user, page=request.GET.get("page")
        )
    context = {
        "unit": unit,
        "run": run,
        "score": score,
        # The table lists the months with a published score; the chart keeps every month's
        # place on its axis so a gap stays visible.
        "trend_rows": [(month, s) for month, s in trend if s is not None],
        "chart": selectors.trend_svg(trend),
        "cases": cases,
        "page": page,
        "months": selectors.published_months(),
    }
    return render(request, "assessment/unit.html", context)


CASE_COLUMNS = [
    ("number", _l("Case number")),
    ("category", _l("Category")),
    ("status", _l("Status")),
    ("received_at", _l("Received")),
    ("dispatched_at", _l("Dispatched")),
    ("contacted_at", _l("Resident contacted")),
    ("closed_at", _l("Closed")),
    ("assessable", _l("Assessable")),
]


def unit_cases_export(request, pk, month, fmt):
    unit = get_object_or_404(Unit, pk=pk)
    if selectors.latest_published_run(_month_or_404(month)) is None:
        raise Http404
    rows = selectors.unit_cases(unit, month)
    header = [str(label) for _k, label in CASE_COLUMNS]
    return exports.respond(
        f"cases-{unit.pk}-{month}",
        header,
        [[exports.display(r[k]) for k, _l in CASE_COLUMNS] for r in rows],
        fmt,
    )


def unit_trend_export(request, pk, fmt):
    unit = get_object_or_404(Unit, pk=pk)
    trend = selectors.unit_trend(unit)
    columns = exports.score_columns()[2:]
    header = [_("Month")] + [label for _k, label in columns]
    rows = []
    for month, score in trend:
        if score is None:
            continue  # the same months as the page's table: those with a published score
        rows.append([f"{month:%Y-%m}", *exports.score_rows([score], columns)[0]])
    return exports.respond(f"trend-{unit.pk}", header, rows, fmt)


def runs(request):
    if not selectors.can_manage(request.user):
        raise Http404
    context = {"runs": AssessmentRun.objects.select_related("policy")[:48]}
    return render(request, "assessment/runs.html", context)


def run_detail(request, pk):
    if not selectors.can_manage(request.user):
        raise Http404
    run = get_object_or_404(AssessmentRun, pk=pk)
    context = {"run": run, "groups_html": _groups_html(run), "can_manage": True}
    return render(request, "assessment/run_detail.html", context)


@require_POST
def run_compute(request):
    if not selectors.can_manage(request.user):
        raise Http404
    try:
        run = services.assessment_compute(month=request.POST.get("month", ""), actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("assessment:runs")
    messages.success(request, _("Draft computed."))
    return redirect("assessment:run_detail", pk=run.pk)


@require_POST
def run_publish(request, pk):
    if not selectors.can_manage(request.user):
        raise Http404
    run = get_object_or_404(AssessmentRun, pk=pk)
    # Publishing cannot be undone (a published month is frozen and public): the form's
    # confirmation box is checked here, not only in the browser.
    if request.POST.get("confirm") != "yes":
        messages.error(
            request,
            _(
                "Nothing was published: tick the box to confirm that this month becomes public and frozen."
            ),
        )
        return redirect("assessment:run_detail", pk=run.pk)
    try:
        services.assessment_publish(run=run, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Published."))
    return redirect("assessment:run_detail", pk=run.pk)
