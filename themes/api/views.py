"""/api/v1/hot-topics/ (centre), /api/v1/themes/ (public reads, centre writes, unit milestones),
/api/v1/proactive-suggestions/ (centre and the suggested units). Thin: validate → service."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cases.api.views import ERRORS
from civic.api.filters import ListFiltersOnlyMixin
from civic.errors import PermissionDeniedError
from civic.pagination import KnownCountPagination
from themes import hot_topics, selectors, services
from themes import permissions as perms
from themes.models import Milestone

from . import serializers as s
from .filters import SuggestionFilter


def _errors(*codes):
    return {code: ERRORS[code] for code in codes}


def _valid(serializer_class, request, data=None, **kwargs):
    serializer = serializer_class(data=request.data if data is None else data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _hot_topics_payload(analysis) -> dict:
    return {
        "month": f"{analysis.month:%Y-%m}",
        "region": analysis.region.pk if analysis.region else None,
        "analysed": analysis.analysed,
        "capped": analysis.capped,
        "topics": analysis.topics,
    }


class HotTopicViewSet(viewsets.ViewSet):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Hot topics of a month (centre only), as the hourly analysis stored them",
        parameters=[
            OpenApiParameter("month", str, required=True, description="YYYY-MM"),
            OpenApiParameter("region", int, required=False, description="Region id (subtree)"),
        ],
        responses={
            200: s.HotTopicsSerializer,
            202: OpenApiResponse(description="Not analysed yet: queued; ask again shortly."),
            **_errors(400, 403),
        },
    )
    def list(self, request):
        if not perms.is_centre(request.user):
            raise PermissionDeniedError("Only the hotline centre sees hot topics.")
        query = _valid(s.HotTopicQuery, request, data=request.query_params)
        month, region = query["month"], query.get("region")
        # The analysis a task stored, as the page shows it (an analysis of a month of a big
        # city takes seconds to minutes: never inside a request).
        warm = hot_topics.stored(month, region)
        hot_topics.note_wanted(month, region)
        if warm is None:
            hot_topics.request_warm(month, region)
            warm = hot_topics.stored(month, region)  # a worker running tasks inline
        if warm is None:
            return Response(
                {"message": _("Not analysed yet: the analysis is queued, ask again shortly.")},
                status=status.HTTP_202_ACCEPTED,
            )
        payload = {**_hot_topics_payload(warm.analysis), "computed_at": warm.computed_at}
        return Response(s.HotTopicsSerializer(payload).data)


@extend_schema_view(
    list=extend_schema(
        summary="Themes (active and closed; the centre also sees drafts)",
        responses={200: s.ThemeSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="A theme with progress and its linked cases (public-safe)",
        responses={200: s.ThemeDetailSerializer, **_errors(404)},
    ),
)
class ThemeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.AllowAny]
    serializer_class = s.ThemeSerializer
    pagination_class = KnownCountPagination
    lookup_value_regex = r"[0-9]{1,9}"

    def get_queryset(self):
        qs = selectors.themes_visible_to(self.request.user).prefetch_related("milestones")
        return selectors.themes_with_progress(qs)

    def get_serializer_class(self):
        return s.ThemeDetailSerializer if self.action == "retrieve" else s.ThemeSerializer

    def _theme(self, pk):
        return get_object_or_404(selectors.themes_visible_to(self.request.user), pk=pk)

    def _render(self, theme, status=200):
        return Response(s.ThemeDetailSerializer(theme).data, status=status)

    @extend_schema(
        summary="Create a theme (dispatchers)",
        request=s.ThemeCreateInput,
        responses={201: s.ThemeDetailSerializer, **_errors(400, 403)},
    )
    def create(self, request):
        if not perms.can_manage_themes(request.user):
            raise PermissionDeniedError("Only the hotline centre's dispatchers manage themes.")
        d = _valid(s.ThemeCreateInput, request)
        milestones = [(m["title"], m["due_date"]) for m in d.pop("milestones")]
        theme = services.theme_create(actor=request.user, milestones=milestones, **d)
        return self._render(theme, 201)

    @extend_schema(
        summary="Promote a hot topic to a theme (dispatchers)",
        request=s.ThemePromoteInput,
        responses={201: s.ThemeDetailSerializer, **_errors(400, 403)},
    )
    @action(detail=False, methods=["post"])
    def promote(self, request):
        if not perms.can_manage_themes(request.user):
            raise PermissionDeniedError("Only the hotline centre's dispatchers manage themes.")
        d = _valid(s.ThemePromoteInput, request)
        milestones = [(m["title"], m["due_date"]) for m in d.pop("milestones")]
        theme = services.theme_promote(actor=request.user, milestones=milestones, **d)
        return self._render(theme, 201)

    @extend_schema(
        summary="Edit a theme (dispatchers; `version` guards against lost updates)",
        request=s.ThemeUpdateInput,
        responses={200: s.ThemeDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    def partial_update(self, request, pk=None):
        if not perms.can_manage_themes(request.user):
            raise PermissionDeniedError("Only the hotline centre's dispatchers manage themes.")
        theme = self._theme(pk)
        d = dict(_valid(s.ThemeUpdateInput, request))
        co_units = d.pop("co_units", None)
        version = d.pop("version", None)
        theme = services.theme_update(
            actor=request.user, theme=theme, version=version, co_units=co_units, **d
        )
        return self._render(theme)

    @extend_schema(
        summary="Activate a draft theme (dispatchers)",
        request=None,
        responses={200: s.ThemeDetailSerializer, **_errors(403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        if not perms.can_manage_themes(request.user):
            raise PermissionDeniedError("Only the hotline centre's dispatchers manage themes.")
        return self._render(services.theme_activate(actor=request.user, theme=self._theme(pk)))

    @extend_schema(
        summary="Close an active theme with a summary (dispatchers)",
        request=s.ThemeCloseInput,
        responses={200: s.ThemeDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        if not perms.can_manage_themes(request.user):
            raise PermissionDeniedError("Only the hotline centre's dispatchers manage themes.")
        theme = self._theme(pk)
        d = _valid(s.ThemeCloseInput, request)
        return self._render(services.theme_close(actor=request.user, theme=theme, **d))

    @extend_schema(
        summary="Add a milestone (dispatchers)",
        request=s.ThemeMilestoneInput,
        responses={201: s.ThemeMilestoneSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def milestones(self, request, pk=None):
        if not perms.can_manage_themes(request.user):
            raise PermissionDeniedError("Only the hotline centre's dispatchers manage themes.")
        theme = self._theme(pk)
        d = _valid(s.ThemeMilestoneInput, request)
        milestone = services.milestone_add(actor=request.user, theme=theme, **d)
        return Response(s.ThemeMilestoneSerializer(milestone).data, status=201)

    @extend_schema(
        summary="Mark a milestone done (the theme's units, or dispatchers)",
        request=s.ThemeMilestoneDoneInput,
        responses={200: s.ThemeMilestoneSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"milestones/(?P<milestone_id>[0-9]{1,9})/done",
        url_name="milestone-done",
    )
    def milestone_done(self, request, pk=None, milestone_id=None):
        theme = self._theme(pk)
        milestone = get_object_or_404(Milestone, pk=milestone_id, theme=theme)
        milestone.theme = theme
        d = _valid(s.ThemeMilestoneDoneInput, request)
        milestone = services.milestone_done(actor=request.user, milestone=milestone, **d)
        return Response(s.ThemeMilestoneSerializer(milestone).data)


@extend_schema_view(
    list=extend_schema(
        summary="Proactive suggestions (未诉先办): the centre sees all, units their own",
        responses={200: s.SuggestionSerializer(many=True), **_errors(400, 403)},
    ),
    retrieve=extend_schema(
        summary="One proactive suggestion", responses={200: s.SuggestionSerializer, **_errors(404)}
    ),
)
class SuggestionViewSet(
    ListFiltersOnlyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.SuggestionSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = SuggestionFilter
    pagination_class = KnownCountPagination
    lookup_value_regex = r"[0-9]{1,9}"

    def get_queryset(self):
        return selectors.suggestions_visible_to(self.request.user)

    @extend_schema(
        summary="Accept: a proactive case is created and dispatched to the unit",
        request=s.SuggestionAcceptInput,
        responses={200: s.SuggestionSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        suggestion = self.get_object()
        d = _valid(s.SuggestionAcceptInput, request)
        suggestion = services.suggestion_accept(actor=request.user, suggestion=suggestion, **d)
        return Response(s.SuggestionSerializer(suggestion).data)

    @extend_schema(
        summary="Decline, with a reason",
        request=s.SuggestionDeclineInput,
        responses={200: s.SuggestionSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        suggestion = self.get_object()
        d = _valid(s.SuggestionDeclineInput, request)
        suggestion = services.suggestion_decline(actor=request.user, suggestion=suggestion, **d)
        return Response(s.SuggestionSerializer(suggestion).data)
