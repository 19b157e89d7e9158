"""Reads for whistles: visibility, the board, and report timeliness for assessment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from civic import roles
from civic.errors import NotFoundError
from civic.roles import HANDLING_ROLES, Role

from .models import ResidentWhistleRequest, Whistle, WhistleSummons

S = WhistleSummons.State


def whistles_visible_to(user) -> QuerySet[Whistle]:
    """THE visibility rule: dispatchers all; the whistling street; the summoned units."""
    qs = Whistle.objects.select_related("street", "case")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if roles.has_role(user, Role.DISPATCHER):
        return qs
    streets = roles.unit_ids_of(user, (Role.STREET_OFFICIAL,))
    mine = roles.unit_ids_of(user, HANDLING_ROLES)
    summoned = WhistleSummons.objects.filter(whistle=OuterRef("pk"), unit_id__in=mine)
    return qs.filter(Q(street_id__in=streets) | Exists(summoned))


def whistle_get_visible(user, pk: int) -> Whistle:
    try:
        return whistles_visible_to(user).get(pk=pk)
    except (Whistle.DoesNotExist, ValueError, OverflowError) as exc:
        raise NotFoundError("No such whistle.") from exc


def whistles_to_report(user) -> QuerySet[Whistle]:
    """Open whistles where one of the user's units still has to report."""
    mine = roles.unit_ids_of(user, HANDLING_ROLES)
    pending = WhistleSummons.objects.filter(
        whistle=OuterRef("pk"), unit_id__in=mine, reported_at__isnull=True
    )
    return Whistle.objects.filter(Exists(pending), status=Whistle.Status.OPEN).select_related(
        "street"
    )


def whistle_board(user) -> QuerySet[Whistle]:
    """Open whistles visible to the user, soonest deadline first, with report counts."""
    return (
        whistles_visible_to(user)
        .filter(status=Whistle.Status.OPEN)
        .annotate(
            summoned_count=Count("summonses"),
            reported_count=Count("summonses", filter=Q(summonses__reported_at__isnull=False)),
            missed_count=Count("summonses", filter=Q(summonses__state=S.MISSED)),
        )
        .order_by("report_due_at")
    )


def resident_requests_for(user) -> QuerySet[ResidentWhistleRequest]:
    """Residents see their own requests; street officials those addressed to their street."""
    qs = ResidentWhistleRequest.objects.select_related("case", "street", "whistle")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    streets = roles.unit_ids_of(user, (Role.STREET_OFFICIAL,))
    return qs.filter(Q(resident=user) | Q(street_id__in=streets))


def resident_request_get(user, pk: int) -> ResidentWhistleRequest:
    try:
        return resident_requests_for(user).get(pk=pk)
    except (ResidentWhistleRequest.DoesNotExist, ValueError, OverflowError) as exc:
        raise NotFoundError("No such request.") from exc


def _median_minutes(unit_ids: list[int], start, end) -> dict[int, float | None]:
    """Median minutes from summons to report, per unit, computed in the database."""
    if not unit_ids:
        return {}
    table = WhistleSummons._meta.db_table
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT unit_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY "
            f"EXTRACT(EPOCH FROM (reported_at - summoned_at)) / 60.0) "
            f"FROM {table} WHERE unit_id = ANY(%s) AND reported_at IS NOT NULL "
            f"AND summoned_at >= %s AND summoned_at < %s GROUP BY unit_id"
        )
        params = [unit_ids, start, end]
    else:
        # SQLite has no percentile aggregate: rank the rows with window functions instead.
        marks = ",".join("%s" for _ in unit_ids)
        sql = (
            f"SELECT unit_id, AVG(m) FROM ("
            f" SELECT unit_id, (julianday(reported_at) - julianday(summoned_at)) * 1440.0 AS m,"
            f"  ROW_NUMBER() OVER (PARTITION BY unit_id ORDER BY"
            f"   julianday(reported_at) - julianday(summoned_at)) AS rn,"
            f"  COUNT(*) OVER (PARTITION BY unit_id) AS n"
            f" FROM {table} WHERE unit_id IN ({marks}) AND reported_at IS NOT NULL"
            f" AND summoned_at >= %s AND summoned_at < %s"
            f") WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY unit_id"
        )
        params = [*unit_ids, start, end]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return {row[0]: (round(float(row[1]), 1) if row[1] is not None else None) for row in cur}


def unit_report_timeliness(
    unit_ids: Iterable[int], start: dt.datetime, end: dt.datetime
) -> dict[int, dict]:
    """For assessment: per unit, summonses in [start, end) and how they were answered.

    `missed` counts summonses past their deadline with no report (a later report turns a miss
    into `late`); pending summonses whose deadline has not passed count only in `summoned`.
    """
    ids = sorted({int(u) for u in unit_ids})
    out = {
        u: {"summoned": 0, "on_time": 0, "late": 0, "missed": 0, "median_minutes": None}
        for u in ids
    }
    rows = (
        WhistleSummons.objects.filter(unit_id__in=ids, summoned_at__gte=start, summoned_at__lt=end)
        .values("unit_id")
        .annotate(
            summoned=Count("pk"),
            on_time=Count("pk", filter=Q(state=S.ON_TIME)),
            late=Count("pk", filter=Q(state=S.LATE)),
            missed=Count("pk", filter=Q(state=S.MISSED)),
        )
    )
    for row in rows:
        out[row["unit_id"]].update({k: row[k] for k in ("summoned", "on_time", "late", "missed")})
    for unit_id, median in _median_minutes(ids, start, end).items():
        out[unit_id]["median_minutes"] = median
    return out


def unit_report_record(whistle_ids=None) -> QuerySet:
    """Per unit report record over all time, for the board (state counts)."""
    qs = WhistleSummons.objects.all()
    if whistle_ids is not None:
        qs = qs.filter(whistle_id__in=whistle_ids)
    return (
        qs.values("unit_id", unit_name=F("unit__name"))
        .annotate(
            summoned=Count("pk"),
            on_time=Count("pk", filter=Q(state=S.ON_TIME)),
            late=Count("pk", filter=Q(state=S.LATE)),
            missed=Count("pk", filter=Q(state=S.MISSED)),
        )
        .order_by("unit_name")
    )
