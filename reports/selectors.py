"""The monthly analysis report's figures, and who may read and generate which report.

Every figure is computed for the cases whose place lies in the region (materialised path), over
one month and the one before; the 三率, ranks and boards are read from the month's published
assessment run, so the report shows exactly what the boards show.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Avg, Count, Q

from assessment import selectors as assessment_selectors
from assessment.models import UnitScore
from cases.masking import scrub_text
from cases.models import Case, Status
from civic import calendar, roles
from civic.models import Region, User
from patrol.selectors import patrol_stats_within
from themes import selectors as theme_selectors
from themes.models import ProactiveSuggestion, Theme
from whistles.models import Whistle, WhistleSummons

from .models import MonthlyReport

REPORT_LEVELS = (
    Region.Level.CITY,
    Region.Level.DISTRICT,
    Region.Level.STREET,
    Region.Level.TOWNSHIP,
)
GREW_MOST = 5
GREW_MIN_CASES = 2  # a category needs this many cases this month to be among those that grew
EXAMPLES = 2
RATES = ("response_rate", "resolution_rate", "satisfaction_rate")
READER_ROLES = (roles.Role.VIEWER, roles.Role.STREET_OFFICIAL)
CENTRE_ROLES = (roles.Role.DISPATCHER, roles.Role.OPERATOR)


# --- who ------------------------------------------------------------------------------------


def scope_of(user: User) -> list[str] | None:
    """Region paths whose reports the user may read (None: every report)."""
    if user.is_superuser or roles.has_role(user, *CENTRE_ROLES):
        return None
    return [
        u.jurisdiction.path
        for u in roles.units_of(user, READER_ROLES)
        if u.jurisdiction_id is not None
    ]


def may_use_reports(user: User) -> bool:
    return bool(user.is_authenticated and (scope_of(user) is None or scope_of(user)))


def may_read_region(user: User, region: Region) -> bool:
    scope = scope_of(user)
    return scope is None or any(region.path.startswith(path) for path in scope)


def _within(field: str, scope: list[str] | None) -> Q:
    if scope is None:
        return Q()
    q = Q(pk__in=[])
    for path in scope:
        q |= Q(**{f"{field}__startswith": path})
    return q


def reports_visible_to(user: User):
    return (
        MonthlyReport.objects.filter(_within("region__path", scope_of(user)))
        .select_related("region")
        .order_by("-month", "region__path", "-revision")
    )


def report_regions_for(user: User):
    """Regions the user may have a report of: the city, districts and streets in scope."""
    return Region.objects.filter(_within("path", scope_of(user)), level__in=REPORT_LEVELS).order_by(
        "path"
    )


def latest_reports(user: User, limit: int = 200) -> list[MonthlyReport]:
    """The newest revision of each month and region the user may read."""
    seen: set[tuple] = set()
    latest = []
    for report in reports_visible_to(user)[: limit * 3]:
        key = (report.month, report.region_id)
        if key not in seen:
            seen.add(key)
            latest.append(report)
    return latest[:limit]


# --- figures --------------------------------------------------------------------------------


def _growth(this: int, last: int) -> float | None:
    return round((this - last) / last, 4) if last else None


def _counts(qs, field: str) -> Counter:
    return Counter(dict(qs.values_list(field).annotate(n=Count("id")).order_by()))


def _volumes(here, month: dt.date) -> dict:
    start, end = calendar.month_bounds(month)
    last_start, _last_end = calendar.month_bounds(calendar.previous_month(month))
    this = here.filter(received_at__gte=start, received_at__lt=end)
    last = here.filter(received_at__gte=last_start, received_at__lt=start)
    channels_this, channels_last = _counts(this, "channel"), _counts(last, "channel")
    tops_this = _counts(this, "category__parent__parent__name")
    tops_last = _counts(last, "category__parent__parent__name")
    seconds_this = _counts(this, "category__parent")
    seconds_last = _counts(last, "category__parent")
    total, total_last = sum(channels_this.values()), sum(channels_last.values())
    grew = sorted(
        (
            (seconds_this[pk] - seconds_last.get(pk, 0), seconds_this[pk], pk)
            for pk in seconds_this
            if seconds_this[pk] >= GREW_MIN_CASES and seconds_this[pk] > seconds_last.get(pk, 0)
        ),
        key=lambda row: (-row[0], -row[1], row[2]),
    )[:GREW_MOST]
    grew_most = []
    for _delta, count, pk in grew:
        examples = list(
            this.filter(category__parent_id=pk)
            .select_related("category__parent__parent")
            .order_by("-received_at")[:EXAMPLES]
        )
        second = examples[0].category.parent
        grew_most.append(
            {
                "name": f"{second.parent.name} / {second.name}" if second.parent else second.name,
                "this": count,
                "last": seconds_last.get(pk, 0),
                # Anonymised: phone numbers, ID numbers, plates and door numbers scrubbed.
                "examples": [
                    {
                        "number": c.number,
                        "title": scrub_text(c.title),
                        "excerpt": scrub_text(c.description)[:80],
                    }
                    for c in examples
                ],
            }
        )
    return {
        "volume": {"this": total, "last": total_last, "growth": _growth(total, total_last)},
        "channels": [
            {"code": code, "this": channels_this.get(code, 0), "last": channels_last.get(code, 0)}
            for code in sorted(set(channels_this) | set(channels_last))
        ],
        "categories": [
            {"name": name, "this": tops_this.get(name, 0), "last": tops_last.get(name, 0)}
            for name in sorted(
                set(tops_this) | set(tops_last), key=lambda n: (-tops_this.get(n, 0), n)
            )
        ],
        "grew_most": grew_most,
        "overdue": {
            "cases": this.filter(is_overdue=True).count(),
            "returned": this.filter(return_count__gt=0).count(),
            "units": [
                {"unit": name, "overdue": n}
                for name, n in this.filter(is_overdue=True, lead_unit__isnull=False)
                .values_list("lead_unit__name")
                .annotate(n=Count("id"))
                .order_by("-n", "lead_unit__name")[:5]
            ],
        },
    }


def _rate(value) -> float | None:
    return None if value is None else float(value)


def _assessment(month: dt.date, region: Region) -> dict:
    run = assessment_selectors.latest_published_run(month)
    if run is None:
        return {"published": False, "rows": [], "red": [], "black": []}
    scores = run.scores.select_related("unit__jurisdiction").order_by(
        "peer_group", "rank", "unit__name"
    )
    if region.level != Region.Level.CITY:
        scores = scores.filter(unit__jurisdiction__path__startswith=region.path)
    rows = [
        {
            "unit": s.unit.name,
            "peer_group": s.peer_group,
            "cases": s.cases,
            "response_rate": _rate(s.response_rate),
            "resolution_rate": _rate(s.resolution_rate),
            "satisfaction_rate": _rate(s.satisfaction_rate),
            "score": _rate(s.score),
            "rank": s.rank,
            "ranked": s.ranked,
            "board": s.board,
        }
        for s in scores
    ]
    # Each rate's mean over the ranked units of the group (the whole board, not only this
    # region's part of it): a board unit's reasons are the rates where it stands apart.
    means: dict[str, dict[str, float]] = {group: {} for group in {r["peer_group"] for r in rows}}
    averages = (
        run.scores.filter(ranked=True, peer_group__in=list(means))
        .values("peer_group")
        .annotate(**{rate: Avg(rate) for rate in RATES})  # NULL rates (no denominator) left out
    )
    for row in averages:
        for rate in RATES:
            if row[rate] is not None:
                means[row["peer_group"]][rate] = round(float(row[rate]), 4)

    def reasons(row, below: bool) -> list[dict]:
        out = []
        for rate in RATES:
            mean, value = means[row["peer_group"]].get(rate), row[rate]
            if mean is None or value is None:
                continue
            if (value < mean) if below else (value > mean):
                out.append({"rate": rate, "value": value, "mean": mean})
        return out

    return {
        "published": True,
        "revision": run.revision,
        "rows": rows,
        "red": [
            {**r, "reasons": reasons(r, below=False)}
            for r in rows
            if r["board"] == UnitScore.Board.RED
        ],
        "black": [
            {**r, "reasons": reasons(r, below=True)}
            for r in rows
            if r["board"] == UnitScore.Board.BLACK
        ],
    }


def _whistles(month: dt.date, region: Region) -> dict:
    start, end = calendar.month_bounds(month)
    whistles = Whistle.objects.filter(
        blown_at__gte=start,
        blown_at__lt=end,
        street__jurisdiction__path__startswith=region.path,
    )
    states = _counts(WhistleSummons.objects.filter(whistle__in=whistles), "state")
    return {
        "blown": whistles.count(),
        "summonses": sum(states.values()),
        **{state: states.get(state, 0) for state in WhistleSummons.State.values},
    }


def _themes(month: dt.date, region: Region) -> list[dict]:
    themes = Theme.objects.filter(month=month).filter(
        Q(region__isnull=True) | Q(region__path__startswith=region.path)
    )
    out = []
    # Progress annotated in one query (themes_with_progress), not two aggregates a theme.
    for theme in sorted(theme_selectors.themes_with_progress(themes), key=lambda t: t.title):
        progress = theme_selectors.progress_of(theme)
        out.append(
            {
                "title": theme.title,
                "status": theme.status,
                "percent": progress.percent,
                "cases_total": progress.cases_total,
                "cases_closed": progress.cases_closed,
                "milestones_overdue": progress.milestones_overdue,
            }
        )
    return out


def _proactive(month: dt.date, region: Region) -> dict:
    suggestions = ProactiveSuggestion.objects.filter(
        month=month, region__path__startswith=region.path
    )
    states = _counts(suggestions, "status")
    return {
        "suggested": sum(states.values()),
        "accepted": states.get(ProactiveSuggestion.Status.ACCEPTED, 0),
        "declined": states.get(ProactiveSuggestion.Status.DECLINED, 0),
        "done": suggestions.filter(
            status=ProactiveSuggestion.Status.ACCEPTED, case__status=Status.CLOSED
        ).count(),
    }


def _patrol(month: dt.date, region: Region) -> dict:
    stats = patrol_stats_within(month=month, scope=[region.path])
    return {
        "patrol": stats.patrol_total,
        "residents": stats.residents_total,
        "share": None if stats.patrol_share is None else round(stats.patrol_share, 4),
        "grids": len(stats.grids),
        "reports": sum(g.reports for g in stats.grids),
        "check_ins": sum(g.check_ins for g in stats.grids),
    }


def report_figures(*, month: dt.date, region: Region) -> dict:
    """Everything the month's report says about the region, JSON-serialisable."""
    month = month.replace(day=1)
    here = Case.objects.filter(region__path__startswith=region.path)
    return {
        "month": f"{month:%Y-%m}",
        "region": {"id": region.pk, "name": region.name, "level": region.level},
        **_volumes(here, month),
        "assessment": _assessment(month, region),
        "whistles": _whistles(month, region),
        "themes": _themes(month, region),
        "proactive": _proactive(month, region),
        "patrol": _patrol(month, region),
    }
