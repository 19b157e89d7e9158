from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from civic.models import Category, Region

from ..services import TEXT_MAX


class PatrolPositionSerializer(serializers.Serializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=Region.objects.filter(level="grid"))
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90)
    lng = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180)


class PatrolReportInputSerializer(PatrolPositionSerializer):
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(level=3, active=True),
        help_text=_("A third-level category."),
    )
    text = serializers.CharField(max_length=TEXT_MAX)
    accuracy_m = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100000
    )
    photo = serializers.FileField(required=False, allow_null=True)


class PatrolReportOutputSerializer(serializers.Serializer):
    case = serializers.CharField(source="case.number")
    status = serializers.CharField(source="case.status")
    grid = serializers.IntegerField(source="grid_id")
    at = serializers.DateTimeField()


class PatrolCheckInOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    grid = serializers.IntegerField(source="grid_id")
    at = serializers.DateTimeField()


class StreetRowSerializer(serializers.Serializer):
    street = serializers.CharField(source="street.name")
    street_code = serializers.CharField(source="street.code")
    patrol = serializers.IntegerField()
    residents = serializers.IntegerField()
    patrol_share = serializers.FloatField(allow_null=True)


class GridRowSerializer(serializers.Serializer):
    grid = serializers.CharField(source="grid.name")
    grid_code = serializers.CharField(source="grid.code")
    workers = serializers.IntegerField()
    reports = serializers.IntegerField()
    check_ins = serializers.IntegerField()
    reports_per_week = serializers.FloatField()
    check_ins_per_week = serializers.FloatField()
    street = serializers.CharField(source="street.name", allow_null=True)
    street_code = serializers.CharField(source="street.code", allow_null=True)
    patrol = serializers.IntegerField(
        help_text=_("Problems of the month first found on patrol in this grid.")
    )
    residents = serializers.IntegerField(
        help_text=_("Problems of the month first reported by residents in this grid.")
    )
    patrol_share = serializers.FloatField(allow_null=True)
    residents_partial = serializers.BooleanField(
        help_text=_(
            "The grid shares its community with other grids: residents' cases that name only "
            "the community count for the street, not for this grid."
        )
    )


class PatrolStatsSerializer(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    patrol_total = serializers.IntegerField()
    residents_total = serializers.IntegerField()
    patrol_share = serializers.FloatField(allow_null=True)
    streets = StreetRowSerializer(many=True)
    grids = GridRowSerializer(many=True)
