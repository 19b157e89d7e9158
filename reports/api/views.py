"""Monthly reports API: the archive a user may read, one report's figures, making one."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from civic.models import Region

from .. import selectors, services
from ..models import MonthlyReport


class MayUseReports(permissions.BasePermission):
    message = _("You may not read the monthly reports.")

    def has_permission(self, request, view):
        return selectors.may_use_reports(request.user)


class ReportSerializer(serializers.ModelSerializer):
    month = serializers.DateField(format="%Y-%m")
    region = serializers.CharField(source="region.name")
    region_id = serializers.IntegerField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = MonthlyReport
        fields = ["id", "month", "region", "region_id", "revision", "generated_at", "pdf_url"]

    def get_pdf_url(self, obj) -> str:
        return reverse("reports:pdf", kwargs={"pk": obj.pk})


class ReportDetailSerializer(ReportSerializer):
    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "figures"]


class GenerateSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", help_text="YYYY-MM")
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all())


class ReportListApi(APIView):
    permission_classes = [permissions.IsAuthenticated, MayUseReports]

    @extend_schema(responses={200: ReportSerializer(many=True)}, summary="Reports you may read")
    def get(self, request):
        return Response(ReportSerializer(selectors.latest_reports(request.user), many=True).data)

    @extend_schema(
        request=GenerateSerializer,
        responses={201: ReportDetailSerializer},
        summary="Make a month's report for a region now",
    )
    def post(self, request):
        data = GenerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        month = dt.date.fromisoformat(data.validated_data["month"] + "-01")
        report = services.report_generate(
            month=month, region=data.validated_data["region"], actor=request.user
        )
        return Response(ReportDetailSerializer(report).data, status=status.HTTP_201_CREATED)


class ReportDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated, MayUseReports]

    @extend_schema(responses={200: ReportDetailSerializer}, summary="One report with its figures")
    def get(self, request, pk: int):
        report = get_object_or_404(selectors.reports_visible_to(request.user), pk=pk)
        return Response(ReportDetailSerializer(report).data)
