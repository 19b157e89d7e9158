"""What grid workers find: per grid and per street, for those who may see that part of the city."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from cases.models import Case, Channel
from civic import calendar, roles
from civic.models import Region, User

from .models import PatrolCheckIn, PatrolReport

# Channels through which residents themselves report (the patrol's comparison).
RESIDENT_CHANNELS = (
    Channel.HOTLINE,
    Channel.WEB,
    Channel.APP,
    Channel.OPEN311,
    Channel.WECHAT,
    Channel.ENTERPRISE_LINE,
)
STATS_ROLES = (roles.Role.DISPATCHER, roles.Role.OPERATOR)
SCOPED_ROLES = (roles.Role.STREET_OFFICIAL, roles.Role.VIEWER)


def grids_of(worker: User):
    return Region.objects.filter(
        grid_assignments__worker=worker, grid_assignments__active=True
    ).select_related("parent")


def recent_reports_of(worker: User, limit: int = 10):
    return (
        PatrolReport.objects.filter(worker=worker)
        .select_related("case__category", "case__lead_unit", "grid")
        .order_by("-at")[:limit]
    )


def may_see_stats(user: User) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or roles.has_role(user, *STATS_ROLES, *SCOPED_ROLES))
    )


def stats_scope(user: User) -> list[str] | None:
    """Region paths the user's statistics cover; None for the whole city."""
    if user.is_superuser or roles.has_role(user, *STATS_ROLES):
        return None
    paths = [
        u.jurisdiction.path
        for u in roles.units_of(user, SCOPED_ROLES)
        if getattr(u, "jurisdiction", None) is not None
    ]
    return paths


def _within(field: str, paths: list[str] | None) -> Q:
    if paths is None:
        return Q()
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


@dataclass(frozen=True)
class GridRow:
    grid: Region
    street: Region | None
    workers: int
    reports: int
    check_ins: int
    reports_per_week: float
    check_ins_per_week: float
    # Problems of the month first found on patrol / first reported by residents in this grid.
    patrol: int = 0
    residents: int = 0
    # The grid shares its community with other grids: residents' cases that name only the
    # community belong to no grid, so `residents` holds only those placed on the grid itself.
    residents_partial: bool = False

    @property
    def patrol_share(self) -> float | None:
        total = self.patrol + self.residents
        return self.patrol / total if total else None


@dataclass(frozen=True)
class StreetRow:
    street: Region
    patrol: int
    residents: int

    @property
    def patrol_share(self) -> float | None:
        total = self.patrol + self.residents
        return self.patrol / total if total else None


@dataclass(frozen=True)
class PatrolStats:
    month: dt.date
    grids: list[GridRow]
    streets: list[StreetRow]

    @property
    def patrol_total(self) -> int:
        return sum(s.patrol for s in self.streets)

    @property
    def residents_total(self) -> int:
        return sum(s.residents for s in self.streets)

    @property
    def patrol_share(self) -> float | None:
        total = self.patrol_total + self.residents_total
        return self.patrol_total / total if total else None

    @property
    def grids_partial(self) -> bool:
        return any(g.residents_partial for g in self.grids)


def patrol_stats(*, user: User, month: dt.date) -> PatrolStats:
    """This month's patrol per grid (reports and check-ins per week) and, per grid and per
    street, the problems first found on patrol against those first reported by residents (the
    share found on patrol). How problems are counted and placed: patrol_stats_within."""
    return patrol_stats_within(month=month, scope=stats_scope(user))


def patrol_stats_within(*, month: dt.date, scope: list[str] | None) -> PatrolStats:
    """patrol_stats for the regions under the paths in `scope` (None: the whole city).

    A problem is a case, or a merge group (并案: a main case and the cases merged into it)
    counted once: it belongs to the month, the place and the channel of its earliest case
    (received first; the lower id on a tie). Found first on patrol: that case came by channel
    patrol; reported first by residents: by one of RESIDENT_CHANNELS; a problem first raised
    otherwise (a proactive task, 未诉先办) is neither.

    Its street is the street above the case's region. Its grid is
      - for a patrol report, the grid the worker reported from (PatrolReport.grid; the case
        itself is placed in the grid's community);
      - otherwise the grid the case's region is or lies under;
      - otherwise, when the region is the community (or village) of exactly one grid, that grid;
      - otherwise none: a resident case naming only a community with several grids counts for
        its street, not for a grid (those grids' rows say `residents_partial`).

    Seven or eight queries whatever the number of grids and cases: the month's cases are counted
    per region and channel in the database; only merged cases are read one by one.
    """
    start, end = calendar.month_bounds(month)
    until = min(end, max(start, timezone.now()))
    weeks = max((until - start).total_seconds() / (7 * 86400), 1 / 7)
    in_scope = Region.objects.filter(_within("path", scope))
    grids = list(
        Region.objects.filter(_within("path", scope), level=Region.Level.GRID)
        .select_related("parent__parent")
        .annotate(
            workers=Count(
                "grid_assignments",
                filter=Q(grid_assignments__active=True),
                distinct=True,
            )
        )
        .order_by("path")
    )
    # A report's case is received at the report's time (services.patrol_report_create), so the
    # month's reports per grid and community are also the month's patrol cases with a grid.
    report_rows = list(
        PatrolReport.objects.filter(at__gte=start, at__lt=end, grid__in=grids)
        .order_by()
        .values_list("grid", "case__region")
        .annotate(n=Count("id"))
    )
    check_ins = dict(
        PatrolCheckIn.objects.filter(at__gte=start, at__lt=end, grid__in=grids)
        .values_list("grid")
        .annotate(n=Count("id"))
    )
    streets = list(
        Region.objects.filter(
            _within("path", scope), level__in=[Region.Level.STREET, Region.Level.TOWNSHIP]
        ).order_by("path")
    )
    # Counted per region id, not joined to the regions' paths: with the index on
    # cases_case (region_id, received_at) INCLUDE (channel) each community's month is one
    # index-only range (a street's month: ~8 ms at 1M cases, against ~350 ms through the join).
    region_paths = dict(in_scope.values_list("pk", "path"))
    counts = (
        Case.objects.filter(received_at__gte=start, received_at__lt=end)
        .filter(
            Q(region__in=in_scope.values("pk")) if scope is not None else Q(region__isnull=False)
        )
        .order_by()
        .values_list("region_id", "channel")
        .annotate(n=Count("*"))
    )

    street_by_path = {s.path: s.pk for s in streets}
    grid_by_path = {g.path: g.pk for g in grids}
    grids_under = Counter(g.parent_id for g in grids)
    only_grid = {g.parent_id: g.pk for g in grids if grids_under[g.parent_id] == 1}
    places: dict[int, tuple[int | None, int | None]] = {}

    def place(region_id: int) -> tuple[int | None, int | None]:
        """(street, grid) of a region in scope, by the rule of the docstring."""
        if region_id not in places:
            above = _path_prefixes(region_paths[region_id])
            street = next((street_by_path[p] for p in above if p in street_by_path), None)
            grid = next((grid_by_path[p] for p in above if p in grid_by_path), None)
            places[region_id] = (street, grid if grid is not None else only_grid.get(region_id))
        return places[region_id]

    by_street = {s.pk: [0, 0] for s in streets}
    by_grid = {g.pk: [0, 0] for g in grids}

    def tally(channel: str, region_id: int, report_grid: int | None, n: int) -> None:
        side = 0 if channel == Channel.PATROL else 1 if channel in RESIDENT_CHANNELS else None
        if side is None or region_id not in region_paths:
            return
        street, grid = place(region_id)
        if side == 0 and report_grid in by_grid:
            grid = report_grid
        if street is not None:
            by_street[street][side] += n
        if grid is not None:
            by_grid[grid][side] += n

    reports: Counter[int] = Counter()
    reported_in: Counter[int] = Counter()  # patrol cases with a report, per region
    for grid_id, region_id, n in report_rows:
        reports[grid_id] += n
        if region_id in region_paths:
            reported_in[region_id] += n
            tally(Channel.PATROL, region_id, grid_id, n)
    for region_id, channel, n in counts:
        if channel == Channel.PATROL:
            n = max(n - reported_in[region_id], 0)
        tally(channel, region_id, None, n)
    # Every case was counted above; a merged case received after another of its group is the
    # same problem again, so it comes off where it was counted.
    for channel, region_id, report_grid in _later_in_merge_groups(start, end, scope, in_scope):
        tally(channel, region_id, report_grid, -1)

    grid_rows = [
        GridRow(
            grid=g,
            street=g.street,
            workers=g.workers,
            reports=reports[g.pk],
            check_ins=check_ins.get(g.pk, 0),
            reports_per_week=round(reports[g.pk] / weeks, 1),
            check_ins_per_week=round(check_ins.get(g.pk, 0) / weeks, 1),
            patrol=by_grid[g.pk][0],
            residents=by_grid[g.pk][1],
            residents_partial=grids_under[g.parent_id] > 1,
        )
        for g in grids
    ]
    street_rows = [
        StreetRow(street=s, patrol=by_street[s.pk][0], residents=by_street[s.pk][1])
        for s in streets
    ]
    return PatrolStats(month=month.replace(day=1), grids=grid_rows, streets=street_rows)


def _path_prefixes(path: str) -> list[str]:
    """The paths of a region and its ancestors: "/1/2/" → ["/1/", "/1/2/"]."""
    parts = path.strip("/").split("/")
    return [f"/{'/'.join(parts[: i + 1])}/" for i in range(len(parts))]


def _later_in_merge_groups(
    start: dt.datetime, end: dt.datetime, scope: list[str] | None, in_scope
) -> list[tuple[str, int, int | None]]:
    """(channel, region id, patrol report's grid) of each case received in [start, end) in
    scope that is not the earliest case of its merge group (the main case and the cases merged
    into it; merges have no chains).

    Two queries, the second only when the month has merges: the groups with a case of the month
    (a merged case of the month, or a main case of the month with merged cases), then all their
    members. Each branch is an index range: the month's cases by received_at (or region and
    received_at), and merged cases through the partial index on merged_into; an OR over
    subqueries here would make PostgreSQL scan every case."""
    merged = Case.objects.filter(merged_into__isnull=False).order_by()
    followers_of_month = merged.filter(received_at__gte=start, received_at__lt=end)
    mains_of_month = merged.filter(
        merged_into__received_at__gte=start, merged_into__received_at__lt=end
    )
    if scope is not None:
        followers_of_month = followers_of_month.filter(region__in=in_scope.values("pk"))
        mains_of_month = mains_of_month.filter(merged_into__region__in=in_scope.values("pk"))
    groups = set(
        followers_of_month.values_list("merged_into", flat=True).union(
            mains_of_month.values_list("merged_into", flat=True)
        )
    )
    if not groups:
        return []
    members = (
        Case.objects.filter(Q(pk__in=groups) | Q(merged_into__in=groups))
        .order_by()
        .values_list("pk", "merged_into", "received_at", "channel", "region", "patrol__grid")
    )
    by_group: dict[int, list[tuple]] = defaultdict(list)
    for row in members:
        by_group[row[1] or row[0]].append(row)
    later = []
    for rows in by_group.values():
        rows.sort(key=lambda r: (r[2], r[0]))
        later += [(r[3], r[4], r[5]) for r in rows[1:] if start <= r[2] < end]
    return later


def month_from(raw: str | None) -> dt.date | None:
    """The month of a "YYYY-MM" query value, or None when it is not one or lies outside
    2000–2100 (a year 1 or 9999 would overflow the month arithmetic)."""
    try:
        month = dt.datetime.strptime(raw or "", "%Y-%m").date()
    except ValueError:
        return None
    return month if 2000 <= month.year <= 2100 else None
