"""/api/v1/assessment/: runs (published to all; drafts and actions for dispatchers), boards."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assessment import selectors, services
from assessment.models import AssessmentRun
from civic.api.filters import MONTH_PATTERN, ListFiltersOnlyMixin, valid_filterset
from civic.errors import NotFoundError, PermissionDeniedError
from civic.pagination import KnownCountPagination

from .filters import BoardFilter, RunFilter
from .serializers import ComputeSerializer, RunSerializer, ScoreSerializer


class RunViewSet(ListFiltersOnlyMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RunSerializer
    permission_classes = [permissions.AllowAny]
    filterset_class = RunFilter
    pagination_class = KnownCountPagination

    def get_queryset(self):
        return selectors.runs_visible_to(self.request.user)

    @extend_schema(responses=ScoreSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def scores(self, request, pk=None):
        """The run's scores by peer group and rank, paged like every list."""
        run = self.get_object()
        rows = run.scores.select_related("unit").order_by("peer_group", "rank", "unit__name")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ScoreSerializer(page, many=True).data)

    @extend_schema(request=None, responses=RunSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        if not selectors.can_manage(request.user):
            raise PermissionDeniedError("Only a dispatcher publishes the assessment.")
        run = services.assessment_publish(run=self.get_object(), actor=request.user)
        return Response(RunSerializer(run).data)

    @extend_schema(request=ComputeSerializer, responses=RunSerializer)
    @action(detail=False, methods=["post"])
    def compute(self, request):
        if not selectors.can_manage(request.user):
            raise PermissionDeniedError("Only a dispatcher computes the assessment.")
        data = ComputeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.assessment_compute(month=data.validated_data["month"], actor=request.user)
        return Response(RunSerializer(run).data, status=201)


class BoardViewSet(viewsets.ViewSet):
    """Boards of the latest published revision of a month (?month=YYYY-MM, default latest)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "month", str, required=False, description="YYYY-MM", pattern=MONTH_PATTERN
            )
        ],
        responses=None,
    )
    def list(self, request):
        # The month is validated like the runs' filter (one 400 shape); the selector finds
        # the latest published revision.
        query = valid_filterset(BoardFilter, request, AssessmentRun.objects.none())
        run = selectors.latest_published_run(query.form.cleaned_data.get("month"))
        if run is None:
            raise NotFoundError("No published month.")
        groups = []
        for g in selectors.boards(run):
            groups.append(
                {
                    "peer_group": g.peer_group,
                    "red": ScoreSerializer(g.red, many=True).data,
                    "black": ScoreSerializer(g.black, many=True).data,
                    "too_few": ScoreSerializer(g.too_few, many=True).data,
                    "red_tie_extended": g.red_tie_extended,
                    "black_tie_extended": g.black_tie_extended,
                }
            )
        return Response({"run": RunSerializer(run).data, "groups": groups})
