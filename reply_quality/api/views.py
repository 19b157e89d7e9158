"""API of 工单质检: check a draft reply; the centre's review queue and verdicts."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import rules as case_rules
from cases.models import Case
from civic.errors import NotFoundError, PermissionDeniedError
from reply_quality import rules, selectors, services
from reply_quality.models import QualityReview

from .serializers import (
    ReplyCheckInputSerializer,
    ReplyCheckOutputSerializer,
    ReviewSerializer,
    VerdictInputSerializer,
)


class IsReviewer(permissions.BasePermission):
    message = _("Only the hotline centre reviews replies.")

    def has_permission(self, request, view):
        return bool(
            request.user
            and request.user.is_authenticated
            and rules.can_review_replies(request.user)
        )


class ReplyCheckApi(APIView):
    @extend_schema(
        request=ReplyCheckInputSerializer,
        responses=ReplyCheckOutputSerializer,
        summary="Check a draft reply (relevance, completeness, policy basis, boilerplate)",
    )
    def post(self, request):
        data = ReplyCheckInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = (
            Case.objects.filter(number=data.validated_data["case"])
            .select_related("lead_unit")
            .first()
        )
        if case is None:
            raise NotFoundError(_("No such case."))
        if not case_rules.can_handle_case.test(request.user, case):
            raise PermissionDeniedError(
                _("Only the lead unit's handlers check replies to this case.")
            )
        checks = services.check_reply(
            case, data.validated_data["text"], data.validated_data["result"]
        )
        return Response(ReplyCheckOutputSerializer(checks.as_dict()).data)


class ReviewListApi(ListAPIView):
    permission_classes = [IsReviewer]
    serializer_class = ReviewSerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "state", str, enum=["pending", "reviewed", "all"], description="Default: pending"
            )
        ],
        summary="The centre's reply quality queue",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        state = self.request.query_params.get("state", "pending")
        if state not in ("pending", "reviewed", "all"):
            raise serializers.ValidationError({"state": [_("Choose pending, reviewed or all.")]})
        return selectors.reviews(state=state)


class ReviewVerdictApi(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(
        request=VerdictInputSerializer, responses=ReviewSerializer, summary="Record a verdict"
    )
    def post(self, request, pk):
        review = get_object_or_404(QualityReview, pk=pk)
        data = VerdictInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.quality_review_verdict(
            actor=request.user,
            review=review,
            verdict=data.validated_data["verdict"],
            note=data.validated_data["note"],
        )
        review = selectors.reviews(state="all").get(pk=review.pk)
        return Response(ReviewSerializer(review).data)
