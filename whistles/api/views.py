"""REST API for whistles (吹哨报到). Thin: serializers validate input, services do the work."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Case
from civic import roles
from civic.errors import DomainValidationError, NotFoundError
from civic.models import Unit
from civic.pagination import KnownCountPagination
from civic.roles import Role

from .. import services as whistles
from ..models import ResidentWhistleRequest, Whistle, WhistleLogEntry, WhistleSummons
from ..selectors import (
    resident_request_get,
    resident_requests_for,
    whistle_get_visible,
    whistles_visible_to,
)
from .filters import ResidentRequestFilter, WhistleFilter


class SummonsSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = WhistleSummons
        fields = [
            "unit",
            "unit_name",
            "state",
            "summoned_at",
            "reported_at",
            "reporters",
            "committed_action",
        ]


class LogEntrySerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")

    class Meta:
        model = WhistleLogEntry
        fields = ["id", "at", "kind", "unit", "unit_name", "action", "text"]


class WhistleSerializer(serializers.ModelSerializer):
    street_name = serializers.CharField(source="street.name", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True, default=None)
    summonses = SummonsSerializer(many=True, read_only=True)

    class Meta:
        model = Whistle
        fields = [
            "id",
            "street",
            "street_name",
            "case",
            "case_number",
            "extra_cases",
            "reason",
            "place",
            "blown_at",
            "report_due_at",
            "status",
            "outcome",
            "closed_at",
            "summonses",
        ]


class WhistleDetailSerializer(WhistleSerializer):
    log = LogEntrySerializer(many=True, read_only=True)

    class Meta(WhistleSerializer.Meta):
        fields = [*WhistleSerializer.Meta.fields, "log"]


class BlowSerializer(serializers.Serializer):
    units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(active=True), many=True)
    reason = serializers.CharField(max_length=2000)
    place = serializers.CharField(max_length=300)
    case = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**31 - 1
    )
    report_minutes = serializers.IntegerField(required=False, min_value=1, max_value=7 * 24 * 60)


class ReportSerializer(serializers.Serializer):
    reporters = serializers.CharField(max_length=300)
    committed_action = serializers.CharField(max_length=2000)


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class CloseSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=2000)


class ResidentRequestSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)

    class Meta:
        model = ResidentWhistleRequest
        fields = [
            "id",
            "case",
            "case_number",
            "street",
            "requested_at",
            "reason",
            "state",
            "decided_at",
            "decline_reason",
            "whistle",
        ]
        read_only_fields = [
            "street",
            "requested_at",
            "state",
            "decided_at",
            "decline_reason",
            "whistle",
        ]


class AcceptSerializer(serializers.Serializer):
    units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(active=True), many=True)
    place = serializers.CharField(max_length=300, required=False, allow_blank=True)
    report_minutes = serializers.IntegerField(required=False, min_value=1, max_value=7 * 24 * 60)


class DeclineSerializer(serializers.Serializer):
    decline_reason = serializers.CharField(max_length=2000)


def _valid(serializer_class, request):
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return s.validated_data


def _pk(value) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError) as exc:
        raise NotFoundError("Not found.") from exc
    if not 0 < pk < 2**31:
        raise NotFoundError("Not found.")
    return pk


class WhistleListView(generics.ListAPIView):
    # GET: the whistles visible to you, filtered (WhistleFilter) and paged; POST: blow one.
    serializer_class = WhistleSerializer
    filterset_class = WhistleFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = KnownCountPagination

    def get_queryset(self):
        return whistles_visible_to(self.request.user).prefetch_related(
            "summonses__unit", "extra_cases"
        )

    @extend_schema(request=BlowSerializer, responses={201: WhistleDetailSerializer})
    def post(self, request):
        data = _valid(BlowSerializer, request)
        case = None
        if data.get("case"):
            case = Case.objects.filter(pk=data["case"]).first()
            streets = roles.units_of(request.user, (Role.STREET_OFFICIAL,))
            # Without a street, whistle_blow refuses the caller (403) whatever the case.
            if streets and (
                case is None
                or not any(whistles.may_whistle_on_case(request.user, case, s) for s in streets)
            ):
                # One answer for a case that does not exist and one the street may not see.
                raise DomainValidationError(
                    _("The whistle is incomplete."),
                    extra={
                        "fields": {
                            "case": [_("No case with this id that your street may whistle on.")]
                        }
                    },
                )
        w = whistles.whistle_blow(
            actor=request.user,
            units=data["units"],
            reason=data["reason"],
            place=data["place"],
            case=case,
            report_minutes=data.get("report_minutes"),
        )
        return Response(WhistleDetailSerializer(w).data, status=status.HTTP_201_CREATED)


class WhistleDetailView(APIView):
    @extend_schema(responses=WhistleDetailSerializer)
    def get(self, request, pk):
        return Response(WhistleDetailSerializer(whistle_get_visible(request.user, _pk(pk))).data)


class WhistleReportView(APIView):
    @extend_schema(request=ReportSerializer, responses=SummonsSerializer)
    def post(self, request, pk):
        w = whistle_get_visible(request.user, _pk(pk))
        data = _valid(ReportSerializer, request)
        s = whistles.whistle_report(actor=request.user, whistle=w, **data)
        return Response(SummonsSerializer(s).data)


class WhistleLogView(APIView):
    @extend_schema(request=TextSerializer, responses={201: LogEntrySerializer})
    def post(self, request, pk):
        w = whistle_get_visible(request.user, _pk(pk))
        entry = whistles.whistle_log_add(
            actor=request.user, whistle=w, **_valid(TextSerializer, request)
        )
        return Response(LogEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class WhistleCloseView(APIView):
    @extend_schema(request=CloseSerializer, responses=WhistleDetailSerializer)
    def post(self, request, pk):
        w = whistle_get_visible(request.user, _pk(pk))
        w = whistles.whistle_close(
            actor=request.user, whistle=w, **_valid(CloseSerializer, request)
        )
        return Response(WhistleDetailSerializer(w).data)


class ResidentRequestListView(generics.ListAPIView):
    # GET: your requests (a street official: those of your street), filtered and paged; POST:
    # a resident asks the street to blow the whistle on their case.
    serializer_class = ResidentRequestSerializer
    filterset_class = ResidentRequestFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = KnownCountPagination

    def get_queryset(self):
        return resident_requests_for(self.request.user)

    @extend_schema(request=ResidentRequestSerializer, responses={201: ResidentRequestSerializer})
    def post(self, request):
        case_id = _pk(request.data.get("case"))
        case = get_object_or_404(Case.objects.filter(reporter=request.user), pk=case_id)
        req = whistles.resident_whistle_request(
            actor=request.user, case=case, reason=str(request.data.get("reason", ""))
        )
        return Response(ResidentRequestSerializer(req).data, status=status.HTTP_201_CREATED)


class ResidentRequestAcceptView(APIView):
    @extend_schema(request=AcceptSerializer, responses={201: WhistleDetailSerializer})
    def post(self, request, pk):
        req = resident_request_get(request.user, _pk(pk))
        data = _valid(AcceptSerializer, request)
        w = whistles.resident_whistle_accept(actor=request.user, request=req, **data)
        return Response(WhistleDetailSerializer(w).data, status=status.HTTP_201_CREATED)


class ResidentRequestDeclineView(APIView):
    @extend_schema(request=DeclineSerializer, responses=ResidentRequestSerializer)
    def post(self, request, pk):
        req = resident_request_get(request.user, _pk(pk))
        data = _valid(DeclineSerializer, request)
        req = whistles.resident_whistle_decline(
            actor=request.user, request=req, reason=data["decline_reason"]
        )
        return Response(ResidentRequestSerializer(req).data)
