"""Reads for the boards: published runs, boards per peer group, trends, anonymised drill-down."""

import datetime as dt
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from django.core.cache import cache
from django.core.paginator import Page
from django.db.models import Q
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS

from cases.models import Assignment
from cases.rules import VISIBLE_ASSIGNMENT_STATES
from cases.selectors import cases_public
from civic import roles
from civic.models import Unit
from civic.pagination import windowed_page
from civic.roles import HANDLING_ROLES, Role

from .models import AssessmentRun, UnitScore
from .services import month_bounds, parse_month


def can_manage(user) -> bool:
    return bool(user and user.is_authenticated and (roles.is_dispatcher(user) or user.is_superuser))


def runs_visible_to(user):
    qs = AssessmentRun.objects.select_related("policy")
    if can_manage(user):
        return qs
    return qs.filter(status=AssessmentRun.Status.PUBLISHED)


def published_months() -> list[dt.date]:
    return list(
        AssessmentRun.objects.filter(status=AssessmentRun.Status.PUBLISHED)
        .order_by("-month")
        .values_list("month", flat=True)
        .distinct()
    )


def latest_published_run(month=None) -> AssessmentRun | None:
    qs = AssessmentRun.objects.filter(status=AssessmentRun.Status.PUBLISHED).select_related(
        "policy"
    )
    if month is not None:
        qs = qs.filter(month=parse_month(month))
    return qs.order_by("-month", "-revision").first()


def newer_draft(run: AssessmentRun) -> AssessmentRun | None:
    return (
        AssessmentRun.objects.filter(
            month=run.month, revision__gt=run.revision, status=AssessmentRun.Status.DRAFT
        )
        .order_by("-revision")
        .first()
    )


@dataclass
class GroupBoard:
    peer_group: str
    label: str
    red: list = field(default_factory=list)
    black: list = field(default_factory=list)
    ranked: list = field(default_factory=list)
    too_few: list = field(default_factory=list)
    red_tie_extended: bool = False
    black_tie_extended: bool = False


def boards(run: AssessmentRun) -> list[GroupBoard]:
    labels = dict(Unit.PeerGroup.choices)
    groups: dict[str, GroupBoard] = {}
    n = run.policy.board_size
    for s in run.scores.select_related("unit").order_by("peer_group", "rank", "unit__name"):
        g = groups.setdefault(s.peer_group, GroupBoard(s.peer_group, labels.get(s.peer_group, "")))
        if not s.ranked:
            g.too_few.append(s)
            continue
        g.ranked.append(s)
        if s.board == UnitScore.Board.RED:
            g.red.append(s)
        elif s.board == UnitScore.Board.BLACK:
            g.black.append(s)
    for g in groups.values():
        g.black.sort(key=lambda s: (s.score, s.unit.name))
        g.red_tie_extended = len(g.red) > min(n, len(g.ranked) // 2)
        g.black_tie_extended = len(g.black) > min(n, len(g.ranked) // 2)
    order = [p for p, _label in Unit.PeerGroup.choices]
    return sorted(groups.values(), key=lambda g: order.index(g.peer_group))


# The rendered boards of a run (assessment.views) are cached: a run's scores are written once
# by assessment_compute, and a board of 140 units took 150–400 ms to render on every visit.
# The key carries a generation that every edit which could change the rendering bumps (a unit's
# name, a policy, a score or run edited in the admin: assessment.receivers), so an edit shows at
# once; the timeout only bounds what a lost bump could leave.
RENDERED_BOARDS_SECONDS = 3600
_GENERATION_KEY = "assessment:boards:generation"


def rendered_boards_key(run: AssessmentRun, language: str) -> str:
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        # A new generation rather than 0: fragments cached under an evicted one stay unused.
        cache.add(_GENERATION_KEY, time.time_ns(), None)
        generation = cache.get(_GENERATION_KEY, 0)
    return f"assessment:boards:{run.pk}:{generation}:{language}"


def forget_rendered_boards() -> None:
    cache.set(_GENERATION_KEY, time.time_ns(), None)


def unit_trend(unit: Unit, until=None, months: int = 12) -> list[UnitScore | None]:
    """The unit's score in the latest published revision of each of the last `months` months."""
    last = latest_published_run() if until is None else None
    end = parse_month(until) if until is not None else (last.month if last else None)
    if end is None:
        return []
    wanted = []
    m = end
    for _i in range(months):
        wanted.append(m)
        m = (m - dt.timedelta(days=1)).replace(day=1)
    wanted.reverse()
    rows = (
        UnitScore.objects.filter(
            unit=unit, run__status=AssessmentRun.Status.PUBLISHED, run__month__in=wanted
        )
        .select_related("run")
        .order_by("run__month", "-run__revision")
    )
    by_month: dict[dt.date, UnitScore] = {}
    for r in rows:
        by_month.setdefault(r.run.month, r)
    return [(m, by_month.get(m)) for m in wanted]


def trend_svg(points: list, width: int = 600, height: int = 230) -> dict:
    """Coordinates for a server-drawn SVG line chart of scores (0–100).

    Month labels carry the year (YYYY-MM): twelve months often span two years. They are
    slanted (see `label_y`) so twelve of them fit the width."""
    pad = 30
    left = 50  # the first slanted label reaches left of its point
    bottom = 60  # room under the axis for the slanted YYYY-MM labels
    n = max(len(points), 1)
    step = (width - left - pad) / max(n - 1, 1)
    dots, labels = [], []
    for i, (month, score) in enumerate(points):
        x = round(left + i * step, 1)
        labels.append({"x": x, "text": f"{month:%Y-%m}"})
        if score is not None and score.score is not None:
            y = round(height - bottom - float(score.score) / 100 * (height - bottom - pad), 1)
            dots.append({"x": x, "y": y, "value": score.score, "month": f"{month:%Y-%m}"})
    return {
        "width": width,
        "height": height,
        "polyline": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "dots": dots,
        "labels": labels,
        "base_y": height - bottom + 14,
        "axis_y": height - bottom,
        "top_y": pad,
        "left_x": left,
        "right_x": width - pad,
    }


def _case_links(viewer, case_ids: list[int]) -> tuple[bool, set[int]]:
    """Which staff page the viewer may open: centre staff open every case's centre page; unit
    staff the unit page of the cases assigned to one of their units (the rule of
    `cases.rules.is_member_of_assigned_unit`). Everyone else gets the public page."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False, set()
    if roles.is_centre_staff(viewer):
        return True, set()
    mine = roles.unit_ids_of(viewer, (*HANDLING_ROLES, Role.VIEWER))
    if not mine or not roles.has_role(viewer, *HANDLING_ROLES):
        return False, set()
    own = Assignment.objects.filter(
        case_id__in=case_ids, unit_id__in=mine, state__in=VISIBLE_ASSIGNMENT_STATES
    ).values_list("case_id", flat=True)
    return False, set(own)


def _unit_cases_qs(unit: Unit, month):
    """The unit's lead cases dispatched in the month that the public may see, oldest first.

    Reads the unit's lead assignments of the month, then each case by its key. At 1M cases the
    first step wants an index of the cases app (issue 27, not a migration of this app):
    cases_assignment (unit_id, dispatched_at) INCLUDE (case_id) WHERE role = 'lead' AND state
    IN ('active', 'done'); without it PostgreSQL reads every assignment the unit ever had."""
    start, end = month_bounds(parse_month(month))
    ids = Assignment.objects.filter(
        unit=unit,
        role=Assignment.Role.LEAD,
        dispatched_at__gte=start,
        dispatched_at__lt=end,
    ).filter(Q(state=Assignment.State.ACTIVE) | Q(state=Assignment.State.DONE))
    return (
        cases_public()
        .filter(pk__in=ids.values("case_id"))
        .select_related("category")
        .only(*CASE_ROW_FIELDS)
        .order_by("dispatched_at", "number")
    )


# What a row of the list shows: the case's wide columns (description, address …) stay unread.
CASE_ROW_FIELDS = (
    "number",
    "status",
    "received_at",
    "dispatched_at",
    "contacted_at",
    "closed_at",
    "assessable",
    "category__name",
)


def _case_rows(cases: list, viewer) -> list[dict]:
    centre, own = _case_links(viewer, [c.pk for c in cases])
    name = "cases:centre_case" if centre else None
    # One reverse() per kind of link, not per row (a busy unit's month is thousands of rows):
    # the number is quoted as reverse() quotes a path argument.
    prefixes = {
        n: reverse(n, kwargs={"number": "0"})[: -len("0/")]
        for n in ("cases:centre_case", "cases:unit_case", "cases_public:detail")
    }

    def url(c) -> str:
        kind = name or ("cases:unit_case" if c.pk in own else "cases_public:detail")
        return f"{prefixes[kind]}{quote(c.number, safe=RFC3986_SUBDELIMS + '/~:@')}/"

    return [
        {
            "number": c.number,
            "url": url(c),
            "category": c.category.name if c.category_id else "",
            "status": c.get_status_display(),
            "received_at": c.received_at,
            "dispatched_at": c.dispatched_at,
            "contacted_at": c.contacted_at,
            "closed_at": c.closed_at,
            "assessable": c.assessable,
        }
        for c in cases
    ]


def unit_cases(unit: Unit, month, viewer=None) -> list[dict]:
    """Anonymised cases of the unit in the month: number, category, status, dates only, and
    the link the viewer may follow (`url`: a staff page they may open, else the public page).
    Every case of the month: the exports; the page shows them a page at a time
    (`unit_cases_page`).

    The boards are public: only cases the public may see are listed (`cases_public`); the
    scores still count every case."""
    return _case_rows(list(_unit_cases_qs(unit, month)), viewer)


UNIT_CASES_PER_PAGE = 50


def unit_cases_page(
    unit: Unit, month, *, viewer=None, page=1, per_page: int | None = None
) -> tuple[Page, list[dict]]:
    """Page `page` of `unit_cases`, its total from the same query (`windowed_page`): a busy
    unit's month is over a thousand cases, which took 1.5 s to render on one page."""
    per_page = per_page or UNIT_CASES_PER_PAGE
    found = windowed_page(_unit_cases_qs(unit, month), page, per_page)
    return found, _case_rows(list(found.object_list), viewer)
