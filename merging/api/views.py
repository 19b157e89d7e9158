"""REST API for 并案 under /api/v1/cases/{number}/: merge-candidates (GET), merge and unmerge
(POST). Dispatcher only; a case the caller may not see is 404, a caller who is not a
dispatcher 403, bad input 400 with field messages (civic.api.exception_handler)."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors as case_selectors
from cases.models import Case
from civic import roles

from .. import selectors, services
from . import serializers as s


def _errors(*codes):
    text = {
        400: "Invalid input (field messages in extra.fields)",
        403: "Not a dispatcher",
        404: "Not found (or not visible to you)",
    }
    return {code: OpenApiResponse(s.ErrorSerializer, description=text[code]) for code in codes}


class IsDispatcher(permissions.BasePermission):
    message = _("Only a dispatcher merges cases.")

    def has_permission(self, request, view):
        return bool(
            request.user and request.user.is_authenticated and roles.is_dispatcher(request.user)
        )


class _CaseApi(APIView):
    permission_classes = [IsDispatcher]

    def case(self, number: str) -> Case:
        case = case_selectors.case_get_visible(self.request.user, number=number)
        if case is None:
            raise Http404
        return case


class MergeCandidatesApi(_CaseApi):
    @extend_schema(
        summary="Open cases likely about the same problem, best first (并案 candidates)",
        responses={200: s.CandidateSerializer(many=True), **_errors(403, 404)},
    )
    def get(self, request, number):
        candidates = selectors.merge_candidates(self.case(number))
        return Response(s.CandidateSerializer(candidates, many=True).data)


class MergeApi(_CaseApi):
    @extend_schema(
        summary="Merge cases into this one (并案); they follow it from now on",
        request=s.MergeInput,
        responses={200: s.MergeGroupSerializer, **_errors(400, 403, 404)},
    )
    def post(self, request, number):
        main = self.case(number)
        data = s.MergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        others = selectors.cases_by_numbers(data.validated_data["cases"])
        main = services.merge_cases(
            actor=request.user, main=main, others=others, note=data.validated_data["note"]
        )
        merged = list(selectors.merged_cases_of(main).select_related("merged_into"))
        return Response(s.MergeGroupSerializer({"main": main, "merged": merged}).data)


class UnmergeApi(_CaseApi):
    @extend_schema(
        summary="Undo a merge: the named merged cases (all when none named) stand alone again",
        request=s.UnmergeInput,
        responses={200: s.UnmergeResultSerializer, **_errors(400, 403, 404)},
    )
    def post(self, request, number):
        main = self.case(number)
        data = s.UnmergeInput(data=request.data or {})
        data.is_valid(raise_exception=True)
        numbers = data.validated_data.get("cases")
        chosen = selectors.cases_by_numbers(numbers) if numbers else None
        released = services.unmerge_cases(
            actor=request.user, main=main, cases=chosen, note=data.validated_data["note"]
        )
        for case in released:
            case.refresh_from_db()
        return Response(s.UnmergeResultSerializer({"main": main, "released": released}).data)
