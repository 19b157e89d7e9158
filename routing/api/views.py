"""POST /api/v1/router/suggest — the dispatch router's proposal for one complaint text."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from civic.models import Region
from civic.roles import is_centre_staff
from routing import registry, selectors
from routing import services as S
from routing.forms import FeedbackRangeForm
from routing.permissions import can_see_router_feedback


class IsCentreStaff(permissions.BasePermission):
    """Operators and dispatchers of the hotline centre."""

    message = _("Only hotline centre staff may ask the router.")

    def has_permission(self, request, view):
        return bool(
            request.user and request.user.is_authenticated and is_centre_staff(request.user)
        )


class RouterSuggestInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    description = serializers.CharField(
        max_length=20000, required=False, allow_blank=True, default=""
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The place of the matter: with it, the unit the dispatch rules pick is added.",
    )

    def validate(self, attrs):
        if not (attrs["title"].strip() or attrs["description"].strip()):
            raise serializers.ValidationError(_("Give a title or a description."))
        return attrs


class RouterLevelSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    name = serializers.CharField()
    id = serializers.IntegerField(allow_null=True)


class RouterUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RouterSuggestOutputSerializer(serializers.Serializer):
    levels = RouterLevelSerializer(many=True)
    path = serializers.ListField(child=serializers.CharField())
    category_ids = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    confidence = serializers.FloatField()
    probabilities = serializers.DictField(child=serializers.FloatField())
    threshold = serializers.FloatField()
    decided_by_router = serializers.BooleanField()
    model_version = serializers.CharField()
    unit = RouterUnitSerializer(allow_null=True)
    rule = serializers.CharField(allow_null=True)
    rule_label = serializers.CharField(allow_null=True)


class RouterSuggestApi(APIView):
    permission_classes = [IsCentreStaff]

    @extend_schema(
        request=RouterSuggestInputSerializer,
        responses=RouterSuggestOutputSerializer,
        summary="Suggest a category (and so a lead unit) for a complaint text",
    )
    def post(self, request):
        data = RouterSuggestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        s = S.suggest(data.validated_data["title"], data.validated_data["description"])
        ids = S.category_ids(s.path)
        region = data.validated_data["region"]
        proposal = S.explain(s, region).proposal if region is not None else None
        unit = proposal.unit if proposal else None
        out = {
            "levels": [
                {"level": i, "name": name, "id": cid}
                for i, (name, cid) in enumerate(zip(s.path, ids, strict=True), start=1)
            ],
            "path": list(s.path),
            "category_ids": ids,
            "confidence": round(s.confidence, 4),
            "probabilities": {k: round(v, 4) for k, v in s.probabilities.items()},
            "threshold": S.threshold(),
            "decided_by_router": s.decided_by_router,
            "model_version": s.version,
            "unit": {"id": unit.id, "name": unit.name} if unit else None,
            "rule": proposal.rule if proposal else None,
            "rule_label": proposal.rule_label if proposal else None,
        }
        return Response(RouterSuggestOutputSerializer(out).data)


class CanSeeRouterFeedback(permissions.BasePermission):
    message = _("Only the hotline centre and leaders see the router's record.")

    def has_permission(self, request, view):
        return can_see_router_feedback(request.user)


class FeedbackRowSerializer(serializers.Serializer):
    category_id = serializers.IntegerField(source="category.pk", allow_null=True, default=None)
    category = serializers.CharField(source="category.name", allow_null=True, default=None)
    dispatched = serializers.IntegerField()
    suggested = serializers.IntegerField()
    shown = serializers.IntegerField()
    taken = serializers.IntegerField()
    right = serializers.IntegerField()
    shown_rate = serializers.FloatField(allow_null=True)
    taken_rate = serializers.FloatField(allow_null=True, help_text="taken / shown")
    accuracy = serializers.FloatField(allow_null=True, help_text="right / shown")
    accuracy_all = serializers.FloatField(
        allow_null=True, help_text="right / suggested, shown or not"
    )


class FeedbackMonthSerializer(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    total = FeedbackRowSerializer()
    rows = FeedbackRowSerializer(many=True)


class RouterFeedbackApi(APIView):
    permission_classes = [CanSeeRouterFeedback]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, description="first month, YYYY-MM"),
            OpenApiParameter("end", str, description="last month, YYYY-MM (default: this one)"),
        ],
        responses=FeedbackMonthSerializer(many=True),
        summary="Per month and suggested category: suggestions shown, taken and right",
    )
    def get(self, request):
        form = FeedbackRangeForm(request.query_params)
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    "non_field_errors" if name == "__all__" else name: list(messages)
                    for name, messages in form.errors.items()
                }
            )
        since, until = form.bounds()
        months = selectors.feedback_by_month(since=since, until=until)
        return Response(FeedbackMonthSerializer(months, many=True).data)


class RouterVersionSerializer(serializers.Serializer):
    version = serializers.CharField()
    trained_at = serializers.CharField()
    n_examples = serializers.IntegerField()
    holdout_macro_f1 = serializers.FloatField(allow_null=True)
    active = serializers.BooleanField()


class RouterVersionsApi(APIView):
    permission_classes = [CanSeeRouterFeedback]

    @extend_schema(
        responses=RouterVersionSerializer(many=True),
        summary="Kept router versions, newest first, and which one is active",
    )
    def get(self, request):
        rows = [
            {
                "version": m["version"],
                "trained_at": m.get("trained_at", ""),
                "n_examples": m.get("n_examples", 0),
                "holdout_macro_f1": registry.holdout_f1(m),
                "active": m["active"],
            }
            for m in registry.versions()
        ]
        return Response(RouterVersionSerializer(rows, many=True).data)
