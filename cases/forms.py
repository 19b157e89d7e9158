"""HTML forms for cases. They validate shapes; the services validate the rules."""

from django import forms
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.choices import CallableChoiceIterator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civic import catalogue
from civic.forms import (
    ActionForm,
    FastSelect,
    FastSelectMultiple,
    ModelChoiceField,
    ModelMultipleChoiceField,
)
from civic.memo import Memo
from civic.models import Category, Region, Unit

from .models import NOT_DISPATCHED_OUTCOMES, Kind, Outcome, Reply, Revisit, Urgency

# The long pickers' choice lists (517 categories, every community, every unit), built once per
# process like the catalogue (civic/catalogue.py): an edit in the admin clears this process's
# copy at once (the receivers below), other processes rebuild within the same bounded time.
# Keyed by the queryset's SQL (a form that narrows a field's queryset gets its own list) and the
# language (unit kinds are translated labels).
_choice_lists = Memo(catalogue.CACHE_SECONDS, max_entries=64)


def _memo_choices(queryset, build, *extra):
    return _choice_lists.get((str(queryset.query), get_language(), *extra), build)


@receiver(post_save, sender="civic.Category")
@receiver(post_delete, sender="civic.Category")
@receiver(post_save, sender="civic.Region")
@receiver(post_delete, sender="civic.Region")
@receiver(post_save, sender="civic.Unit")
@receiver(post_delete, sender="civic.Unit")
def _choice_lists_changed(sender, **kwargs) -> None:
    _choice_lists.clear()


def _category_choices(queryset) -> list:
    groups: dict[str, list] = {}
    leaves = queryset.order_by("path").values_list(
        "pk", "name", "parent__name", "parent__parent__name"
    )
    for pk, name, parent, grandparent in leaves:
        groups.setdefault(f"{grandparent} / {parent}", []).append((pk, name))
    return [("", "---------"), *groups.items()]


class CategoryChoiceField(ModelChoiceField):
    """Leaf categories grouped by their first and second level (optgroups)."""

    widget = FastSelect

    def __init__(self, **kwargs):
        super().__init__(queryset=Category.objects.filter(level=3, active=True), **kwargs)
        self.widget.attrs["data-filter"] = ""  # 517 leaves: a filter box (civic/picker.js)

    def _get_choices(self):
        # Lazy: the form class is built at import time, before the tables may exist (a fresh
        # `migrate`, `check --deploy`); the query runs when the widget renders.
        queryset = self.queryset
        return CallableChoiceIterator(
            lambda: _memo_choices(queryset, lambda: _category_choices(queryset))
        )

    choices = property(_get_choices, forms.ChoiceField.choices.fset)


def _region_choices(queryset) -> list:
    groups: dict[str, list] = {}
    regions = queryset.order_by("path").values_list(
        "pk", "name", "parent__name", "parent__parent__name"
    )
    for pk, name, street, district in regions:
        label = f"{district or ''} {street or ''}".strip()
        groups.setdefault(label, []).append((pk, name))
    return [("", "---------"), *groups.items()]


class RegionChoiceField(ModelChoiceField):
    """Communities and villages grouped by street/township."""

    widget = FastSelect

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Region.objects.filter(
                level__in=[Region.Level.COMMUNITY, Region.Level.VILLAGE]
            ),
            **kwargs,
        )

    def _get_choices(self):
        queryset = self.queryset  # lazy and kept, see CategoryChoiceField
        return CallableChoiceIterator(
            lambda: _memo_choices(queryset, lambda: _region_choices(queryset))
        )

    choices = property(_get_choices, forms.ChoiceField.choices.fset)


class CaseFileForm(forms.Form):
    """A resident files a complaint (web)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.COMPLAINT)
    category = CategoryChoiceField(label=_("Category"))
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What happened"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    region = RegionChoiceField(
        label=_("Community"), required=False, help_text=_("Where the problem is.")
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        help_text=_("Street and number; shown only to the units handling it."),
    )
    lat = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
    )
    lng = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
    )
    photo = forms.FileField(
        label=_("Photo"), required=False, help_text=_("JPEG, PNG, GIF or WebP, at most 5 MB.")
    )
    anonymous = forms.BooleanField(label=_("File anonymously"), required=False)
    reporter_name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    reporter_phone = forms.RegexField(
        label=_("Your phone"),
        max_length=32,
        required=False,
        regex=r"^[0-9+\- ]{5,32}$",
        error_messages={"invalid": _("Enter a phone number.")},
    )
    reporter_email = forms.EmailField(label=_("Your email"), required=False)
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("region") and (data.get("lat") is None or data.get("lng") is None):
            self.add_error(
                "region", _("Choose the community where the problem is, or a point on the map.")
            )
        if not data.get("anonymous") and not (
            data.get("reporter_phone") or data.get("reporter_email")
        ):
            self.add_error(
                "reporter_phone",
                _(
                    "Give a phone number or an email so the unit can contact you, or file anonymously."
                ),
            )
        return data


class OperatorCaseForm(CaseFileForm):
    """An operator records a call for a caller."""

    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=[("", _("From the category")), *Urgency.choices], required=False
    )

    def clean(self):
        data = forms.Form.clean(self)
        if not data.get("region") and (data.get("lat") is None or data.get("lng") is None):
            self.add_error(
                "region", _("Choose the community where the problem is, or a point on the map.")
            )
        return data

    def intake_fields(self) -> dict:
        """The cleaned call as keyword arguments of services.case_create (all but actor and
        channel): the console records with them, and so do the buttons other apps add to it
        (answer on the spot, repeat call)."""
        d = self.cleaned_data
        return {
            **{name: d[name] for name in INTAKE_FIELDS},
            "urgency": d.get("urgency") or None,
            "attachments": [d["photo"]] if d.get("photo") else [],
        }


INTAKE_FIELDS = (
    "kind",
    "category",
    "title",
    "description",
    "region",
    "address",
    "lat",
    "lng",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "anonymous",
)


class TrackForm(forms.Form):
    number = forms.RegexField(
        label=_("Case number"),
        regex=r"^\d{8,20}$",
        max_length=20,
        error_messages={"invalid": _("A case number is digits only.")},
    )
    access_code = forms.CharField(label=_("Access code"), max_length=16)


class RevisitForm(forms.Form):
    contacted = forms.TypedChoiceField(
        label=_("Did the unit contact you?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    resolved = forms.TypedChoiceField(
        label=_("Is the problem resolved?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=_("Are you satisfied?"),
        choices=Revisit.Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reopen = forms.BooleanField(label=_("Not resolved: reopen the case"), required=False)


class StaffRevisitForm(ActionForm, RevisitForm):
    id_prefix = "staff_revisit"

    method = forms.ChoiceField(
        label=_("Method"), choices=Revisit.Method.choices, initial=Revisit.Method.PHONE
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


def _units_by_kind(queryset, blank: bool) -> list:
    """Choices grouped by the kind of unit (departments, streets, utilities …): a hundred units
    in one list are found by their group, and the picker's filter box (civic/picker.js)."""
    groups: dict[str, list] = {}
    for pk, name, kind in queryset.values_list("pk", "name", "kind"):
        label = str(Unit.Kind(kind).label) if kind in Unit.Kind.values else kind
        groups.setdefault(label, []).append((pk, name))
    return ([("", "---------")] if blank else []) + list(groups.items())


class _UnitsByKind:
    """Active units but the centre, grouped by kind, with a filter box (civic/picker.js)."""

    blank = True

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Unit.objects.filter(active=True)
            .exclude(kind=Unit.Kind.CENTRE)
            .order_by("kind", "code"),
            **kwargs,
        )
        self.widget.attrs["data-filter"] = ""

    def _get_choices(self):
        # Lazy, as CategoryChoiceField: the query runs when the widget renders.
        queryset, blank = self.queryset, self.blank
        return CallableChoiceIterator(
            lambda: _memo_choices(
                queryset, lambda: _units_by_kind(queryset, blank=blank), "units", blank
            )
        )

    choices = property(_get_choices, forms.ChoiceField.choices.fset)


class UnitChoiceField(_UnitsByKind, ModelChoiceField):
    widget = FastSelect


class UnitMultipleChoiceField(_UnitsByKind, ModelMultipleChoiceField):
    blank = False
    widget = FastSelectMultiple


class DispatchForm(ActionForm):
    id_prefix = "dispatch"

    category = CategoryChoiceField(
        label=_("Category"),
        required=False,
        help_text=_("Correct the category chosen at intake if it is wrong."),
    )
    lead_unit = UnitChoiceField(label=_("Lead unit"))
    co_units = UnitMultipleChoiceField(
        label=_("Co-units"),
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class CloseForm(ActionForm):
    id_prefix = "close"

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(o.value, o.label) for o in Outcome if o in NOT_DISPATCHED_OUTCOMES],
    )
    note = forms.CharField(
        label=_("What the caller was told"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    duplicate_of = forms.RegexField(
        label=_("Existing case number (repeat request)"), regex=r"^\d{8,20}$", required=False
    )


class NoteForm(ActionForm):
    id_prefix = "note"

    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredNoteForm(ActionForm):
    id_prefix = "required_note"

    note = forms.CharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReplyForm(ActionForm):
    id_prefix = "reply"

    text = forms.CharField(
        label=_("Reply to the resident"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    result = forms.ChoiceField(label=_("Result"), choices=Reply.Result.choices)


class ReturnForm(ActionForm):
    id_prefix = "return"

    reason = forms.CharField(
        label=_("Why is this not your unit's matter?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    suggested_unit = UnitChoiceField(label=_("Suggested unit"), required=False)


class ExtensionForm(ActionForm):
    id_prefix = "extension"

    reason = forms.CharField(
        label=_("Why more time is needed"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    extra_working_days = forms.IntegerField(
        label=_("Extra working days"), min_value=1, max_value=60
    )
    resident_informed = forms.BooleanField(
        label=_("The resident was told the reason"), required=True
    )


class CoUnitReportForm(ActionForm):
    id_prefix = "co_unit_report"

    note = forms.CharField(
        label=_("Result reported to the lead unit"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CoUnitForm(ActionForm):
    id_prefix = "co_unit"

    unit = UnitChoiceField(label=_("Co-unit"))
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class DecideReturnForm(ActionForm):
    id_prefix = "decide_return"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept and re-dispatch")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    new_unit = UnitChoiceField(label=_("New lead unit"), required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class DecideExtensionForm(ActionForm):
    id_prefix = "decide_extension"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("deny", _("Deny"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class RedispatchForm(ActionForm):
    id_prefix = "redispatch"

    lead_unit = UnitChoiceField(label=_("New lead unit"))
    category = CategoryChoiceField(
        label=_("Category"),
        required=False,
        help_text=_("Correct the category if the case was misclassified."),
    )
    note = forms.CharField(label=_("Reason"), max_length=2000)


class AssessableForm(ActionForm):
    id_prefix = "assessable"

    assessable = forms.BooleanField(label=_("Counts in assessment"), required=False)
    reason = forms.CharField(label=_("Reason for the exemption"), max_length=300, required=False)
