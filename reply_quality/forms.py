"""Input of the HTML endpoints: a draft to check, a verdict, a month."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Reply
from civic.forms import ActionForm

from .models import QualityReview


class DraftCheckForm(forms.Form):
    case = forms.CharField(label=_("Case number"), max_length=32)
    text = forms.CharField(label=_("Reply to the resident"), max_length=5000)
    result = forms.ChoiceField(label=_("Result"), choices=Reply.Result.choices)


class VerdictForm(ActionForm):
    id_prefix = "verdict"

    verdict = forms.ChoiceField(
        label=_("Verdict"), choices=QualityReview.Verdict.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for a poor verdict: say what is poor."),
    )
    confirm = forms.BooleanField(
        label=_("I have read the complaint and the reply; the verdict cannot be changed."),
        required=True,
    )


class MonthForm(forms.Form):
    month = forms.CharField(label=_("Month"), max_length=7, required=False)

    def clean_month(self) -> dt.date:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return timezone.localdate().replace(day=1)
        try:
            return dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError as exc:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from exc
