"""REST API for cases: reads through ViewSets, every write its own endpoint calling one service.

Every queryset starts from `cases_visible_to(user)` — DRF's object permissions are not applied
to lists, so scoping happens before anything else (DESIGN §6a).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from functools import cached_property

from django.contrib.auth import authenticate
from django.db import IntegrityError, models, transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from civic import catalogue, roles
from civic.client import client_address
from civic.errors import ConflictError
from civic.models import Category, Unit
from civic.pagination import KnownCountPagination
from civic.throttling import WindowScopedRateThrottle

from .. import privacy, rules, selectors, services
from ..errors import IdempotencyKeyReused, NotAllowed
from ..models import Case, Channel, IntakeKey, PersonalDataAccess, RequestState
from . import serializers as s
from .filters import CaseFilter

# A searched list's `count` stops here (its newest this many matches are paged).
SEARCH_COUNT_CAP = 1000

ERRORS = {
    400: OpenApiResponse(
        s.ErrorSerializer, description="Invalid input (field messages in extra.fields)"
    ),
    401: OpenApiResponse(s.ErrorSerializer, description="Not authenticated"),
    403: OpenApiResponse(s.ErrorSerializer, description="Not allowed"),
    404: OpenApiResponse(s.ErrorSerializer, description="Not found (or not visible to you)"),
    409: OpenApiResponse(
        s.ErrorSerializer, description="Illegal transition or someone acted first"
    ),
    429: OpenApiResponse(
        s.ErrorSerializer, description="Too many requests (Retry-After, extra.retry_after)"
    ),
}


def _errors(*codes):
    return {code: ERRORS[code] for code in codes}


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _intake_key_scope(request) -> str:
    """Whose Idempotency-Key this is: the account, or for a caller without one the address
    (as an HMAC: idempotency rows keep no address in clear)."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    address = salted_hmac("cases.intake-key", client_address(request), algorithm="sha256")
    return f"addr:{address.hexdigest()}"


def _intake_fingerprint(data: dict) -> str:
    """The validated request, hashed: a retry matches however its JSON was laid out."""
    plain = {k: v.pk if isinstance(v, models.Model) else v for k, v in data.items()}
    text = json.dumps(plain, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _intake_replay(*, scope: str, key: str, fingerprint: str) -> Response | None:
    """The answer to a retry of a request this client already made with `key`, if any."""
    existing = IntakeKey.objects.filter(scope=scope, key=key).select_related("case").first()
    if existing is None:
        return None
    if existing.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was already used for a different request."),
            extra={"header": "Idempotency-Key"},
        )
    # The same request again (a retry): the same case, never a duplicate. The access code is
    # not stored in clear, so a retry cannot show it again.
    return Response(
        {"number": existing.case.number, "access_code": "", "status": existing.case.status},
        status=status.HTTP_200_OK,
    )


@extend_schema_view(
    list=extend_schema(
        summary="Cases visible to you", responses={200: s.CaseSerializer(many=True), **_errors(401)}
    ),
    retrieve=extend_schema(
        summary="One case by number", responses={200: s.CaseSerializer, **_errors(401, 404)}
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.CaseSerializer
    lookup_field = "number"
    lookup_value_regex = r"\d{8,20}"
    filterset_class = CaseFilter
    ordering_fields = ["received_at", "handle_due_at", "number"]
    ordering = ["-received_at"]
    pagination_class = KnownCountPagination
    # Query parameters that do not narrow the list (the index-only count stays exact).
    UNFILTERED_PARAMS = frozenset({"page", "page_size", "ordering", "format"})

    @cached_property
    def visibility(self) -> selectors.Visibility:
        # Decided once per request: the list and its total both need it.
        return selectors.visibility_of(self.request.user)

    def get_queryset(self):
        return selectors.cases_visible_to(self.request.user, self.visibility)

    def paginate_queryset(self, queryset):
        # A page's categories, regions and units come from memory (civic.catalogue), not joins.
        queryset = queryset.select_related(None)
        page = super().paginate_queryset(self._newest_first(queryset) or queryset)
        return None if page is None else catalogue.attach(page, "category", "region", "lead_unit")

    @cached_property
    def _plain_list(self) -> bool:
        """The list without filter parameters (paged, perhaps reordered)."""
        return self.action == "list" and not set(self.request.query_params) - self.UNFILTERED_PARAMS

    def _newest_first(self, queryset) -> selectors.UnitCasesNewestFirst | None:
        """The plain list of one unit's staff (no filter, newest first) pages through the
        unit's assignments index instead of the cases (see UnitCasesNewestFirst)."""
        visibility = self.visibility
        if (
            not self._plain_list
            or self.request.query_params.get("ordering", "-received_at") != "-received_at"
            or visibility.kind != selectors.Visibility.UNITS
            or len(visibility.unit_ids) != 1
        ):
            return None
        (unit_id,) = visibility.unit_ids
        return selectors.UnitCasesNewestFirst(queryset, unit_id, total=self.known_count())

    def filter_queryset(self, queryset):
        # The list's filters are for the list: a case's own URL finds it whatever the query
        # string holds (DRF's get_object would apply them too).
        if self.action != "list":
            return queryset
        # Without filter parameters the FilterSet changes nothing, but building and validating
        # its form took 3 ms of every plain list request; ordering still applies.
        if not self._plain_list:
            return super().filter_queryset(queryset)
        for backend in self.filter_backends:
            if not issubclass(backend, DjangoFilterBackend):
                queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def known_count(self) -> int | None:
        """The unfiltered list's total without counting the cases (see civic.pagination)."""
        return self._known_count

    @cached_property
    def _known_count(self) -> int | None:
        if self._plain_list:
            return selectors.visible_case_count(self.request.user, self.visibility)
        if self.action == "list" and self.request.query_params.get("search"):
            return self._search_count()
        return None

    def _search_count(self) -> int | None:
        """A searched list counts its matches up to SEARCH_COUNT_CAP (its newest that many
        are paged): a common word is in a tenth of a million titles, and counting them all
        took 0.4–0.8 s. The count takes the index form of the search (case_search's
        `counting`). Invalid filters count nothing here (the list answers 400)."""
        filterset = self.filterset_class(
            self.request.query_params, queryset=self.get_queryset(), request=self.request
        )
        filterset.counting = True
        if not filterset.is_valid():
            return None
        return min(filterset.qs.order_by()[: SEARCH_COUNT_CAP + 1].count(), SEARCH_COUNT_CAP)

    def get_permissions(self):
        if self.action == "create":
            return [permissions.AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        if self.action == "create":
            self.throttle_scope = "intake"
            return [WindowScopedRateThrottle()]
        return super().get_throttles()

    def _case(self) -> Case:
        return self.get_object()

    def _done(self, case: Case, code=status.HTTP_200_OK) -> Response:
        case = Case.objects.select_related("category", "region", "lead_unit").get(pk=case.pk)
        return Response(self._serialize(case), status=code)

    def _serialize(self, case: Case) -> dict:
        revealed = privacy.reveal_personal_data(
            self.request, case, surface=PersonalDataAccess.Surface.API
        )
        context = {"request": self.request, "revealed_case_ids": {case.pk} if revealed else ()}
        return s.CaseSerializer(case, context=context).data

    def retrieve(self, request, *args, **kwargs):
        return Response(self._serialize(self.get_object()))

    @extend_schema(
        summary="File a case (residents, anonymous callers, operators)",
        request=s.CaseCreateInput,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description=(
                    "Retrying with the same key returns the same case. A key is the client's "
                    "own (the account, else the address): the same key with a different "
                    "request is a 422"
                ),
            )
        ],
        responses={
            201: s.CaseCreatedSerializer,
            200: s.CaseCreatedSerializer,
            **_errors(400),
            422: OpenApiResponse(
                s.ErrorSerializer, description="Idempotency-Key already used for another request"
            ),
        },
    )
    def create(self, request):
        data = _valid(s.CaseCreateInput, request)
        key = (request.headers.get("Idempotency-Key") or "").strip()[:100]
        if "\x00" in key:
            raise ValidationError({"Idempotency-Key": ["Invalid key."]})
        if key:
            # A key is the client's own: another client's identical key is another request.
            scope, fingerprint = _intake_key_scope(request), _intake_fingerprint(data)
            replay = _intake_replay(scope=scope, key=key, fingerprint=fingerprint)
            if replay is not None:
                return replay
        user = request.user if request.user.is_authenticated else None
        staff = user is not None and roles.is_centre_staff(user)
        # With a key, the case and its key commit together (a racing retry hits the unique key);
        # without one, case_create's own transaction is all there is (no extra savepoint).
        together = transaction.atomic() if key else contextlib.nullcontext()
        try:
            with together:
                created = services.case_create(
                    actor=user,
                    channel=Channel.HOTLINE if staff else Channel.APP,
                    kind=data["kind"],
                    category=data["category"],
                    title=data["title"],
                    description=data["description"],
                    region=data.get("region"),
                    address=data["address"],
                    lat=data.get("lat"),
                    lng=data.get("lng"),
                    urgency=data.get("urgency") if staff else None,
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    reporter_email=data["reporter_email"],
                    anonymous=data["anonymous"],
                )
                if key:
                    IntakeKey.objects.create(
                        scope=scope, key=key, fingerprint=fingerprint, case=created.case
                    )
        except IntegrityError:
            # A concurrent retry by the same client stored the key first.
            replay = _intake_replay(scope=scope, key=key, fingerprint=fingerprint) if key else None
            if replay is None:
                raise
            return replay
        return Response(
            {
                "number": created.case.number,
                "access_code": created.access_code,
                "status": created.case.status,
            },
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="The case's audit trail",
        responses={200: s.CaseEventSerializer(many=True), **_errors(401, 404)},
    )
    @action(detail=True, methods=["get"])
    def events(self, request, number=None):
        # The reporter reads what their case page shows; staff read the whole trail.
        events = selectors.events_visible_to(request.user, self._case())
        return Response(s.CaseEventSerializer(events, many=True).data)

    @extend_schema(
        summary="Units working on the case",
        responses={200: s.AssignmentSerializer(many=True), **_errors(401, 404)},
    )
    @action(detail=True, methods=["get"])
    def assignments(self, request, number=None):
        return Response(
            s.AssignmentSerializer(self._case().assignments.select_related("unit"), many=True).data
        )

    @extend_schema(
        summary="Replies to the resident",
        responses={200: s.ReplySerializer(many=True), **_errors(401, 404)},
    )
    @action(detail=True, methods=["get"])
    def replies(self, request, number=None):
        return Response(
            s.ReplySerializer(self._case().replies.select_related("unit"), many=True).data
        )

    @extend_schema(
        summary="Revisits", responses={200: s.RevisitSerializer(many=True), **_errors(401, 404)}
    )
    @action(detail=True, methods=["get"], url_path="revisits")
    def revisits_list(self, request, number=None):
        return Response(s.RevisitSerializer(self._case().revisits.all(), many=True).data)

    @extend_schema(
        summary="Proposed lead unit (rules: street-level → the street, else the department)",
        responses={200: s.RouteProposalSerializer, **_errors(401, 403, 404)},
    )
    @action(detail=True, methods=["get"], url_path="route-proposal")
    def route_proposal(self, request, number=None):
        case = self._case()
        if not rules.can_dispatch_case.test(request.user, case):
            raise NotAllowed("Only the hotline centre dispatches cases.")
        proposal = selectors.route_proposal_explained(category=case.category, region=case.region)
        unit = proposal.unit
        return Response(
            {
                "unit": s.UnitSerializer(unit).data if unit else None,
                "rule": proposal.rule,
                "rule_label": proposal.rule_label,
                "basis": proposal.basis,
            }
        )

    # --- transitions: one endpoint, one service ------------------------------------------------

    def _post(self, input_class, call):
        data = _valid(input_class, self.request) if input_class else {}
        case = self._case()
        call(case, data)
        return self._done(case)

    @extend_schema(
        summary="Close at intake (answered on the spot, or not dispatched)",
        request=s.CloseInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, number=None):
        return self._post(
            s.CloseInput,
            lambda c, d: services.case_close_without_dispatch(
                actor=request.user,
                case=c,
                outcome=d["outcome"],
                note=d["note"],
                duplicate_of=d.get("duplicate_of"),
            ),
        )

    @extend_schema(
        summary="Dispatch to the lead unit (+ co-units)",
        request=s.DispatchInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_case(self, request, number=None):
        return self._post(
            s.DispatchInput,
            lambda c, d: services.case_dispatch(
                actor=request.user,
                case=c,
                lead_unit=d["lead_unit"],
                co_units=d["co_units"],
                note=d["note"],
                category=d.get("category"),
            ),
        )

    @extend_schema(
        summary="Move the case to another lead unit (dispatcher)",
        request=s.RedispatchInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def redispatch(self, request, number=None):
        return self._post(
            s.RedispatchInput,
            lambda c, d: services.case_redispatch(
                actor=request.user,
                case=c,
                lead_unit=d["lead_unit"],
                note=d["note"],
                category=d.get("category"),
            ),
        )

    @extend_schema(
        summary="Sign for the case (lead unit)",
        request=None,
        responses={200: s.CaseSerializer, **_errors(403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, number=None):
        return self._post(None, lambda c, d: services.case_sign(actor=request.user, case=c))

    @extend_schema(
        summary="The unit contacted the resident",
        request=s.NoteInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def contact(self, request, number=None):
        return self._post(
            s.NoteInput,
            lambda c, d: services.case_contact(actor=request.user, case=c, note=d["note"]),
        )

    @extend_schema(
        summary="Reply to the resident",
        request=s.ReplyInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, number=None):
        return self._post(
            s.ReplyInput,
            lambda c, d: services.case_reply(
                actor=request.user, case=c, text=d["text"], result=d["result"]
            ),
        )

    @extend_schema(
        summary="Ask to return the case (退单)",
        request=s.ReturnInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_request(self, request, number=None):
        return self._post(
            s.ReturnInput,
            lambda c, d: services.return_request_create(
                actor=request.user,
                case=c,
                reason=d["reason"],
                suggested_unit=d.get("suggested_unit"),
            ),
        )

    @extend_schema(
        summary="Decide the pending return (dispatcher)",
        request=s.ReturnDecisionInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="return/decide")
    def return_decide(self, request, number=None):
        def call(case, d):
            pending = case.return_requests.filter(state=RequestState.PENDING).first()
            if pending is None:
                raise ConflictError("There is no pending return request.")
            services.return_request_decide(
                actor=request.user,
                return_request=pending,
                accept=d["accept"],
                new_unit=d.get("new_unit"),
                note=d["note"],
            )

        return self._post(s.ReturnDecisionInput, call)

    @extend_schema(
        summary="Ask for an extension (延期)",
        request=s.ExtensionInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def extension(self, request, number=None):
        return self._post(
            s.ExtensionInput,
            lambda c, d: services.extension_request_create(
                actor=request.user,
                case=c,
                reason=d["reason"],
                extra_working_days=d["extra_working_days"],
                resident_informed=d["resident_informed"],
            ),
        )

    @extend_schema(
        summary="Decide the pending extension (dispatcher)",
        request=s.ExtensionDecisionInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="extension/decide")
    def extension_decide(self, request, number=None):
        def call(case, d):
            pending = case.extension_requests.filter(state=RequestState.PENDING).first()
            if pending is None:
                raise ConflictError("There is no pending extension request.")
            services.extension_request_decide(
                actor=request.user, extension_request=pending, approve=d["approve"], note=d["note"]
            )

        return self._post(s.ExtensionDecisionInput, call)

    @extend_schema(
        summary="Add a co-unit",
        request=s.CoUnitInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="co-units")
    def co_units(self, request, number=None):
        return self._post(
            s.CoUnitInput,
            lambda c, d: services.co_unit_add(
                actor=request.user, case=c, unit=d["unit"], note=d["note"]
            ),
        )

    @extend_schema(
        summary="A co-unit reports its result to the lead",
        request=s.RequiredNoteInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="co-units/report")
    def co_unit_report(self, request, number=None):
        def call(case, d):
            mine = roles.unit_ids_of(request.user, roles.HANDLING_ROLES)
            assignment = case.assignments.filter(
                role="co", state="active", unit_id__in=mine
            ).first()
            if assignment is None:
                raise ConflictError("Your unit has no open co-unit assignment on this case.")
            services.co_unit_report(actor=request.user, assignment=assignment, note=d["note"])

        return self._post(s.RequiredNoteInput, call)

    @extend_schema(
        summary="Answer the revisit (resident) or record it (centre)",
        request=s.RevisitInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def revisit(self, request, number=None):
        return self._post(
            s.RevisitInput,
            lambda c, d: services.revisit_record(
                actor=request.user,
                case=c,
                contacted=d["contacted"],
                resolved=d["resolved"],
                satisfaction=d["satisfaction"],
                method=d["method"],
                comment=d["comment"],
                reopen=d["reopen"],
            ),
        )

    @extend_schema(
        summary="Reopen (resident unsatisfied)",
        request=s.ReopenInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, number=None):
        return self._post(
            s.ReopenInput,
            lambda c, d: services.case_reopen(actor=request.user, case=c, reason=d["reason"]),
        )

    @extend_schema(
        summary="Exempt from or include in assessment (dispatcher)",
        request=s.AssessableInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def assessable(self, request, number=None):
        return self._post(
            s.AssessableInput,
            lambda c, d: services.case_set_assessable(
                actor=request.user, case=c, assessable=d["assessable"], reason=d["reason"]
            ),
        )

    @extend_schema(
        summary="Add a working note",
        request=s.RequiredNoteInput,
        responses={200: s.CaseSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, number=None):
        return self._post(
            s.RequiredNoteInput,
            lambda c, d: services.case_note_add(actor=request.user, case=c, note=d["note"]),
        )


@extend_schema_view(
    list=extend_schema(summary="Categories (filter by level, parent)"),
    retrieve=extend_schema(summary="One category"),
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CategorySerializer
    permission_classes = [permissions.AllowAny]
    filterset_fields = ["level", "parent", "handling_level"]
    queryset = Category.objects.filter(active=True).order_by("path")


@extend_schema_view(
    list=extend_schema(summary="Units (filter by kind, peer group)"),
    retrieve=extend_schema(summary="One unit"),
)
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.UnitSerializer
    filterset_fields = ["kind", "peer_group"]
    queryset = Unit.objects.filter(active=True).order_by("kind", "code")


class TrackView(APIView):
    """Follow a case without an account: number + access code. Throttled per client, and
    limited per client and per case number like the tracking page (case_track_lookup)."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [WindowScopedRateThrottle]
    throttle_scope = "tracking"

    @extend_schema(
        summary="Track a case by number and access code",
        request=s.TrackInput,
        responses={200: s.CaseSerializer, **_errors(400, 404, 429)},
    )
    def post(self, request):
        data = _valid(s.TrackInput, request)
        # One answer (404) for an unknown number and a wrong code; 429 over either limit.
        case = services.case_track_lookup(
            number=data["number"],
            access_code=data["access_code"],
            client=client_address(request),
        )
        # A code proves the right to follow the case, not an identity: personal data stays masked.
        payload = s.CaseSerializer(case).data
        payload["replies"] = s.ReplySerializer(case.replies.select_related("unit"), many=True).data
        return Response(payload)


class TokenView(APIView):
    """Exchange username and password for an API token (throttled like logins)."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [WindowScopedRateThrottle]
    throttle_scope = "tracking"

    @extend_schema(
        summary="Get an API token",
        request=s.TokenInput,
        responses={200: s.TokenOutput, **_errors(400)},
    )
    def post(self, request):
        data = _valid(s.TokenInput, request)
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise ValidationError({"non_field_errors": ["Wrong username or password."]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
