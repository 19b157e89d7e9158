"""Input serializers validate shapes; output serializers render. No domain logic in save()."""

import copy
import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from civic import catalogue
from civic.api.representation import FastListSerializer
from civic.models import Category, Region, Unit

from .. import masking
from ..models import (
    NOT_DISPATCHED_OUTCOMES,
    Assignment,
    Case,
    CaseEvent,
    Kind,
    Reply,
    Revisit,
    Urgency,
)
from ..selectors import ROUTE_RULES

SAFE_TEXT = {"allow_blank": False, "trim_whitespace": True}


class SurrogateCheck(ProhibitSurrogateCharactersValidator):
    """DRF's check (same message and code) by one regular-expression search instead of a Python
    loop over every character: a 5,000-character description cost 0.1 ms."""

    SURROGATE = re.compile("[\ud800-\udfff]")

    def __call__(self, value):
        found = self.SURROGATE.search(str(value))
        if found:
            message = self.message.format(code_point=ord(found.group()))
            raise serializers.ValidationError(message, code=self.code)


class NoNulCharField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [
            SurrogateCheck() if type(v) is ProhibitSurrogateCharactersValidator else v
            for v in self.validators
        ]

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if "\x00" in value:
            raise serializers.ValidationError(_("NUL characters are not allowed."))
        return value


def _shallow_copy(field):
    """`copy.copy` of a plain field (its attributes in a new instance), without the copy
    protocol's detour through `__reduce_ex__`."""
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class Input(serializers.Serializer):
    """Base of the input serializers. DRF deep-copies every declared field for each instance:
    0.18 ms of the intake's 0.26 ms validation. A flat field keeps no per-request state except
    what `bind()` sets on its own copy, so a shallow copy is enough; a field with children (a
    list, a nested serializer) still gets the deep copy. Which is which is decided once per
    class, when it is declared."""

    _copy_plan: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._copy_plan = tuple(
            (name, field, copy.deepcopy if _has_children(field) else _shallow_copy)
            for name, field in cls._declared_fields.items()
        )

    def get_fields(self):
        return {name: clone(field) for name, field, clone in self._copy_plan}


def _has_children(field) -> bool:
    return any(hasattr(field, a) for a in ("child", "child_relation", "fields"))


class CatalogueField(serializers.PrimaryKeyRelatedField):
    """A category or region by id, read from `civic.catalogue` (memory) instead of a query per
    case. Which of them may be filed under (leaf, active) is the service's rule; the queryset
    is kept for the schema."""

    def __init__(self, *, lookup, **kwargs):
        self.lookup = lookup
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and data.strip().isascii() and data.strip().isdigit():
            pk = int(data.strip())
        elif isinstance(data, int) and not isinstance(data, bool):
            pk = data
        else:
            self.fail("incorrect_type", data_type=type(data).__name__)
        obj = self.lookup(pk)
        if obj is None:
            self.fail("does_not_exist", pk_value=data)
        return obj


# --- output --------------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    path = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "level",
            "parent",
            "handling_level",
            "default_urgency",
            "path",
        ]

    def get_path(self, obj) -> list[str]:
        return catalogue.category_path(obj)


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "kind",
            "peer_group",
            "jurisdiction",
            "parent",
            "utility",
        ]


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent"]


class CaseSerializer(serializers.ModelSerializer):
    """A case; reporter data masked unless the view revealed it (see `_full`)."""

    category = CategorySerializer(read_only=True)
    region = RegionSerializer(read_only=True)
    lead_unit = UnitSerializer(read_only=True, allow_null=True)
    reporter = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()

    class Meta:
        model = Case
        # Lists of cases (50 a page, 40 fields each) render through civic.api.representation.
        list_serializer_class = FastListSerializer
        fields = [
            "number",
            "channel",
            "kind",
            "urgency",
            "status",
            "outcome",
            "category",
            "title",
            "description",
            "address",
            "lat",
            "lng",
            "region",
            "reporter",
            "lead_unit",
            "received_at",
            "dispatched_at",
            "signed_at",
            "contacted_at",
            "replied_at",
            "closed_at",
            "sign_due_at",
            "contact_due_at",
            "handle_due_at",
            "return_window_ends_at",
            "revisit_due_at",
            "is_overdue",
            "reopen_count",
            "return_count",
            "extension_count",
            "assessable",
            "not_assessable_reason",
            "version",
        ]

    def _full(self, obj) -> bool:
        """Full values for the reporter, and for cases the view revealed (and audited) via
        `cases.privacy.reveal_personal_data`; lists reveal nothing."""
        request = self.context.get("request")
        if request and request.user.is_authenticated and obj.reporter_id == request.user.id:
            return True
        return obj.pk in self.context.get("revealed_case_ids", ())

    def get_reporter(self, obj) -> dict:
        if obj.anonymous:
            return {"anonymous": True, "name": "", "phone": "", "email": ""}
        if self._full(obj):
            return {
                "anonymous": False,
                "name": obj.reporter_name,
                "phone": obj.reporter_phone,
                "email": obj.reporter_email,
            }
        return {
            "anonymous": False,
            "name": masking.mask_name(obj.reporter_name),
            "phone": masking.mask_phone(obj.reporter_phone),
            "email": masking.mask_email(obj.reporter_email),
        }

    def get_address(self, obj) -> str:
        return obj.address if self._full(obj) else masking.mask_address(obj.address)


class CaseCreatedSerializer(serializers.Serializer):
    number = serializers.CharField()
    access_code = serializers.CharField()
    status = serializers.CharField()


class CaseEventSerializer(serializers.ModelSerializer):
    actor_unit = serializers.CharField(source="actor_unit.name", default="")
    action_label = serializers.CharField(source="label", read_only=True)

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "at",
            "action",
            "action_label",
            "from_status",
            "to_status",
            "note",
            "actor_unit",
            "data",
        ]


class AssignmentSerializer(serializers.ModelSerializer):
    unit = UnitSerializer(read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "unit",
            "role",
            "state",
            "dispatched_at",
            "signed_at",
            "returned_at",
            "result_note",
            "result_at",
        ]


class ReplySerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name")

    class Meta:
        model = Reply
        fields = ["id", "unit", "created_at", "text", "result"]


class RevisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Revisit
        fields = [
            "id",
            "round",
            "state",
            "due_at",
            "method",
            "contacted",
            "resolved",
            "satisfaction",
            "comment",
            "answered_at",
        ]


class RouteProposalSerializer(serializers.Serializer):
    unit = UnitSerializer(allow_null=True)
    rule = serializers.ChoiceField(choices=list(ROUTE_RULES))
    rule_label = serializers.CharField()
    basis = serializers.CharField(allow_blank=True)


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    extra = serializers.DictField()


# --- input ---------------------------------------------------------------------------------


class CaseCreateInput(Input):
    kind = serializers.ChoiceField(choices=Kind.choices)
    category = CatalogueField(
        queryset=Category.objects.filter(level=3, active=True), lookup=catalogue.category
    )
    title = NoNulCharField(max_length=200, **SAFE_TEXT)
    description = NoNulCharField(max_length=5000, **SAFE_TEXT)
    region = CatalogueField(
        queryset=Region.objects.all(), lookup=catalogue.region, required=False, allow_null=True
    )
    address = NoNulCharField(max_length=300, required=False, allow_blank=True, default="")
    lat = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, min_value=-90, max_value=90
    )
    lng = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        required=False,
        allow_null=True,
        min_value=-180,
        max_value=180,
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, allow_null=True)
    anonymous = serializers.BooleanField(required=False, default=False)
    reporter_name = NoNulCharField(max_length=100, required=False, allow_blank=True, default="")
    reporter_phone = serializers.RegexField(
        r"^[0-9+\- ]{5,32}$", max_length=32, required=False, allow_blank=True, default=""
    )
    reporter_email = serializers.EmailField(required=False, allow_blank=True, default="")


class NoteInput(Input):
    note = NoNulCharField(max_length=2000, required=False, allow_blank=True, default="")


class RequiredNoteInput(Input):
    note = NoNulCharField(max_length=2000, **SAFE_TEXT)


class CloseInput(Input):
    outcome = serializers.ChoiceField(choices=[o.value for o in NOT_DISPATCHED_OUTCOMES])
    note = NoNulCharField(max_length=2000, **SAFE_TEXT)
    duplicate_of = serializers.SlugRelatedField(
        slug_field="number", queryset=Case.objects.all(), required=False, allow_null=True
    )


_units = Unit.objects.filter(active=True)


class DispatchInput(Input):
    lead_unit = serializers.PrimaryKeyRelatedField(queryset=_units)
    co_units = serializers.PrimaryKeyRelatedField(
        queryset=_units, many=True, required=False, default=list
    )
    note = NoNulCharField(max_length=2000, required=False, allow_blank=True, default="")
    # The dispatcher may correct the category chosen at intake (the router learns from it).
    category = CatalogueField(
        queryset=Category.objects.filter(level=3, active=True),
        lookup=catalogue.category,
        required=False,
        allow_null=True,
    )


class RedispatchInput(Input):
    lead_unit = serializers.PrimaryKeyRelatedField(queryset=_units)
    note = NoNulCharField(max_length=2000, **SAFE_TEXT)
    category = CatalogueField(
        queryset=Category.objects.filter(level=3, active=True),
        lookup=catalogue.category,
        required=False,
        allow_null=True,
    )


class ReplyInput(Input):
    text = NoNulCharField(max_length=5000, **SAFE_TEXT)
    result = serializers.ChoiceField(choices=Reply.Result.choices)


class ReturnInput(Input):
    reason = NoNulCharField(max_length=2000, **SAFE_TEXT)
    suggested_unit = serializers.PrimaryKeyRelatedField(
        queryset=_units, required=False, allow_null=True
    )


class ReturnDecisionInput(Input):
    accept = serializers.BooleanField()
    new_unit = serializers.PrimaryKeyRelatedField(queryset=_units, required=False, allow_null=True)
    note = NoNulCharField(max_length=2000, required=False, allow_blank=True, default="")


class ExtensionInput(Input):
    reason = NoNulCharField(max_length=2000, **SAFE_TEXT)
    extra_working_days = serializers.IntegerField(min_value=1, max_value=60)
    resident_informed = serializers.BooleanField()


class ExtensionDecisionInput(Input):
    approve = serializers.BooleanField()
    note = NoNulCharField(max_length=2000, required=False, allow_blank=True, default="")


class CoUnitInput(Input):
    unit = serializers.PrimaryKeyRelatedField(queryset=_units)
    note = NoNulCharField(max_length=2000, required=False, allow_blank=True, default="")


class RevisitInput(Input):
    contacted = serializers.BooleanField()
    resolved = serializers.BooleanField()
    satisfaction = serializers.ChoiceField(choices=Revisit.Satisfaction.choices)
    method = serializers.ChoiceField(
        choices=Revisit.Method.choices, required=False, default=Revisit.Method.ONLINE
    )
    comment = NoNulCharField(max_length=2000, required=False, allow_blank=True, default="")
    reopen = serializers.BooleanField(required=False, default=False)


class ReopenInput(Input):
    reason = NoNulCharField(max_length=2000, **SAFE_TEXT)


class AssessableInput(Input):
    assessable = serializers.BooleanField()
    reason = NoNulCharField(max_length=300, required=False, allow_blank=True, default="")


class TrackInput(Input):
    number = serializers.RegexField(r"^\d{8,20}$", max_length=20)
    access_code = NoNulCharField(max_length=16, **SAFE_TEXT)


class TokenInput(Input):
    username = NoNulCharField(max_length=150, **SAFE_TEXT)
    password = NoNulCharField(max_length=128, **SAFE_TEXT, style={"input_type": "password"})


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()
