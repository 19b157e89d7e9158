"""Writes for the assessment: compute a draft run, publish it. See docs/assessment.md."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Assignment, Revisit
from civic import roles
from civic.calendar import month_bounds  # also what assessment.services.month_bounds names
from civic.errors import ConflictError, DomainValidationError, PermissionDeniedError
from civic.models import Unit

from .models import AssessmentPolicy, AssessmentRun, UnitScore

RANKED_GROUPS = [
    Unit.PeerGroup.STREETS,
    Unit.PeerGroup.DEPARTMENTS,
    Unit.PeerGroup.ENTERPRISES,
    Unit.PeerGroup.DISTRICTS,
    Unit.PeerGroup.COMMUNITIES,
]
# Districts and communities are listed only when they had cases in the month.
ALWAYS_LISTED = {Unit.PeerGroup.STREETS, Unit.PeerGroup.DEPARTMENTS, Unit.PeerGroup.ENTERPRISES}

RATE_Q = Decimal("0.0001")
SCORE_Q = Decimal("0.01")


def parse_month(value) -> dt.date:
    if isinstance(value, dt.date):
        return value.replace(day=1)
    try:
        return dt.datetime.strptime(str(value), "%Y-%m").date()
    except ValueError as exc:
        raise DomainValidationError(_("Give the month as YYYY-MM.")) from exc


def policy_for(month: dt.date) -> AssessmentPolicy:
    policy = (
        AssessmentPolicy.objects.filter(effective_from__lte=month)
        .order_by("-effective_from")
        .first()
    )
    if policy is None:
        policy, _created = AssessmentPolicy.objects.get_or_create(
            effective_from=dt.date(2000, 1, 1)
        )
    return policy


def month_counts(month: dt.date) -> dict[int, dict]:
    """Two aggregate queries grouped by unit: the counts behind the three rates.

    1. Lead assignments dispatched in the month: active/done count as the unit's cases;
       returned ones are counted apart; replaced ones (the dispatcher moved the case) not at all.
    2. Revisits of those cases for the same unit: only the latest answered one per case and unit
       (no later answered revisit exists), answered before the month's end."""
    start, end = month_bounds(month)
    kept = [Assignment.State.ACTIVE, Assignment.State.DONE]
    counted = Q(state__in=kept, case__assessable=True)
    rows = (
        Assignment.objects.filter(
            role=Assignment.Role.LEAD, dispatched_at__gte=start, dispatched_at__lt=end
        )
        .values("unit_id")
        .annotate(
            cases=Count("case_id", filter=counted, distinct=True),
            exempt=Count(
                "case_id", filter=Q(state__in=kept, case__assessable=False), distinct=True
            ),
            returned=Count("id", filter=Q(state=Assignment.State.RETURNED)),
            responded=Count(
                "case_id",
                filter=counted
                & Q(case__contacted_at__isnull=False, case__contact_due_at__isnull=False)
                & Q(case__contacted_at__lte=F("case__contact_due_at")),
                distinct=True,
            ),
        )
        .order_by()
    )
    result = {row.pop("unit_id"): {**row, **dict.fromkeys(REVISIT_FIELDS, 0)} for row in rows}
    answered = Q(state=Revisit.State.ANSWERED, answered_at__lt=end)
    later = Revisit.objects.filter(answered, case=OuterRef("case"), unit=OuterRef("unit")).filter(
        Q(answered_at__gt=OuterRef("answered_at"))
        | Q(answered_at=OuterRef("answered_at"), id__gt=OuterRef("id"))
    )
    led = Assignment.objects.filter(
        case=OuterRef("case"),
        unit=OuterRef("unit"),
        role=Assignment.Role.LEAD,
        state__in=kept,
        dispatched_at__gte=start,
        dispatched_at__lt=end,
    )
    sat = Revisit.Satisfaction
    revisits = (
        Revisit.objects.filter(answered, case__assessable=True)
        .exclude(satisfaction="")
        .filter(Exists(led))
        .exclude(Exists(later))
        .values("unit_id")
        .annotate(
            revisited=Count("id"),
            resolved=Count("id", filter=Q(resolved=True)),
            satisfied=Count("id", filter=Q(satisfaction=sat.SATISFIED)),
            basically=Count("id", filter=Q(satisfaction=sat.BASICALLY)),
            dissatisfied=Count("id", filter=Q(satisfaction=sat.DISSATISFIED)),
        )
        .order_by()
    )
    for row in revisits:
        result.setdefault(row.pop("unit_id"), {}).update(row)
    return result


REVISIT_FIELDS = ["revisited", "resolved", "satisfied", "basically", "dissatisfied"]


def _rate(num, den) -> Decimal | None:
    if not den:
        return None
    return (Decimal(num) / Decimal(den)).quantize(RATE_Q, ROUND_HALF_UP)


def score_of(counts: dict, policy: AssessmentPolicy) -> dict:
    """Rates and composite score (0–100). A rate with no denominator is left out and the
    remaining weights are rescaled, so a unit with no revisits is scored on response alone."""
    k = policy.basically_credit
    response = _rate(counts["responded"], counts["cases"])
    resolution = _rate(counts["resolved"], counts["revisited"])
    satisfaction = None
    if counts["revisited"]:
        satisfaction = (
            (Decimal(counts["satisfied"]) + k * counts["basically"]) / counts["revisited"]
        ).quantize(RATE_Q, ROUND_HALF_UP)
    parts = [
        (policy.weight_response, response),
        (policy.weight_resolution, resolution),
        (policy.weight_satisfaction, satisfaction),
    ]
    weight = sum((w for w, r in parts if r is not None), Decimal(0))
    score = None
    if weight:
        total = sum((w * r for w, r in parts if r is not None), Decimal(0))
        score = (total / weight * 100).quantize(SCORE_Q, ROUND_HALF_UP)
    return {
        "response_rate": response,
        "resolution_rate": resolution,
        "satisfaction_rate": satisfaction,
        "score": score,
    }


def rank_group(rows: list[UnitScore], policy: AssessmentPolicy) -> None:
    """Competition ranking (1, 1, 3) inside one peer group, then the boards.

    Red = rank ≤ N; black = counted from the bottom the same way. N shrinks to half the ranked
    units (rounded down) in small groups; ties at the edge are all included; a unit on the red
    board is never put on the black board."""
    ranked = [r for r in rows if r.cases >= policy.min_cases and r.score is not None]
    for r in rows:
        r.ranked, r.rank, r.board = False, None, UnitScore.Board.NONE
    scores = [r.score for r in ranked]
    n = min(policy.board_size, len(ranked) // 2)
    for r in ranked:
        r.ranked = True
        r.rank = 1 + sum(1 for s in scores if s > r.score)
        from_bottom = 1 + sum(1 for s in scores if s < r.score)
        if n and r.rank <= n:
            r.board = UnitScore.Board.RED
        elif n and from_bottom <= n:
            r.board = UnitScore.Board.BLACK


def _whistle_timeliness(unit_ids, start, end) -> dict | None:
    try:
        from whistles.selectors import unit_report_timeliness
    except ImportError:
        return None
    return unit_report_timeliness(unit_ids, start, end)


def _whistle_pair(value) -> tuple[int | None, int | None]:
    if isinstance(value, dict):
        # whistles.selectors gives summoned/on_time/late/missed; decided = on time + late + missed
        if "total" in value:
            return value.get("on_time"), value.get("total")
        decided = sum(value.get(k) or 0 for k in ("on_time", "late", "missed"))
        return value.get("on_time"), decided
    try:
        on_time, total = value
    except (TypeError, ValueError):
        return None, None
    return on_time, total


def _check_dispatcher(actor) -> None:
    if actor is not None and not (roles.is_dispatcher(actor) or actor.is_superuser):
        raise PermissionDeniedError(_("Only a dispatcher runs and publishes the assessment."))


def assessment_compute(*, month, actor=None) -> AssessmentRun:
    """Compute a new draft revision for the month. Published runs are never touched."""
    month = parse_month(month)
    _check_dispatcher(actor)
    policy = policy_for(month)
    counts = month_counts(month)
    start, end = month_bounds(month)
    units = Unit.objects.filter(peer_group__in=RANKED_GROUPS).filter(
        Q(pk__in=list(counts)) | Q(peer_group__in=ALWAYS_LISTED, active=True)
    )
    zero = dict.fromkeys(
        [
            "cases",
            "exempt",
            "returned",
            "responded",
            "revisited",
            "resolved",
            "satisfied",
            "basically",
            "dissatisfied",
        ],
        0,
    )
    whistles = _whistle_timeliness([u.pk for u in units], start, end)
    with transaction.atomic():
        last = (
            AssessmentRun.objects.select_for_update()
            .filter(month=month)
            .aggregate(m=Max("revision"))["m"]
        )
        run = AssessmentRun.objects.create(
            month=month,
            revision=(last or 0) + 1,
            policy=policy,
            computed_at=timezone.now(),
            computed_by=actor,
        )
        by_group: dict[str, list[UnitScore]] = {}
        for unit in units:
            c = counts.get(unit.pk, zero)
            row = UnitScore(run=run, unit=unit, peer_group=unit.peer_group, **c)
            for key, value in score_of(c, policy).items():
                setattr(row, key, value)
            if whistles is not None and unit.pk in whistles:
                on_time, total = _whistle_pair(whistles[unit.pk])
                row.whistle_on_time, row.whistle_total = on_time, total
            by_group.setdefault(unit.peer_group, []).append(row)
        for rows in by_group.values():
            rank_group(rows, policy)
        UnitScore.objects.bulk_create([r for rows in by_group.values() for r in rows])
    return run


def assessment_publish(*, run: AssessmentRun, actor) -> AssessmentRun:
    _check_dispatcher(actor)
    with transaction.atomic():
        run = AssessmentRun.objects.select_for_update().get(pk=run.pk)
        if run.status == AssessmentRun.Status.PUBLISHED:
            raise ConflictError(_("This revision is already published."))
        newer = AssessmentRun.objects.filter(
            month=run.month, revision__gt=run.revision, status=AssessmentRun.Status.PUBLISHED
        ).exists()
        if newer:
            raise ConflictError(_("A newer revision of this month is already published."))
        run.status = AssessmentRun.Status.PUBLISHED
        run.published_at = timezone.now()
        run.published_by = actor
        run.save(update_fields=["status", "published_at", "published_by"])
    return run
