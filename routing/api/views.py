"""POST /api/v1/router/suggest — the dispatch router's proposal for one complaint text."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from civic.roles import is_centre_staff
from routing import services as S


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

    def validate(self, attrs):
        if not (attrs["title"].strip() or attrs["description"].strip()):
            raise serializers.ValidationError(_("Give a title or a description."))
        return attrs


class RouterLevelSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    name = serializers.CharField()
    id = serializers.IntegerField(allow_null=True)


class RouterSuggestOutputSerializer(serializers.Serializer):
    levels = RouterLevelSerializer(many=True)
    path = serializers.ListField(child=serializers.CharField())
    category_ids = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    confidence = serializers.FloatField()
    probabilities = serializers.DictField(child=serializers.FloatField())
    threshold = serializers.FloatField()
    decided_by_router = serializers.BooleanField()
    model_version = serializers.CharField()


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
        }
        return Response(RouterSuggestOutputSerializer(out).data)
