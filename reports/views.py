"""The monthly analysis reports: the archive, one report as a page and as a PDF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civic.errors import ApplicationError
from civic.forms import show_error

from . import selectors, services
from .forms import GenerateForm, SubscribeForm
from .models import MonthlyReport, ReportSubscription


def _reader(request):
    if not selectors.may_use_reports(request.user):
        raise PermissionDenied


def _index(request, *, form=None, status=200):
    regions = selectors.report_regions_for(request.user)
    subscribed = set(
        ReportSubscription.objects.filter(user=request.user).values_list("region_id", flat=True)
    )
    return render(
        request,
        "reports/index.html",
        {
            "reports": selectors.latest_reports(request.user),
            "form": form or GenerateForm(regions=regions),
            "regions": [(r, r.pk in subscribed) for r in regions],
        },
        status=status,
    )


@login_required
def index(request):
    _reader(request)
    return _index(request)


@login_required
@require_POST
def generate(request):
    _reader(request)
    form = GenerateForm(request.POST, regions=selectors.report_regions_for(request.user))
    if form.is_valid():
        try:
            report = services.report_generate(
                month=form.cleaned_data["month"],
                region=form.cleaned_data["region"],
                actor=request.user,
            )
        except ApplicationError as exc:
            show_error(request, exc, form)
        else:
            messages.success(
                request,
                _("Report %(month)s for %(region)s generated.")
                % {"month": report.month_label, "region": report.region.name},
            )
            return redirect("reports:detail", pk=report.pk)
    return _index(request, form=form, status=400)


@login_required
@require_POST
def subscribe(request):
    _reader(request)
    form = SubscribeForm(request.POST, regions=selectors.report_regions_for(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose a region you may read."))
        return redirect("reports:index")
    region, on = form.cleaned_data["region"], form.cleaned_data["subscribed"]
    services.subscription_set(user=request.user, region=region, subscribed=on)
    if on:
        messages.success(
            request, _("You will receive %(region)s's report by mail.") % {"region": region.name}
        )
    else:
        messages.success(
            request, _("You will no longer receive %(region)s's report.") % {"region": region.name}
        )
    return redirect("reports:index")


def _report(request, pk: int) -> MonthlyReport:
    _reader(request)
    report = selectors.reports_visible_to(request.user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


@login_required
def detail(request, pk: int):
    report = _report(request, pk)
    revisions = MonthlyReport.objects.filter(month=report.month, region=report.region).order_by(
        "-revision"
    )
    return render(
        request,
        "reports/detail.html",
        {"report": report, "figures": report.figures, "revisions": revisions},
    )


@login_required
def pdf(request, pk: int):
    """The archived PDF (as sent, in Chinese); in another language, the same figures set anew."""
    report = _report(request, pk)
    filename = f"report-{report.month_label}-{report.region.code}-r{report.revision}.pdf"
    if translation.get_language() == services.ARCHIVE_LANGUAGE and report.pdf:
        return FileResponse(report.pdf.open("rb"), as_attachment=True, filename=filename,
                            content_type="application/pdf")  # fmt: skip
    response = HttpResponse(
        services.render_pdf(report, language=translation.get_language()),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
