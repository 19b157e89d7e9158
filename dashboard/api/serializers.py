"""Output shape of GET /api/v1/dashboard/ (documentation for the schema; the selector builds
plain dicts)."""

from rest_framework import serializers


class DashboardIntakeSerializer(serializers.Serializer):
    channel = serializers.CharField()
    label = serializers.CharField()
    today = serializers.IntegerField()
    month = serializers.IntegerField()


class DashboardOpenSerializer(serializers.Serializer):
    open = serializers.IntegerField()
    due_soon = serializers.IntegerField()
    overdue = serializers.IntegerField()
    taken_at = serializers.CharField(allow_null=True)


class DashboardRatesSerializer(serializers.Serializer):
    month = serializers.CharField()
    received = serializers.IntegerField()
    closed = serializers.IntegerField()
    response = serializers.FloatField(allow_null=True, help_text="percent")
    resolution = serializers.FloatField(allow_null=True, help_text="percent")
    satisfaction = serializers.FloatField(allow_null=True, help_text="percent")
    dispatched = serializers.IntegerField()
    revisited = serializers.IntegerField()


class DashboardRatePairSerializer(serializers.Serializer):
    this_month = DashboardRatesSerializer()
    last_month = DashboardRatesSerializer()


class DashboardCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    previous = serializers.IntegerField(
        help_text="last month prorated to the days elapsed this month"
    )
    growth = serializers.FloatField(allow_null=True, help_text="percent")


class DashboardTopCategoriesSerializer(serializers.Serializer):
    first = DashboardCategorySerializer(many=True)
    second = DashboardCategorySerializer(many=True)


class DashboardHeatPointSerializer(serializers.Serializer):
    area_id = serializers.IntegerField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    x = serializers.FloatField()
    y = serializers.FloatField()
    r = serializers.FloatField()
    level = serializers.IntegerField()


class DashboardFoundOnPatrolSerializer(serializers.Serializer):
    patrol = serializers.IntegerField()
    residents = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True, help_text="percent found on patrol")


class DashboardHeatOutlineSerializer(serializers.Serializer):
    """A district's outline on the heat map's base map: an SVG path in the points' box, and
    where its name goes (null: left out where it would overlap another)."""

    name = serializers.CharField()
    d = serializers.CharField()
    lx = serializers.FloatField(allow_null=True)
    ly = serializers.FloatField(allow_null=True)


class DashboardHotTopicSerializer(serializers.Serializer):
    title = serializers.CharField()
    category = serializers.CharField()
    count = serializers.IntegerField()
    growth = serializers.IntegerField(allow_null=True)


class DashboardWhistleSerializer(serializers.Serializer):
    summoned = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    missed = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class DashboardThemeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    percent = serializers.IntegerField()
    milestones_done = serializers.IntegerField()
    milestones_total = serializers.IntegerField()
    cases_closed = serializers.IntegerField()
    cases_total = serializers.IntegerField()


class DashboardSuggestionSerializer(serializers.Serializer):
    suggested = serializers.IntegerField()
    accepted = serializers.IntegerField()
    done = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    as_of = serializers.CharField()
    scope = serializers.CharField()
    intake = DashboardIntakeSerializer(many=True)
    intake_today = serializers.IntegerField()
    intake_month = serializers.IntegerField()
    found_on_patrol = DashboardFoundOnPatrolSerializer()
    open = DashboardOpenSerializer()
    rates = DashboardRatePairSerializer()
    trend = DashboardRatesSerializer(many=True)
    top_categories = DashboardTopCategoriesSerializer()
    heat = DashboardHeatPointSerializer(many=True)
    heat_outlines = DashboardHeatOutlineSerializer(many=True)
    hot_topics = DashboardHotTopicSerializer(many=True)
    whistles = DashboardWhistleSerializer()
    themes = DashboardThemeSerializer(many=True)
    suggestions = DashboardSuggestionSerializer()
