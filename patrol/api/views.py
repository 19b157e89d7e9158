"""Patrol API: a grid worker's report and check-in; the patrol statistics."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from civic import roles

from .. import selectors, services
from . import serializers as S


class IsGridWorker(permissions.BasePermission):
    message = _("Only grid workers report from patrol.")

    def has_permission(self, request, view):
        return roles.has_role(request.user, roles.Role.GRID_WORKER)


class MaySeePatrolStats(permissions.BasePermission):
    message = _("You may not see the patrol statistics.")

    def has_permission(self, request, view):
        return selectors.may_see_stats(request.user)


class PatrolReportApi(APIView):
    permission_classes = [permissions.IsAuthenticated, IsGridWorker]

    @extend_schema(
        request=S.PatrolReportInputSerializer,
        responses={201: S.PatrolReportOutputSerializer},
        summary="Report a problem found on patrol (becomes a case, channel patrol)",
    )
    def post(self, request):
        data = S.PatrolReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        report = services.patrol_report_create(
            actor=request.user,
            grid=d["grid"],
            category=d["category"],
            text=d["text"],
            lat=d["lat"],
            lng=d["lng"],
            accuracy_m=d.get("accuracy_m"),
            photo=d.get("photo"),
        )
        return Response(S.PatrolReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)


class PatrolCheckInApi(APIView):
    permission_classes = [permissions.IsAuthenticated, IsGridWorker]

    @extend_schema(
        request=S.PatrolPositionSerializer,
        responses={201: S.PatrolCheckInOutputSerializer},
        summary="Check in on patrol in one of your grids",
    )
    def post(self, request):
        data = S.PatrolPositionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        check_in = services.patrol_check_in(
            actor=request.user, grid=d["grid"], lat=d["lat"], lng=d["lng"]
        )
        return Response(
            S.PatrolCheckInOutputSerializer(check_in).data, status=status.HTTP_201_CREATED
        )


class PatrolStatsApi(APIView):
    permission_classes = [permissions.IsAuthenticated, MaySeePatrolStats]

    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM; this month by default")],
        responses={200: S.PatrolStatsSerializer},
        summary="Patrol statistics of a month, scoped to what the caller may see",
    )
    def get(self, request):
        raw = request.query_params.get("month")
        if raw:
            month = selectors.month_from(raw)
            if month is None:
                raise serializers.ValidationError({"month": [_("Use the form YYYY-MM.")]})
        else:
            month = timezone.localdate().replace(day=1)
        stats = selectors.patrol_stats(user=request.user, month=month)
        return Response(S.PatrolStatsSerializer(stats).data)
