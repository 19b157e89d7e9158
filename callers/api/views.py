"""GET /api/v1/callers/history/?phone= — a caller's earlier cases (centre staff only)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from callers import selectors, services
from civic.client import client_address
from civic.roles import is_centre_staff

from .serializers import (
    CallerHistoryInputSerializer,
    CallerHistoryOutputSerializer,
    RepeatCallInputSerializer,
    RepeatCallOutputSerializer,
)


class IsCentreStaff(permissions.BasePermission):
    message = _("Only hotline centre staff may look callers up.")

    def has_permission(self, request, view):
        return bool(
            request.user and request.user.is_authenticated and is_centre_staff(request.user)
        )


def _case(case, now) -> dict:
    return {
        "number": case.number,
        "title": case.title,
        "status": case.status,
        "status_label": case.get_status_display(),
        "open": case.is_open,
        "lead_unit": case.lead_unit.name if case.lead_unit_id else "",
        "handle_due_at": case.handle_due_at,
        "overdue": selectors.is_overdue(case, now=now),
        "received_at": case.received_at,
    }


class CallerHistoryApi(APIView):
    permission_classes = [IsCentreStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "phone", str, required=True, description="The caller's number, any spelling."
            )
        ],
        responses=CallerHistoryOutputSerializer,
        summary="A caller's earlier cases, open ones first (来电弹屏)",
        description=(
            "Looked up by the number's keyed hash. Open cases (newest first), then the most "
            "recent closed ones; counts over 30 and 90 days; `frequent` when the 30-day count "
            "reaches `frequent_threshold`. Each case returned is recorded in the personal-data "
            "access log. 400 with a field message for a missing or unusable number."
        ),
    )
    def get(self, request):
        params = CallerHistoryInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        history = selectors.caller_history(params.validated_data["phone"])
        services.caller_history_access_record(
            actor=request.user,
            cases=history.cases,
            path=request.path,
            ip=client_address(request),
        )
        body = {
            "phone": history.phone_masked,
            "frequent": history.frequent,
            "frequent_threshold": selectors.FREQUENT_THRESHOLD,
            "frequent_window_days": selectors.FREQUENT_WINDOW_DAYS,
            "count_30_days": history.count_30_days,
            "count_90_days": history.count_90_days,
            "open": [_case(c, history.at) for c in history.open_cases],
            "closed": [_case(c, history.at) for c in history.closed_cases],
        }
        return Response(CallerHistoryOutputSerializer(body).data)


class RepeatCallApi(APIView):
    permission_classes = [IsCentreStaff]

    @extend_schema(
        request=RepeatCallInputSerializer,
        responses={201: RepeatCallOutputSerializer},
        summary="Record a repeat call of an open case (重复来电)",
        description=(
            "Creates the call as a hotline case closed at once with outcome repeat_request and "
            "duplicate_of set (no dispatch), and notes the call on the open case. 404 for an "
            "unknown case, 409 for a closed one, 400 with field messages for bad input."
        ),
    )
    def post(self, request):
        params = RepeatCallInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        original_number = data.pop("duplicate_of")
        note = data.pop("note")
        recorded = services.repeat_call_record(
            actor=request.user, original_number=original_number, intake=data, note=note
        )
        progress = selectors.case_progress(recorded.original)
        body = {
            "number": recorded.new_case.number,
            "duplicate_of": recorded.original.number,
            "progress": progress.__dict__,
        }
        return Response(RepeatCallOutputSerializer(body).data, status=201)
