"""HTML forms: validate shape only; the views hand cleaned data to the services."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from civic.forms import (
    FastSelect,
    FastSelectMultiple,
    ModelChoiceField,
    ModelMultipleChoiceField,
    NameChoiceIterator,
)
from civic.models import Region, Unit

from . import selectors

MONTH_RE = r"^\d{4}-(0[1-9]|1[0-2])$"


class HotTopicFilterForm(forms.Form):
    month = forms.RegexField(MONTH_RE, label=_("Month (YYYY-MM)"), required=False)
    region = ModelChoiceField(queryset=Region.objects.none(), label=_("Region"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = selectors.region_choices()


class UnitChoiceField(ModelChoiceField):
    iterator = NameChoiceIterator
    widget = FastSelect


class UnitsChoiceField(ModelMultipleChoiceField):
    iterator = NameChoiceIterator
    widget = FastSelectMultiple


class ThemeFieldsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    goals = forms.CharField(
        label=_("Goals"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    keywords = forms.CharField(
        label=_("Keywords for matching new cases (separated by spaces)"),
        max_length=300,
        required=False,
    )
    lead_unit = UnitChoiceField(queryset=Unit.objects.none(), label=_("Lead unit"))
    co_units = UnitsChoiceField(queryset=Unit.objects.none(), label=_("Co-units"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = selectors.unit_choices()
        self.fields["co_units"].queryset = selectors.unit_choices()


def parse_milestones(text: str) -> list[tuple[str, dt.date]]:
    """One milestone a line: "YYYY-MM-DD title"."""
    out = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        head, _sep, title = line.partition(" ")
        try:
            due = dt.date.fromisoformat(head)
        except ValueError as exc:
            raise forms.ValidationError(
                _("Line %(n)d: start with the due date, YYYY-MM-DD."), params={"n": number}
            ) from exc
        if not title.strip():
            raise forms.ValidationError(_("Line %(n)d: give a title."), params={"n": number})
        out.append((title.strip(), due))
    return out


class PromoteForm(ThemeFieldsForm):
    month = forms.RegexField(MONTH_RE, widget=forms.HiddenInput)
    region = ModelChoiceField(
        queryset=Region.objects.all(), widget=forms.HiddenInput, required=False
    )
    topic = forms.CharField(max_length=20, widget=forms.HiddenInput)
    milestones = forms.CharField(
        label=_("Milestones (one a line: YYYY-MM-DD title)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    activate = forms.BooleanField(label=_("Activate at once"), required=False, initial=True)

    def clean_milestones(self):
        return parse_milestones(self.cleaned_data.get("milestones", ""))


class ThemeEditForm(ThemeFieldsForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class CloseForm(forms.Form):
    summary = forms.CharField(
        label=_("Closing summary"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))


class MilestoneDoneForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class AcceptForm(forms.Form):
    unit = ModelChoiceField(queryset=Unit.objects.none(), label=_("Unit"), required=False)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.unit_choices()


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason for declining"), max_length=500)
