"""GET /api/v1/dashboard/: the dashboard's figures, scoped as the page is."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from .serializers import DashboardSerializer


class DashboardView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Dashboard figures (数据驾驶舱)",
        parameters=[
            OpenApiParameter(
                "region", OpenApiTypes.INT, description="Narrow to a region you may see."
            )
        ],
        responses=DashboardSerializer,
    )
    def get(self, request):
        scope = selectors.dashboard_scope(request.user)
        scope = selectors.narrow_scope(scope, request.query_params.get("region"))
        return Response(selectors.dashboard_figures(scope))
