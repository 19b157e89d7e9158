"""Serializers for /api/v1/themes/, /api/v1/hot-topics/ and /api/v1/proactive-suggestions/.

Output never carries personal data: cases appear by number and public title only."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.api.serializers import NoNulCharField
from civic.models import Category, Region, Unit
from themes import selectors
from themes.models import Milestone, ProactiveSuggestion, Theme
from themes.services import suggestion_reason

MONTH_RE = r"^\d{4}-(0[1-9]|1[0-2])$"
MAX_PK = 2**31 - 1


class SafePrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """Ids outside the database's integer range are a 400, never an overflow 500."""

    def to_internal_value(self, data):
        try:
            value = int(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, bool) or not 0 < value <= MAX_PK:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(value)


class ThemeNamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class HotTopicRepresentativeSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()


class HotTopicSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Pass as `topic` to promote this hot topic.")
    rank = serializers.IntegerField()
    count = serializers.IntegerField()
    me_too = serializers.IntegerField()
    weight = serializers.IntegerField()
    previous = serializers.IntegerField()
    growth = serializers.FloatField(allow_null=True)
    spread = serializers.IntegerField()
    keywords = serializers.ListField(child=serializers.CharField())
    category_id = serializers.IntegerField(allow_null=True)
    category_name = serializers.CharField()
    representatives = HotTopicRepresentativeSerializer(many=True)


class HotTopicsSerializer(serializers.Serializer):
    month = serializers.CharField()
    region = serializers.IntegerField(allow_null=True)
    analysed = serializers.IntegerField()
    capped = serializers.BooleanField()
    topics = HotTopicSerializer(many=True)
    computed_at = serializers.DateTimeField(help_text="When the stored analysis was made.")


class HotTopicQuery(serializers.Serializer):
    month = serializers.RegexField(MONTH_RE)
    region = SafePrimaryKeyField(queryset=Region.objects.all(), required=False, allow_null=True)


class ThemeMilestoneSerializer(serializers.ModelSerializer):
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Milestone
        fields = ["id", "title", "due_date", "done_at", "note", "overdue"]


class ThemeProgressSerializer(serializers.Serializer):
    percent = serializers.IntegerField()
    milestones_total = serializers.IntegerField()
    milestones_done = serializers.IntegerField()
    milestones_overdue = serializers.IntegerField()
    cases_total = serializers.IntegerField()
    cases_closed = serializers.IntegerField()
    cases_open = serializers.IntegerField()


class ThemeSerializer(serializers.ModelSerializer):
    month = serializers.CharField(source="month_label", read_only=True)
    region = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
    lead_unit = ThemeNamedSerializer(read_only=True)
    co_units = ThemeNamedSerializer(many=True, read_only=True)
    milestones = ThemeMilestoneSerializer(many=True, read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Theme
        fields = [
            "id",
            "title",
            "description",
            "month",
            "region",
            "category",
            "keywords",
            "lead_unit",
            "co_units",
            "goals",
            "status",
            "summary",
            "activated_at",
            "closed_at",
            "version",
            "milestones",
            "progress",
        ]

    def get_region(self, theme) -> str | None:
        return theme.region.name if theme.region_id else None

    def get_category(self, theme) -> str | None:
        return theme.category.name if theme.category_id else None

    @extend_schema_field(ThemeProgressSerializer)
    def get_progress(self, theme) -> dict:
        p = selectors.progress_of(theme)
        return {
            "percent": p.percent,
            "milestones_total": p.milestones_total,
            "milestones_done": p.milestones_done,
            "milestones_overdue": p.milestones_overdue,
            "cases_total": p.cases_total,
            "cases_closed": p.cases_closed,
            "cases_open": p.cases_open,
        }


class ThemePublicCaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    category = serializers.CharField()
    region = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    how = serializers.CharField()


class ThemeDetailSerializer(ThemeSerializer):
    cases = serializers.SerializerMethodField()

    class Meta(ThemeSerializer.Meta):
        fields = [*ThemeSerializer.Meta.fields, "cases"]

    @extend_schema_field(ThemePublicCaseSerializer(many=True))
    def get_cases(self, theme) -> list[dict]:
        rows = selectors.theme_cases_public(theme)
        return ThemePublicCaseSerializer(rows, many=True).data


_units = Unit.objects.filter(active=True)


class ThemeMilestoneInput(serializers.Serializer):
    title = NoNulCharField(max_length=200)
    due_date = serializers.DateField()


class ThemeCreateInput(serializers.Serializer):
    title = NoNulCharField(max_length=200)
    month = serializers.RegexField(MONTH_RE)
    lead_unit = SafePrimaryKeyField(queryset=_units)
    co_units = SafePrimaryKeyField(queryset=_units, many=True, required=False, default=list)
    description = NoNulCharField(max_length=5000, required=False, allow_blank=True, default="")
    goals = NoNulCharField(max_length=5000, required=False, allow_blank=True, default="")
    keywords = NoNulCharField(max_length=300, required=False, allow_blank=True, default="")
    region = SafePrimaryKeyField(queryset=Region.objects.all(), required=False, allow_null=True)
    category = SafePrimaryKeyField(queryset=Category.objects.all(), required=False, allow_null=True)
    milestones = ThemeMilestoneInput(many=True, required=False, default=list)
    activate = serializers.BooleanField(required=False, default=True)


class ThemePromoteInput(ThemeCreateInput):
    topic = NoNulCharField(max_length=20, help_text=_("The hot topic's key."))
    title = NoNulCharField(max_length=200, required=False, allow_blank=True, default="")
    category = None


class ThemeUpdateInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_PK, required=False)
    title = NoNulCharField(max_length=200, required=False)
    description = NoNulCharField(max_length=5000, required=False, allow_blank=True)
    goals = NoNulCharField(max_length=5000, required=False, allow_blank=True)
    keywords = NoNulCharField(max_length=300, required=False, allow_blank=True)
    lead_unit = SafePrimaryKeyField(queryset=_units, required=False)
    co_units = SafePrimaryKeyField(queryset=_units, many=True, required=False)


class ThemeCloseInput(serializers.Serializer):
    summary = NoNulCharField(max_length=5000)


class ThemeMilestoneDoneInput(serializers.Serializer):
    note = NoNulCharField(max_length=500, required=False, allow_blank=True, default="")


class SuggestionSerializer(serializers.ModelSerializer):
    month = serializers.CharField(source="month_label", read_only=True)
    category = ThemeNamedSerializer(read_only=True)
    region = ThemeNamedSerializer(read_only=True)
    suggested_unit = ThemeNamedSerializer(read_only=True, allow_null=True)
    reason = serializers.SerializerMethodField()
    case = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = ProactiveSuggestion
        fields = [
            "id",
            "month",
            "category",
            "region",
            "suggested_unit",
            "reason",
            "figures",
            "score",
            "status",
            "decline_reason",
            "decided_at",
            "case",
        ]

    def get_reason(self, suggestion) -> str:
        return suggestion_reason(suggestion)


class SuggestionAcceptInput(serializers.Serializer):
    unit = SafePrimaryKeyField(queryset=_units, required=False, allow_null=True)
    note = NoNulCharField(max_length=1000, required=False, allow_blank=True, default="")


class SuggestionDeclineInput(serializers.Serializer):
    reason = NoNulCharField(max_length=500)
