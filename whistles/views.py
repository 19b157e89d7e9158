"""Web pages for whistles (吹哨报到). Thin: read with selectors, write with services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import masking
from cases.models import Case
from civic import roles
from civic.errors import ApplicationError, NotFoundError
from civic.models import Unit
from civic.roles import HANDLING_ROLES, Role
from civic.templates import former

from . import services as whistles
from .models import WhistleSummons
from .rules import can_close_whistle
from .selectors import (
    resident_request_get,
    resident_requests_for,
    unit_report_record,
    whistle_board,
    whistle_get_visible,
    whistles_to_report,
    whistles_visible_to,
)


def _pk(value) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if not 0 < pk < 2**31:
        raise Http404
    return pk


def _get(fn, user, pk):
    try:
        return fn(user, _pk(pk))
    except NotFoundError as exc:
        raise Http404 from exc


def _error(request, exc: ApplicationError) -> None:
    messages.error(request, exc.message)
    for msg in exc.extra.values():
        messages.error(request, msg)


def _summonable_units(user):
    """Every unit a street may summon, grouped by kind in the page; never the street itself."""
    own = [u.pk for u in roles.units_of(user, (Role.STREET_OFFICIAL,))]
    return (
        Unit.objects.filter(active=True)
        .exclude(kind=Unit.Kind.CENTRE)
        .exclude(pk__in=own)
        .order_by("kind", "name")
    )


def _summonable_unit_groups(user, chosen: list[str]) -> list[tuple[str, list[tuple]]]:
    """The summonable units as (kind label, [(id, name, checked)]), in the page's order: read as
    plain values and grouped here once (the template's regroup by get_kind_display rebuilt the
    kinds' labels for each of some 450 units, half the page's time)."""
    chosen_ids = set(chosen)
    labels = dict(Unit.Kind.choices)
    groups: dict[str, list[tuple]] = {}
    for pk, name, kind in _summonable_units(user).values_list("pk", "name", "kind"):
        label = str(labels.get(kind, kind))
        groups.setdefault(label, []).append((pk, name, str(pk) in chosen_ids))
    return list(groups.items())


@login_required
def board(request):
    user = request.user
    is_board_user = roles.has_role(user, Role.STREET_OFFICIAL, Role.DISPATCHER)
    ctx = {
        "to_report": whistles_to_report(user) if roles.has_role(user, *HANDLING_ROLES) else [],
        "requests": resident_requests_for(user)[:50],
        "is_board_user": is_board_user,
        "is_street": roles.has_role(user, Role.STREET_OFFICIAL),
        "now": timezone.now(),
    }
    if is_board_user:
        visible = whistles_visible_to(user)
        ctx["open_whistles"] = whistle_board(user).prefetch_related("summonses__unit")
        ctx["record"] = unit_report_record(visible.values("pk"))
        ctx["closed_whistles"] = visible.filter(status="closed")[:20]
    return render(request, former("whistles/board.html", "cases/whistles/board.html"), ctx)


def _case_by_reference(ref: str) -> Case | None:
    """A case by its number (what people read and type), or by its id (older links)."""
    ref = ref.strip()
    if not ref.isdigit() or len(ref) > 20:
        return None
    case = Case.objects.filter(number=ref).first()
    if case is None and int(ref) < 2**31:
        case = Case.objects.filter(pk=int(ref)).first()
    return case


@login_required
def blow(request):
    if not roles.has_role(request.user, Role.STREET_OFFICIAL):
        raise Http404
    case = None
    case_error = None
    case_ref = (request.POST.get("case") or request.GET.get("case") or "").strip()
    if case_ref:
        case = _case_by_reference(case_ref)
        streets = roles.units_of(request.user, (Role.STREET_OFFICIAL,))
        if case is None or not any(
            whistles.may_whistle_on_case(request.user, case, s) for s in streets
        ):
            # The same answer for a case that does not exist and one this street may not see.
            case, case_error = None, _("No case with that number that your street may see.")
    if case_error and request.method == "POST":
        messages.error(request, case_error)
    elif request.method == "POST":
        units = Unit.objects.filter(pk__in=[_pk(u) for u in request.POST.getlist("units")])
        minutes = request.POST.get("report_minutes") or None
        try:
            w = whistles.whistle_blow(
                actor=request.user,
                units=list(units),
                reason=request.POST.get("reason", ""),
                place=request.POST.get("place", ""),
                case=case,
                report_minutes=int(minutes) if minutes and minutes.isdigit() else None,
            )
        except ApplicationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Whistle blown: the summoned units are notified."))
            return redirect("cases:whistle-detail", pk=w.pk)
    from django.conf import settings

    return render(
        request,
        former("whistles/blow.html", "cases/whistles/blow.html"),
        {
            "case": case,
            "case_ref": case_ref,
            "case_error": case_error,
            "unit_groups": _summonable_unit_groups(request.user, request.POST.getlist("units")),
            "default_minutes": settings.WHISTLE_REPORT_MINUTES,
            "form": request.POST,
            "place": request.POST.get("place") or (case.address if case else ""),
        },
    )


@login_required
def detail(request, pk):
    w = _get(whistle_get_visible, request.user, pk)
    mine = roles.unit_ids_of(request.user, HANDLING_ROLES)
    summonses = list(w.summonses.select_related("unit"))
    my_pending = [s for s in summonses if s.unit_id in mine and s.reported_at is None]
    return render(
        request,
        former("whistles/detail.html", "cases/whistles/detail.html"),
        {
            "whistle": w,
            "summonses": summonses,
            "log": w.log.select_related("unit", "author"),
            "my_pending": my_pending,
            "can_close": w.status == "open" and can_close_whistle.test(request.user, w),
            "is_open": w.status == "open",
            "State": WhistleSummons.State,
            "cases": ([w.case] if w.case_id else []) + list(w.extra_cases.all()),
        },
    )


def _post_action(request, pk, fn, success: str):
    w = _get(whistle_get_visible, request.user, pk)
    try:
        fn(w)
    except ApplicationError as exc:
        _error(request, exc)
    else:
        messages.success(request, success)
    return redirect("cases:whistle-detail", pk=w.pk)


@login_required
@require_POST
def report(request, pk):
    def act(w):
        whistles.whistle_report(
            actor=request.user,
            whistle=w,
            reporters=request.POST.get("reporters", ""),
            committed_action=request.POST.get("committed_action", ""),
        )

    return _post_action(request, pk, act, _("Your unit has reported for duty."))


@login_required
@require_POST
def log_add(request, pk):
    return _post_action(
        request,
        pk,
        lambda w: whistles.whistle_log_add(
            actor=request.user, whistle=w, text=request.POST.get("text", "")
        ),
        _("Added to the joint action log."),
    )


@login_required
@require_POST
def close(request, pk):
    return _post_action(
        request,
        pk,
        lambda w: whistles.whistle_close(
            actor=request.user, whistle=w, outcome=request.POST.get("outcome", "")
        ),
        _("Whistle closed."),
    )


@login_required
def resident_request_new(request):
    case = get_object_or_404(
        Case.objects.filter(reporter=request.user), pk=_pk(request.GET.get("case"))
    )
    if request.method == "POST":
        try:
            whistles.resident_whistle_request(
                actor=request.user, case=case, reason=request.POST.get("reason", "")
            )
        except ApplicationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Your request has been sent to the street."))
            return redirect("cases:whistles")
    return render(
        request,
        former("whistles/request_new.html", "cases/whistles/request_new.html"),
        {"case": case},
    )


@login_required
def resident_request_detail(request, pk):
    req = _get(resident_request_get, request.user, pk)
    is_street = req.street_id in roles.unit_ids_of(request.user, (Role.STREET_OFFICIAL,))
    if request.method == "POST" and is_street:
        try:
            if request.POST.get("decision") == "accept":
                units = Unit.objects.filter(pk__in=[_pk(u) for u in request.POST.getlist("units")])
                minutes = request.POST.get("report_minutes") or ""
                w = whistles.resident_whistle_accept(
                    actor=request.user,
                    request=req,
                    units=list(units),
                    place=request.POST.get("place", ""),
                    report_minutes=int(minutes) if minutes.isdigit() else None,
                )
                messages.success(request, _("Request accepted: the whistle is blown."))
                return redirect("cases:whistle-detail", pk=w.pk)
            whistles.resident_whistle_decline(
                actor=request.user, request=req, reason=request.POST.get("decline_reason", "")
            )
            messages.success(request, _("Request declined; the resident is told why."))
            return redirect("cases:whistle-request", pk=req.pk)
        except ApplicationError as exc:
            _error(request, exc)
    return render(
        request,
        former("whistles/request_detail.html", "cases/whistles/request_detail.html"),
        {
            "req": req,
            "is_street": is_street,
            "units": _summonable_units(request.user),
            "chosen_units": request.POST.getlist("units"),
            # The whistle's place is shown to every summoned unit: street level, no door number.
            "place_suggestion": masking.mask_address(req.case.address).rstrip("*"),
        },
    )
