"""HTML forms: validate shape only; the views hand cleaned data to the services."""

import datetime as dt

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from civic.forms import ModelChoiceField, ModelMultipleChoiceField
from civic.models import Region, Unit

from . import selectors

MONTH_RE = r"^\d{4}-(0[1-9]|1[0-2])$"


class HotTopicFilterForm(forms.Form):
    month = forms.RegexField(MONTH_RE, label=_("Month (YYYY-MM)"), required=False)
    region = ModelChoiceField(queryset=Region.objects.none(), label=_("Region"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = selectors.region_choices()


class QuickSelect(forms.Select):
    """Django's Select, the same HTML, rendered in Python (as knowledge.forms.QuickSelect).
    The stock widget renders a template per option (about 0.2 ms each): the theme form's two
    unit pickers of ~450 units each cost 200–400 ms a page that way."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escape(widget["name"])}"{flatatt(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'<optgroup label="{escape(group_name)}">')
            parts.extend(
                f'<option value="{escape(option["value"])}"{flatatt(option["attrs"])}>'
                f"{escape(option['label'])}</option>"
                for option in options
            )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))


class QuickSelectMultiple(QuickSelect, forms.SelectMultiple):
    pass


class _NameChoices(forms.models.ModelChoiceIterator):
    """(id, name) pairs read with values_list, not a model instance per unit."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class UnitChoiceField(ModelChoiceField):
    iterator = _NameChoices
    widget = QuickSelect


class UnitsChoiceField(ModelMultipleChoiceField):
    iterator = _NameChoices
    widget = QuickSelectMultiple


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
