"""Generating, archiving and sending the monthly analysis report."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civic import calendar
from civic.errors import DomainValidationError, PermissionDeniedError
from civic.models import Region, User
from civic.notify.services import notify_users

from . import selectors
from .models import MonthlyReport, ReportSubscription

# The archived PDF is the report as sent: in the portal's first language.
ARCHIVE_LANGUAGE = "zh-hans"


def _invalid(field: str, message: str) -> DomainValidationError:
    return DomainValidationError(message, extra={"fields": {field: [message]}})


def render_pdf(report: MonthlyReport, *, language: str = ARCHIVE_LANGUAGE) -> bytes:
    """The report as a PDF (WeasyPrint; Chinese set in Debian's Noto CJK fonts)."""
    from weasyprint import HTML  # heavy import, only where a PDF is made

    with translation.override(language):
        html = render_to_string(
            "reports/pdf.html", {"report": report, "figures": report.figures, "pdf": True}
        )
    return HTML(string=html).write_pdf()


def _check_month(month: dt.date) -> dt.date:
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise _invalid("month", _("A report covers a month that has begun."))
    if month.year < 2000:
        raise _invalid("month", _("Choose a month from 2000 on."))
    return month


def report_generate(
    *, month: dt.date, region: Region, actor: User | None = None, notify: bool = True
) -> MonthlyReport:
    """Compute the figures, render the PDF, archive both as a new revision and tell the
    region's subscribers. `actor` None: the monthly task."""
    if actor is not None and not selectors.may_read_region(actor, region):
        raise PermissionDeniedError(_("You may not generate this region's report."))
    if region.level not in selectors.REPORT_LEVELS:
        raise _invalid("region", _("Reports are made for the city, a district or a street."))
    month = _check_month(month)
    figures = selectors.report_figures(month=month, region=region)
    with transaction.atomic():
        # Lock the region row: two generations of the same report take turns for the revision.
        Region.objects.select_for_update().filter(pk=region.pk).first()
        last = MonthlyReport.objects.filter(month=month, region=region).aggregate(
            n=Max("revision")
        )["n"]
        report = MonthlyReport(
            month=month,
            region=region,
            revision=(last or 0) + 1,
            figures=figures,
            generated_at=timezone.now(),
            generated_by=actor,
        )
        report.pdf.save(
            f"report-{month:%Y-%m}-{region.code}-r{report.revision}.pdf",
            ContentFile(render_pdf(report)),
            save=False,
        )
        report.save()
        if notify:
            subscribers = User.objects.filter(
                report_subscriptions__region=region, is_active=True
            ).distinct()
            with translation.override(ARCHIVE_LANGUAGE):
                notify_users(
                    users=subscribers,
                    kind="monthly_report",
                    title=_("Monthly analysis report %(month)s: %(region)s")
                    % {"month": report.month_label, "region": region.name},
                    body=_("The report is ready to read and to download as a PDF."),
                    url=reverse("reports:detail", kwargs={"pk": report.pk}),
                    dedupe_key=f"monthly-report:{report.pk}",
                )
    return report


def subscription_set(*, user: User, region: Region, subscribed: bool) -> bool:
    if not selectors.may_read_region(user, region):
        raise PermissionDeniedError(_("You may not receive this region's report."))
    if subscribed:
        ReportSubscription.objects.get_or_create(user=user, region=region)
    else:
        ReportSubscription.objects.filter(user=user, region=region).delete()
    return subscribed


def first_working_day(month: dt.date) -> dt.date:
    day = month.replace(day=1)
    while not calendar.is_workday(day):
        day += dt.timedelta(days=1)
    return day


def generate_monthly_reports(*, today: dt.date | None = None) -> list[MonthlyReport]:
    """On the first working day of a month: last month's report for the city, every district
    and every street, each once (a second run the same day adds nothing)."""
    today = today or timezone.localdate()
    if today != first_working_day(today):
        return []
    month = calendar.previous_month(today)
    made = []
    for region in Region.objects.filter(level__in=selectors.REPORT_LEVELS).order_by("path"):
        if not MonthlyReport.objects.filter(month=month, region=region).exists():
            made.append(report_generate(month=month, region=region))
    return made


def seed_reports(stdout=None) -> int:
    """Last month's report of the demo city and of 东城区, and the leader subscribed."""
    month = calendar.previous_month(timezone.localdate())
    made = 0
    for code in ("110000", "110101"):
        region = Region.objects.filter(code=code).first()
        if region is None or MonthlyReport.objects.filter(month=month, region=region).exists():
            continue
        try:
            report_generate(month=month, region=region, notify=False)
        except OSError as exc:  # WeasyPrint without Pango (a machine without the Debian libs)
            if stdout:
                stdout.write(f"reports: skipped, PDF rendering unavailable ({exc})")
            return made
        made += 1
    viewer = User.objects.filter(username="viewer").first()
    district = Region.objects.filter(code="110101").first()
    if viewer is not None and district is not None:
        ReportSubscription.objects.get_or_create(user=viewer, region=district)
    if stdout:
        stdout.write(f"reports: {made} monthly reports")
    return made
