"""Writes of the dashboard: the roll-ups, kept in step with the cases. See docs/dashboard.md.

A case's contribution (`fact`) is a pure function of the case's current rows; the buckets are
the sum of the contributions. `tally_case` (on every case event) replaces one case's stored
contribution and moves only the difference into the buckets; `tally_rebuild` recomputes the
buckets of given days from scratch (and every day when none are given); `open_snapshot_refresh`
recounts the open cases at the current time. All three keep the invariant
    bucket = Σ CaseTally contributions
so an event after a rebuild (or a rebuild after events) never counts a case twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.models import OPEN_STATUSES, Case, Revisit
from civic import calendar, catalogue, clock
from civic.models import Category, Region

from .models import (
    MEASURES,
    CaseTally,
    DailyTally,
    MonthlyCategory,
    MonthlyChannel,
    MonthlyTally,
    OpenSnapshot,
)

logger = logging.getLogger(__name__)

FACT_FIELDS = (
    "area_id",
    "category_top_id",
    "category_id",
    "channel",
    "received_day",
    "dispatched_day",
    "responded",
    "revisited",
    "resolved",
    "satisfaction",
    "closed_day",
    "open",
    "handle_due_at",
)
DUE_SOON = dt.timedelta(hours=24)
SNAPSHOT_KEEP_DAYS = 35
CHUNK = 5000


# --- contributions ---------------------------------------------------------------------------


def local_day(at: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(at).date() if at is not None else None


def _area_map() -> dict[int, int]:
    """Region id → the region its cases are counted under: a grid counts under its community."""
    return {
        pk: (parent_id if level == Region.Level.GRID and parent_id else pk)
        for pk, level, parent_id in Region.objects.values_list("id", "level", "parent_id")
    }


def _category_map() -> dict[int, tuple[int, int]]:
    """Category id → (first-level id, second-level id); a first-level category is both."""
    rows = {
        pk: (level, parent)
        for pk, level, parent in Category.objects.values_list("id", "level", "parent_id")
    }
    out = {}
    for pk, (level, parent) in rows.items():
        if level == 1 or parent is None:
            out[pk] = (pk, pk)
        elif level == 2:
            out[pk] = (parent, pk)
        else:
            grand = rows.get(parent, (1, None))[1] or parent
            out[pk] = (grand, parent)
    return out


CASE_FIELDS = (
    "id",
    "region_id",
    "category_id",
    "channel",
    "status",
    "assessable",
    "received_at",
    "dispatched_at",
    "contacted_at",
    "contact_due_at",
    "closed_at",
    "handle_due_at",
)


def _case_rows(qs):
    """The case fields a contribution needs, with the latest answered revisit's verdict (the
    one assessment counts: no later answered revisit exists)."""
    latest = (
        Revisit.objects.filter(case=OuterRef("pk"), state=Revisit.State.ANSWERED)
        .exclude(satisfaction="")
        .order_by("-answered_at", "-id")
    )
    return qs.annotate(
        rv_resolved=Subquery(latest.values("resolved")[:1]),
        rv_satisfaction=Subquery(latest.values("satisfaction")[:1]),
    ).values(*CASE_FIELDS, "rv_resolved", "rv_satisfaction")


def fact_of(row: dict, areas: dict[int, int], categories: dict[int, tuple[int, int]]) -> dict:
    top, second = categories[row["category_id"]]
    counted = row["assessable"] and row["dispatched_at"] is not None
    revisited = bool(counted and row["rv_satisfaction"])
    is_open = row["status"] in OPEN_STATUSES
    return {
        "area_id": areas.get(row["region_id"], row["region_id"]),
        "category_top_id": top,
        "category_id": second,
        "channel": row["channel"],
        "received_day": local_day(row["received_at"]),
        "dispatched_day": local_day(row["dispatched_at"]) if counted else None,
        # Response as assessment counts it: the resident contacted by the contact deadline.
        "responded": bool(
            counted
            and row["contacted_at"] is not None
            and row["contact_due_at"] is not None
            and row["contacted_at"] <= row["contact_due_at"]
        ),
        "revisited": revisited,
        "resolved": bool(revisited and row["rv_resolved"]),
        "satisfaction": row["rv_satisfaction"] if revisited else "",
        "closed_day": local_day(row["closed_at"]) if row["status"] == "closed" else None,
        "open": is_open,
        "handle_due_at": row["handle_due_at"] if is_open else None,
    }


def _stored(tally: CaseTally | None) -> dict | None:
    if tally is None:
        return None
    return {name: getattr(tally, name) for name in FACT_FIELDS}


def contributions(fact: dict | None) -> Counter:
    """The +1s a case puts in the daily buckets: {(day, area, top, category, channel, measure)}."""
    out: Counter = Counter()
    if fact is None:
        return out
    key = (fact["area_id"], fact["category_top_id"], fact["category_id"], fact["channel"])
    out[(fact["received_day"], *key, "received")] += 1
    day = fact["dispatched_day"]
    if day is not None:
        out[(day, *key, "dispatched")] += 1
        if fact["responded"]:
            out[(day, *key, "responded")] += 1
        if fact["revisited"]:
            out[(day, *key, "revisited")] += 1
            if fact["resolved"]:
                out[(day, *key, "resolved")] += 1
            if fact["satisfaction"] == Revisit.Satisfaction.SATISFIED:
                out[(day, *key, "satisfied")] += 1
            elif fact["satisfaction"] == Revisit.Satisfaction.BASICALLY:
                out[(day, *key, "basically")] += 1
    if fact["closed_day"] is not None:
        out[(fact["closed_day"], *key, "closed")] += 1
    return out


def open_state(fact: dict | None, at: dt.datetime) -> tuple[int, int, int]:
    """(open, due soon, overdue) of one case judged at `at`."""
    if fact is None or not fact["open"]:
        return (0, 0, 0)
    due = fact["handle_due_at"]
    overdue = int(due is not None and due < at)
    soon = int(due is not None and at <= due < at + DUE_SOON)
    return (1, soon, overdue)


# --- bucket writes ---------------------------------------------------------------------------


def _bump(model, key: dict, deltas: dict[str, int], create_extra: dict | None = None) -> None:
    """Add `deltas` to the row at `key`, creating it when absent (concurrent creators meet at
    the unique constraint: the loser adds to the winner's row)."""
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    changes = {name: F(name) + value for name, value in deltas.items()}
    if model.objects.filter(**key).update(**changes):
        return
    if any(v < 0 for v in deltas.values()):
        # Nothing to subtract from: the buckets were rebuilt under this case meanwhile.
        logger.warning(
            "dashboard: %s %s has no row to subtract %s from", model.__name__, key, deltas
        )
        return
    try:
        with transaction.atomic():
            model.objects.create(**key, **(create_extra or {}), **deltas)
    except IntegrityError:
        model.objects.filter(**key).update(**changes)


def _apply(diff: Counter, skip_days: set[dt.date] | None = None) -> None:
    daily: dict[tuple, dict[str, int]] = defaultdict(dict)
    for (day, area, top, category, channel, measure), n in diff.items():
        if not n:
            continue
        if skip_days is None or day not in skip_days:
            row = daily[(day, area, top, category, channel)]
            row[measure] = row.get(measure, 0) + n
    for (day, area, top, category, channel), deltas in daily.items():
        _bump(
            DailyTally,
            {"day": day, "area_id": area, "category_id": category, "channel": channel},
            deltas,
            {"category_top_id": top},
        )
    if skip_days is None:
        _bump_monthly(diff, lambda month: True)


def _bump_monthly(diff: Counter, wanted) -> None:
    """The monthly roll-ups' share of a difference, for the months `wanted(month)` accepts."""
    totals: dict[tuple, dict[str, int]] = defaultdict(dict)
    by_category: Counter = Counter()
    by_channel: Counter = Counter()
    tops: dict[int, int] = {}
    for (day, area, top, category, channel, measure), n in diff.items():
        month = day.replace(day=1)
        if not n or not wanted(month):
            continue
        row = totals[(month, area)]
        row[measure] = row.get(measure, 0) + n
        if measure == "received":
            by_category[(month, area, category)] += n
            by_channel[(month, area, channel)] += n
            tops[category] = top
    for (month, area), deltas in totals.items():
        _bump(MonthlyTally, {"month": month, "area_id": area}, deltas)
    for (month, area, category), n in by_category.items():
        _bump(
            MonthlyCategory,
            {"month": month, "area_id": area, "category_id": category},
            {"received": n},
            {"category_top_id": tops[category]},
        )
    for (month, area, channel), n in by_channel.items():
        _bump(
            MonthlyChannel,
            {"month": month, "area_id": area, "channel": channel},
            {"received": n},
        )


def _diff(old: dict | None, new: dict | None) -> Counter:
    diff = contributions(new)
    diff.subtract(contributions(old))
    return Counter({k: v for k, v in diff.items() if v})


def _latest_snapshot() -> dict | None:
    return OpenSnapshot.objects.order_by("-hour").values("hour", "taken_at").first()


def _apply_open(pairs: Iterable[tuple[dict | None, dict | None]], snapshot: dict | None) -> None:
    if snapshot is None:
        return  # nothing counted yet: the next refresh counts these cases
    at = snapshot["taken_at"]
    by_area: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for old, new in pairs:
        for fact, sign in ((old, -1), (new, 1)):
            state = open_state(fact, at)
            if any(state):
                totals = by_area[fact["area_id"]]
                for i, v in enumerate(state):
                    totals[i] += sign * v
    for area, (n_open, soon, overdue) in by_area.items():
        _bump(
            OpenSnapshot,
            {"hour": snapshot["hour"], "area_id": area},
            {"open": n_open, "due_soon": soon, "overdue": overdue},
            {"taken_at": at},
        )


def _save_facts(facts: dict[int, dict]) -> None:
    if not facts:
        return
    CaseTally.objects.bulk_create(
        [CaseTally(case_id=pk, **fact) for pk, fact in facts.items()],
        update_conflicts=True,
        unique_fields=["case"],
        update_fields=[f.removesuffix("_id") if f.endswith("_id") else f for f in FACT_FIELDS],
        batch_size=1000,
    )


# --- the three writers -----------------------------------------------------------------------


def tally_case(*, case_id: int) -> None:
    """Move one case's changed contribution into the buckets (called on every case event).

    Runs in the caller's transaction (the case event's), under a savepoint: the case's tally
    row is locked, so two events of one case are counted one after the other."""
    with transaction.atomic():
        old_row = CaseTally.objects.select_for_update().filter(case_id=case_id).first()
        old = _stored(old_row)
        row = _case_rows(Case.objects.filter(pk=case_id).select_related(None)).first()
        if row is None:
            new = None
        else:
            areas = {row["region_id"]: _area_of(row["region_id"])}
            categories = {row["category_id"]: _category_of(row["category_id"])}
            new = fact_of(row, areas, categories)
        if old == new:
            return
        _apply(_diff(old, new))
        _apply_open([(old, new)], _latest_snapshot())
        if new is None:
            CaseTally.objects.filter(case_id=case_id).delete()
        else:
            _save_facts({case_id: new})


def _area_of(region_id: int) -> int:
    # From civic.catalogue's memory: intake reads no reference rows (tests/cases/test_api.py).
    region = catalogue.region(region_id)
    if region is not None and region.level == Region.Level.GRID and region.parent_id:
        return region.parent_id
    return region_id


def _category_of(category_id: int) -> tuple[int, int]:
    cat = catalogue.category(category_id)
    if cat is None or cat.level == 1 or cat.parent_id is None:
        return (category_id, category_id)
    if cat.level == 2:
        return (cat.parent_id, cat.pk)
    parent = catalogue.category(cat.parent_id)
    return ((parent.parent_id if parent else None) or cat.parent_id, cat.parent_id)


def _sync_facts(case_ids: Iterable[int], *, skip_days: set[dt.date] | None, open_too: bool) -> int:
    """Recompute the facts of these cases; move differences outside `skip_days` into the
    buckets (days in `skip_days` are about to be rebuilt from the facts)."""
    ids = sorted(set(case_ids))
    areas, categories = _area_map(), _category_map()
    snapshot = _latest_snapshot() if open_too else None
    for lo in range(0, len(ids), CHUNK):
        chunk = ids[lo : lo + CHUNK]
        with transaction.atomic():
            stored = {
                t.case_id: _stored(t)
                for t in CaseTally.objects.select_for_update().filter(case_id__in=chunk)
            }
            new_facts = {
                row["id"]: fact_of(row, areas, categories)
                for row in _case_rows(Case.objects.filter(pk__in=chunk).order_by())
            }
            diff: Counter = Counter()
            pairs = []
            for pk in chunk:
                old, new = stored.get(pk), new_facts.get(pk)
                if old != new:
                    diff.update(_diff(old, new))
                    pairs.append((old, new))
            _apply(Counter({k: v for k, v in diff.items() if v}), skip_days=skip_days)
            if skip_days is not None:
                # Months of skipped days are re-summed from the days after the rebuild; the
                # other days' monthly share moves here.
                _apply_monthly_outside(diff, skip_days)
            if open_too:
                _apply_open(pairs, snapshot)
            _save_facts(new_facts)
    return len(ids)


def _apply_monthly_outside(diff: Counter, skip_days: set[dt.date]) -> None:
    months_rebuilt = {d.replace(day=1) for d in skip_days}
    _bump_monthly(diff, lambda month: month not in months_rebuilt)


def _day_bounds(days: set[dt.date]) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime.combine(min(days), dt.time()), tz)
    end = timezone.make_aware(dt.datetime.combine(max(days) + dt.timedelta(days=1), dt.time()), tz)
    return start, end


def _daily_from_facts(days: set[dt.date] | None) -> list[DailyTally]:
    rows: dict[tuple, dict] = {}
    key_fields = ("area_id", "category_top_id", "category_id", "channel")

    def add(day_field: str, **annotations) -> None:
        qs = CaseTally.objects.filter(**{f"{day_field}__isnull": False})
        if days is not None:
            qs = qs.filter(**{f"{day_field}__in": sorted(days)})
        for r in qs.values(day_field, *key_fields).annotate(**annotations).order_by():
            key = (r[day_field], *(r[k] for k in key_fields))
            target = rows.setdefault(key, dict.fromkeys(MEASURES, 0))
            for name in annotations:
                target[name] += r[name]

    add("received_day", received=Count("pk"))
    add(
        "dispatched_day",
        dispatched=Count("pk"),
        responded=Count("pk", filter=Q(responded=True)),
        revisited=Count("pk", filter=Q(revisited=True)),
        resolved=Count("pk", filter=Q(resolved=True)),
        satisfied=Count("pk", filter=Q(satisfaction=Revisit.Satisfaction.SATISFIED)),
        basically=Count("pk", filter=Q(satisfaction=Revisit.Satisfaction.BASICALLY)),
    )
    add("closed_day", closed=Count("pk"))
    # Inserted in key order, so a day's rows sit together on disk: the dashboard reads a
    # month of days, and rows scattered over the table cost a page read each.
    return [
        DailyTally(
            day=day, area_id=area, category_top_id=top, category_id=cat, channel=channel, **m
        )
        for (day, area, top, cat, channel), m in sorted(rows.items(), key=lambda kv: kv[0])
    ]


def _monthly_from_daily(months: set[dt.date] | None) -> None:
    qs = DailyTally.objects.all()
    if months is not None:
        q = Q()
        for m in months:
            q |= Q(day__gte=m, day__lt=calendar.next_month(m))
        qs = qs.filter(q)
        for model in (MonthlyTally, MonthlyCategory, MonthlyChannel):
            model.objects.filter(month__in=sorted(months)).delete()
    else:
        for model in (MonthlyTally, MonthlyCategory, MonthlyChannel):
            model.objects.all().delete()
    sums = {name: Sum(name) for name in MEASURES}
    rows = qs.annotate(m=TruncMonth("day")).values("m", "area_id").annotate(**sums).order_by()
    MonthlyTally.objects.bulk_create(
        [
            MonthlyTally(
                month=r["m"] if isinstance(r["m"], dt.date) else r["m"].date(),
                area_id=r["area_id"],
                **{name: r[name] or 0 for name in MEASURES},
            )
            for r in rows
        ],
        batch_size=2000,
    )
    by_month = qs.annotate(m=TruncMonth("day"))
    MonthlyCategory.objects.bulk_create(
        [
            MonthlyCategory(
                month=_as_date(r["m"]),
                area_id=r["area_id"],
                category_top_id=r["category_top_id"],
                category_id=r["category_id"],
                received=r["n"],
            )
            for r in by_month.values("m", "area_id", "category_top_id", "category_id")
            .annotate(n=Sum("received"))
            .filter(n__gt=0)
            .order_by("m", "area_id", "category_id")
        ],
        batch_size=2000,
    )
    MonthlyChannel.objects.bulk_create(
        [
            MonthlyChannel(
                month=_as_date(r["m"]), area_id=r["area_id"], channel=r["channel"], received=r["n"]
            )
            for r in by_month.values("m", "area_id", "channel")
            .annotate(n=Sum("received"))
            .filter(n__gt=0)
            .order_by("m", "area_id", "channel")
        ],
        batch_size=2000,
    )


def _as_date(value) -> dt.date:
    return value if not isinstance(value, dt.datetime) else value.date()


def tally_rebuild(*, days: Iterable[dt.date] | None = None) -> dict:
    """Rebuild the buckets of `days` (every day when None) from scratch.

    First the facts of every case that touches those days (received, dispatched, revisited or
    closed in them, or counted in them before) are recomputed from the cases; then the days'
    rows are recounted from the facts and their months re-summed from the days."""
    day_set = set(days) if days is not None else None
    with transaction.atomic():
        if day_set is None:
            # Case's default ordering is by receipt: chunks need ids in order.
            case_ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
            synced = _full_facts(case_ids)
            DailyTally.objects.all().delete()
        else:
            start, end = _day_bounds(day_set)
            window = Q(received_at__gte=start, received_at__lt=end)
            window |= Q(dispatched_at__gte=start, dispatched_at__lt=end)
            window |= Q(closed_at__gte=start, closed_at__lt=end)
            ids = set(Case.objects.filter(window).values_list("pk", flat=True))
            ids |= set(
                Revisit.objects.filter(answered_at__gte=start, answered_at__lt=end).values_list(
                    "case_id", flat=True
                )
            )
            days_sorted = sorted(day_set)
            ids |= set(
                CaseTally.objects.filter(
                    Q(received_day__in=days_sorted)
                    | Q(dispatched_day__in=days_sorted)
                    | Q(closed_day__in=days_sorted)
                ).values_list("case_id", flat=True)
            )
            synced = _sync_facts(ids, skip_days=day_set, open_too=True)
            DailyTally.objects.filter(day__in=days_sorted).delete()
        DailyTally.objects.bulk_create(_daily_from_facts(day_set), batch_size=2000)
        _monthly_from_daily({d.replace(day=1) for d in day_set} if day_set is not None else None)
    return {"cases": synced, "days": len(day_set) if day_set is not None else "all"}


def _full_facts(case_ids: list[int]) -> int:
    """Every fact from scratch (no differences to move: every bucket is rebuilt after)."""
    areas, categories = _area_map(), _category_map()
    # An anti-join (NOT EXISTS): `NOT IN (subquery)` over a million ids is quadratic.
    CaseTally.objects.filter(~Exists(Case.objects.filter(pk=OuterRef("case_id")))).delete()
    for lo in range(0, len(case_ids), CHUNK * 4):
        chunk = case_ids[lo : lo + CHUNK * 4]
        facts = {
            row["id"]: fact_of(row, areas, categories)
            for row in _case_rows(
                Case.objects.filter(pk__gte=chunk[0], pk__lte=chunk[-1]).order_by()
            )
        }
        _save_facts(facts)
    return len(case_ids)


def open_snapshot_refresh(*, at: dt.datetime | None = None) -> dict:
    """Recount open, due-soon and overdue cases per community at `at` into this hour's rows.

    The facts of the open cases (and of cases counted open before) are brought up to date
    first, so a case that changed without an event (a bulk import) is counted once."""
    at = at or clock.now()
    hour = at.replace(minute=0, second=0, microsecond=0)
    ids = set(Case.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    ids |= set(CaseTally.objects.filter(open=True).values_list("case_id", flat=True))
    _sync_facts(ids, skip_days=None, open_too=False)
    with transaction.atomic():
        rows = (
            CaseTally.objects.filter(open=True)
            .values("area_id")
            .annotate(
                n_open=Count("pk"),
                soon=Count("pk", filter=Q(handle_due_at__gte=at, handle_due_at__lt=at + DUE_SOON)),
                late=Count("pk", filter=Q(handle_due_at__lt=at)),
            )
            .order_by()
        )
        OpenSnapshot.objects.filter(hour=hour).delete()
        OpenSnapshot.objects.bulk_create(
            [
                OpenSnapshot(
                    hour=hour,
                    taken_at=at,
                    area_id=r["area_id"],
                    open=r["n_open"],
                    due_soon=r["soon"],
                    overdue=r["late"],
                )
                for r in rows
            ]
        )
        OpenSnapshot.objects.filter(hour__lt=hour - dt.timedelta(days=SNAPSHOT_KEEP_DAYS)).delete()
    return {"hour": hour.isoformat(), "areas": len(rows)}


def dashboard_refresh(*, at: dt.datetime | None = None) -> dict:
    """The periodic catch-up: today's and yesterday's buckets from scratch, then the open
    snapshot (bulk imports send no case events)."""
    at = at or clock.now()
    today = local_day(at)
    rebuilt = tally_rebuild(days=[today - dt.timedelta(days=1), today])
    snapshot = open_snapshot_refresh(at=at)
    return {**rebuilt, **snapshot}


def seed_dashboard(stdout=None) -> dict:
    """The demo's roll-ups counted from scratch, the open cases and the hot topics ready."""
    from .selectors import hot_topics_refresh

    counted = tally_rebuild()
    open_snapshot_refresh()
    hot_topics_refresh()
    if stdout:
        stdout.write(f"dashboard: roll-ups rebuilt ({counted})")
    return counted
