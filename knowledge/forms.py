from django import forms
from django.utils.translation import gettext_lazy as _

from civic import roles
from civic.forms import FastSelect, ModelChoiceField, NameChoiceIterator
from civic.models import Category, Region, Unit

from .models import ArticleStatus


class NameChoiceField(ModelChoiceField):
    """A choice of rows labelled by their `name` (categories, regions, units), in a
    FastSelect. Validation still looks the chosen id up in the queryset."""

    iterator = NameChoiceIterator
    widget = FastSelect


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Question"), max_length=300)
    answer = forms.CharField(label=_("Answer"), max_length=10000, widget=forms.Textarea)
    policy_document = forms.CharField(label=_("Policy document"), max_length=300, required=False)
    policy_article = forms.CharField(
        label=_("Article of the policy"), max_length=200, required=False
    )
    policy_url = forms.URLField(
        label=_("Policy link"), max_length=500, required=False, assume_scheme="https"
    )
    category = NameChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(active=True).order_by("path"),
    )
    region = NameChoiceField(
        label=_("Region scope"),
        queryset=Region.objects.filter(level__in=["city", "district", "street", "township"]),
        required=False,
        empty_label=_("Whole city"),
    )
    unit = NameChoiceField(label=_("Owning unit"), queryset=Unit.objects.none())
    public = forms.BooleanField(label=_("Show on the public FAQ"), required=False)
    effective_from = forms.DateField(
        label=_("Effective from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    effective_to = forms.DateField(
        label=_("Effective to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    review_by = forms.DateField(
        label=_("Review by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    keywords = forms.CharField(label=_("Keywords"), max_length=500, required=False)
    synonyms = forms.CharField(
        label=_("Synonyms"),
        max_length=500,
        required=False,
        help_text=_("Other words callers use for the same thing, separated by spaces."),
    )
    note = forms.CharField(label=_("Change note"), max_length=1000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and roles.is_centre_staff(user):
            units = Unit.objects.filter(active=True)
        else:
            units = Unit.objects.filter(pk__in=roles.unit_ids_of(user, roles.HANDLING_ROLES))
        self.fields["unit"].queryset = units.order_by("kind", "name")
        only = list(units.values_list("pk", flat=True)[:2])
        if len(only) == 1:
            self.fields["unit"].initial = only[0]

    def clean(self):
        data = super().clean()
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and end < start:
            self.add_error("effective_to", _("The end date comes before the start date."))
        return data

    def content(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("note", None)
        data.pop("version", None)
        return data


class ArticleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    category = NameChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(level__lte=2, active=True).order_by("path"),
        required=False,
        empty_label=_("All categories"),
    )
    region = NameChoiceField(
        label=_("Region"),
        queryset=Region.objects.filter(level__in=["district", "street", "township"]),
        required=False,
        empty_label=_("All regions"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *ArticleStatus.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Needs review"), required=False)


class FaqFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    category = NameChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(level=1, active=True).order_by("path"),
        required=False,
        empty_label=_("All categories"),
    )


class WorkflowForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm = forms.BooleanField(label=_("Yes, retire this article"), required=False)
