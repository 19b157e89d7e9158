"""HTML forms for cases. They validate shapes; the services validate the rules."""

from dataclasses import dataclass

from django import forms
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.choices import CallableChoiceIterator
from django.utils.html import json_script
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


# "Other" buckets (其他, 其他污染 …) come last among their siblings, whatever their code: a
# resident scanning a level finds the named matters first and the catch-all at the end.
def _other_rank(name: str) -> int:
    name = name.strip()
    if name in ("其他", "其它") or name.lower() == "other":
        return 2
    if name.startswith(("其他", "其它")) or name.lower().startswith("other"):
        return 1
    return 0


def _other_last(nodes: list[dict]) -> list[dict]:
    return sorted(nodes, key=lambda node: _other_rank(node["name"]))  # stable: code order kept


@dataclass(frozen=True)
class CategoryTree:
    """The leaves a resident may choose under their first and second levels, "other" last in
    each level. `roots`: [{"id", "name", "children": [{"id", "name", "children": [{"id",
    "name"}]}]}]; `by_id`: every node of it by id."""

    roots: list
    by_id: dict


def _category_tree(queryset) -> CategoryTree:
    tops: dict = {}
    mids: dict = {}
    leaves = queryset.order_by("path").values_list(
        "pk",
        "name",
        "parent_id",
        "parent__name",
        "parent__parent_id",
        "parent__parent__name",
    )
    for pk, name, mid_id, mid_name, top_id, top_name in leaves:
        top = tops.setdefault(top_id, {"id": top_id, "name": top_name or "", "children": []})
        mid = mids.get(mid_id)
        if mid is None:
            mid = mids[mid_id] = {"id": mid_id, "name": mid_name or "", "children": []}
            top["children"].append(mid)
        mid["children"].append({"id": pk, "name": name})
    roots = _other_last(list(tops.values()))
    by_id: dict = {}
    for top in roots:
        by_id[top["id"]] = top
        top["children"] = _other_last(top["children"])
        for mid in top["children"]:
            by_id[mid["id"]] = mid
            mid["children"] = _other_last(mid["children"])
            by_id.update((leaf["id"], leaf) for leaf in mid["children"])
    return CategoryTree(roots=roots, by_id=by_id)


def _category_choices(queryset) -> list:
    # Grouped by the first and second level's names, in the tree's order ("other" last).
    groups: dict[str, list] = {}
    for top in category_tree(queryset).roots:
        for mid in top["children"]:
            groups.setdefault(f"{top['name']} / {mid['name']}", []).extend(
                (leaf["id"], leaf["name"]) for leaf in mid["children"]
            )
    return [("", "---------"), *groups.items()]


def category_tree(queryset) -> CategoryTree:
    """The tree of `queryset`'s leaves, from this process's copy (no query once built)."""
    return _memo_choices(queryset, lambda: _category_tree(queryset), "tree")


def category_tree_script(queryset, element_id: str) -> str:
    """The tree as a <script type="application/json"> element (json_script), written once per
    process: the filing page's step-by-step picker (static/cases/file.js) reads it."""
    return _memo_choices(
        queryset,
        lambda: json_script(category_tree(queryset).roots, element_id),
        "tree-json",
        element_id,
    )


def _other_leaf(node: dict | None) -> dict | None:
    # Down the "其他" (other) branch to its leaf; a leaf is itself.
    while node is not None and "children" in node:
        last = node["children"][-1] if node["children"] else None
        node = last if last is not None and _other_rank(last["name"]) == 2 else None
    return node


def category_from_suggestion(queryset, proposal) -> Category | None:
    """The leaf of `queryset` that a text suggester's proposal (cases.hooks.text_suggestion)
    names, or None. A proposal carries its category path as `categories` (first level first,
    None where unmatched: the dispatch router's DispatchSuggestion) or a single `category`.
    The router names a leaf only when the text holds its name; above a leaf the "其他" (other)
    leaf under the deepest level that has one is taken, as a dispatcher files what fits no
    named leaf — and the centre checks every case before dispatching it. None when no level
    of the path has one (the resident then chooses)."""
    if proposal is None:
        return None
    path = getattr(proposal, "categories", None) or (getattr(proposal, "category", None),)
    tree = category_tree(queryset)
    for suggested in reversed(tuple(path)):
        leaf = _other_leaf(tree.by_id.get(getattr(suggested, "pk", None)))
        if leaf is None:
            continue
        if isinstance(suggested, Category) and suggested.pk == leaf["id"]:
            return suggested
        return queryset.filter(pk=leaf["id"]).first()
    return None


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
    # 不清楚分类: the resident leaves the category to the hotline; the filing view asks the
    # dispatch router (cases.hooks.text_suggestion) for one from the title and description.
    category_unknown = forms.BooleanField(
        label=_("I don't know the category: choose it from my description"), required=False
    )
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

    CATEGORY_TREE_ID = "category-tree"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "Don't know" ticked: the category may be left empty (the view asks the router).
        unknown = self.fields.get("category_unknown")
        name = self.add_prefix("category_unknown")
        if unknown and self.is_bound and unknown.widget.value_from_datadict(self.data, {}, name):
            self.fields["category"].required = False

    def category_tree_json(self) -> str:
        """The category picker's leaves under their levels, for the step-by-step picker."""
        return category_tree_script(self.fields["category"].queryset, self.CATEGORY_TREE_ID)

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

    category_unknown = None  # residents only: the operator asks the caller, then dispatches
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
