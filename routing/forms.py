from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
MAX_MONTHS = 36


def month_start(value: str) -> date:
    year, month = value.split("-")
    return date(int(year), int(month), 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


class FeedbackRangeForm(forms.Form):
    """A range of whole months, both ends included (default: the last twelve)."""

    start = forms.RegexField(
        label=_("From month (YYYY-MM)"),
        regex=MONTH,
        required=False,
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )
    end = forms.RegexField(
        label=_("To month (YYYY-MM)"),
        regex=MONTH,
        required=False,
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        today = timezone.localdate()
        end = month_start(data["end"]) if data.get("end") else today.replace(day=1)
        start = month_start(data["start"]) if data.get("start") else add_months(end, -11)
        if start > end:
            raise forms.ValidationError(_("The first month comes after the last one."))
        if add_months(start, MAX_MONTHS) <= end:
            raise forms.ValidationError(_("Choose at most %(n)d months.") % {"n": MAX_MONTHS})
        data["start_month"], data["end_month"] = start, end
        return data

    def bounds(self):
        """[since, until) as aware datetimes in the site's time zone."""
        tz = timezone.get_current_timezone()
        since = self.cleaned_data["start_month"]
        until = add_months(self.cleaned_data["end_month"], 1)
        return (
            timezone.make_aware(timezone.datetime(since.year, since.month, 1), tz),
            timezone.make_aware(timezone.datetime(until.year, until.month, 1), tz),
        )
