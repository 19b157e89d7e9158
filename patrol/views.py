"""Grid workers' pages: the patrol report (phone first) and the patrol statistics."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civic import calendar, roles
from civic.errors import ApplicationError
from civic.forms import show_error

from . import selectors, services
from .forms import CheckInForm, PatrolReportForm


def _grid_worker(request):
    if not roles.has_role(request.user, roles.Role.GRID_WORKER):
        raise PermissionDenied
    return selectors.grids_of(request.user)


def _page(request, grids, *, report_form=None, check_in_form=None, status=200):
    return render(
        request,
        "patrol/patrol.html",
        {
            "grids": grids,
            "report_form": report_form or PatrolReportForm(grids=grids),
            "check_in_form": check_in_form or CheckInForm(grids=grids, prefix="checkin"),
            "reports": selectors.recent_reports_of(request.user),
        },
        status=status,
    )


@login_required
def patrol(request):
    """Report what you found on patrol: category, a sentence, a photo; the phone says where."""
    grids = _grid_worker(request)
    if request.method != "POST":
        return _page(request, grids)
    form = PatrolReportForm(request.POST, request.FILES, grids=grids)
    if form.is_valid():
        d = form.cleaned_data
        try:
            report = services.patrol_report_create(
                actor=request.user,
                grid=d["grid"],
                category=d["category"],
                text=d["text"],
                lat=d["lat"],
                lng=d["lng"],
                accuracy_m=d.get("accuracy_m"),
                photo=d.get("photo"),
            )
        except ApplicationError as exc:
            show_error(request, exc, form)
        else:
            messages.success(
                request,
                _("Reported as case %(number)s; the hotline centre will dispatch it.")
                % {"number": report.case.number},
            )
            return redirect("patrol:report")
    return _page(request, grids, report_form=form, status=400)


@login_required
@require_POST
def check_in(request):
    grids = _grid_worker(request)
    form = CheckInForm(request.POST, grids=grids, prefix="checkin")
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.patrol_check_in(actor=request.user, grid=d["grid"], lat=d["lat"], lng=d["lng"])
        except ApplicationError as exc:
            show_error(request, exc, form)
        else:
            messages.success(
                request,
                _("Checked in at %(time)s.") % {"time": timezone.localtime().strftime("%H:%M")},
            )
            return redirect("patrol:report")
    return _page(request, grids, check_in_form=form, status=400)


def _month(request) -> dt.date:
    return selectors.month_from(request.GET.get("month")) or timezone.localdate().replace(day=1)


@login_required
def stats(request):
    if not selectors.may_see_stats(request.user):
        raise PermissionDenied
    month = _month(request)
    previous = calendar.previous_month(month)
    following = calendar.next_month(month)
    return render(
        request,
        "patrol/stats.html",
        {
            "stats": selectors.patrol_stats(user=request.user, month=month),
            "previous": previous,
            "following": following if following <= timezone.localdate() else None,
        },
    )
