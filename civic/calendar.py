"""Working-day arithmetic on the official calendar (法定节假日 and 调休 working weekends).

The CalendarDay table is the source of truth. It is seeded from `chinese-calendar` (which knows
2004–2026 only). Years after that are filled *provisionally* (CalendarDay.provisional) from the
statutory holidays the `holidays` package computes locally from the lunar calendar: Spring
Festival, Qingming, Dragon Boat and Mid-Autumn move every year, so Monday–Friday would count the
Spring Festival week as working days. What the computation cannot know is the State Council's
schedule of swapped working days (调休): an administrator enters it (the admin replaces the
provisional row of that date, or confirms the rest), or a newer `chinese-calendar` brings it
(seeding replaces the provisional rows of the years it knows). Until then the year is flagged
(system check civic.W002, admin banner). Those years count from the table over the computed
holidays, day by day, even where no row was seeded yet (warning civic.W001 and the log); a
year the package covers but the table lacks falls back to Monday–Friday (unseeded database).

Stored deadlines never move when the calendar changes: they are computed once, at dispatch,
redispatch or an approved extension, and nothing recomputes them (the signals below only clear
this module's cache). Only values computed on the fly (the sweep's escalation threshold) follow
the current calendar.

Rules (DESIGN §3.2):
- `add_working_days(start, n)`: the deadline is at the same clock time on the n-th working day
  after the start day. The start day itself never counts, working day or not (the trap of
  chinese_calendar.find_workday(0, d), which counts d itself). A case received on a holiday at
  10:00 with a 1-day limit is due 10:00 on the first working day after the holiday.
- `add_hours(start, h)`: clock hours; working days do not matter (utilities serve round the
  clock, Art. 19; emergencies too).
- Start on a non-working day (a Saturday, a holiday): the rule above already "counts from the
  next working day" — the first working day after the start day is day 1, at the start's clock
  time. `add_working_days(start, 0)` returns `start` unchanged.
- Adjusted working weekends (调休) are working days. The table stores every day explicitly,
  so the other trap — get_workdays(include_weekends=False) dropping those Saturdays — is
  avoided by never asking the package for ranges.

Caching: each year is loaded once per process as {date: is_workday}. A change to CalendarDay
clears the cache in the process that made it (signals; bulk seeding clears it explicitly); other
processes (the Celery worker, other web workers) reload a year after CACHE_SECONDS at most.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from civic.memo import Memo

if TYPE_CHECKING:
    from civic.models import CalendarDay

logger = logging.getLogger(__name__)

# Other processes see an administrator's edit after at most this long.
CACHE_SECONDS = 300
_years = Memo(CACHE_SECONDS)  # year -> {date: is_workday}, or None (no rows: fallback)
_warned: set[int] = set()

FIRST_PACKAGE_YEAR = 2004
# CalendarDay.source of the rows computed from the `holidays` package (always provisional).
PROVISIONAL_SOURCE = "holidays"  # CalendarDay.Source.COMPUTED


def local_date(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


def _year(year: int) -> dict[dt.date, bool] | None:
    """{date: is_workday} for a year, or None when the year has no rows (fallback)."""
    return _years.get(year, _load_year, year)


def _load_year(year: int) -> dict[dt.date, bool] | None:
    from civic.models import CalendarDay

    rows = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday"))
    computable = year > package_last_year()
    if not rows and year not in _warned:
        _warned.add(year)
        logger.warning(
            "Working calendar has no days for %s: falling back to %s. "
            "Run seed_calendar, and enter the State Council's schedule in the admin "
            "(Calendar days).",
            year,
            "the computed statutory holidays (provisional)" if computable else "Monday-Friday",
        )
    if computable and len(rows) < _days_in(year):
        # Days without a row count as the statutory holidays computed for that year: the same
        # answer a provisional row would give, so seeding or not never changes a deadline.
        computed = {d.date: d.is_workday for d in provisional_days(year)}
        rows = {**computed, **rows}
    return rows or None


def _days_in(year: int) -> int:
    return (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days


def package_last_year() -> int:
    """The last year `chinese-calendar` knows (its official schedules, with 调休)."""
    import chinese_calendar

    return max(chinese_calendar.constants.holidays).year


def clear_cache() -> None:
    _years.clear()


@receiver(post_save, sender="civic.CalendarDay")
@receiver(post_delete, sender="civic.CalendarDay")
def _calendar_changed(sender, **kwargs) -> None:
    clear_cache()


def is_workday(day: dt.date) -> bool:
    days = _year(day.year)
    if days is None or day not in days:
        return day.weekday() < 5
    return days[day]


def add_hours(start: dt.datetime, hours: int | float) -> dt.datetime:
    return start + dt.timedelta(hours=hours)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same clock time on the `days`-th working day after the start day."""
    if days < 0:
        raise ValueError("days must be >= 0")
    local = timezone.localtime(start)
    day = local.date()
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    naive = dt.datetime.combine(day, local.time().replace(tzinfo=None))
    return timezone.make_aware(naive, timezone.get_current_timezone())


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days d with start < d <= end (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_workday(day):
            count += 1
    return count


def missing_years(today: dt.date | None = None) -> list[int]:
    """This year and the next, where the calendar has no rows yet."""
    from civic.models import CalendarDay

    today = today or timezone.localdate()
    wanted = [today.year, today.year + 1]
    present = {
        d.year for d in CalendarDay.objects.filter(date__year__in=wanted).dates("date", "year")
    }
    return [year for year in wanted if year not in present]


def provisional_years(today: dt.date | None = None) -> list[int]:
    """This year and the next, where some days are still provisional (computed, not official)."""
    from civic.models import CalendarDay

    today = today or timezone.localdate()
    wanted = [today.year, today.year + 1]
    flagged = {
        d.year
        for d in CalendarDay.objects.filter(date__year__in=wanted, provisional=True).dates(
            "date", "year"
        )
    }
    return [year for year in wanted if year in flagged]


def provisional_days(year: int) -> list[CalendarDay]:
    """Every day of `year` (unsaved rows, provisional): the statutory holidays of China that the
    `holidays` package computes from the lunar calendar, weekends, and working days.

    Computed locally (no network). It knows the legal holidays, including the 补假 a holiday on
    a weekend gets, but not the State Council's swapped working days (调休) of a year it has no
    schedule for: those Saturdays count as off until the official schedule is entered. Outside
    the package's range (1950–2100) it knows no holiday: Monday–Friday."""
    import holidays

    from civic.models import CalendarDay

    statutory = holidays.China(years=year, language="zh_CN")
    # Swapped working weekends, for the years the package has a schedule for (none ahead).
    worked = set(getattr(statutory, "weekend_workdays", ()))
    rows = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        if day in worked:
            kind, workday = CalendarDay.Kind.ADJUSTED_WORKDAY, True
        elif day in statutory:
            kind, workday = CalendarDay.Kind.HOLIDAY, False
        elif day.weekday() >= 5:
            kind, workday = CalendarDay.Kind.WEEKEND, False
        else:
            kind, workday = CalendarDay.Kind.WORKDAY, True
        rows.append(
            CalendarDay(
                date=day,
                is_workday=workday,
                kind=kind,
                name=str(statutory.get(day) or "")[:100],
                source=PROVISIONAL_SOURCE,
                provisional=True,
            )
        )
        day += dt.timedelta(days=1)
    return rows


def calendar_seed_provisional(
    first_year: int | None = None, last_year: int | None = None, *, today: dt.date | None = None
) -> int:
    """Fill the days without a row, from the year after chinese-calendar's last to next year,
    with provisional rows (provisional_days); idempotent. Returns the number of rows created.

    Rows already there, official or provisional, are never touched."""
    from civic.models import CalendarDay

    today = today or timezone.localdate()
    first_year = max(first_year or 0, package_last_year() + 1)
    last_year = last_year or today.year + 1
    rows = []
    for year in range(first_year, last_year + 1):
        existing = set(CalendarDay.objects.filter(date__year=year).values_list("date", flat=True))
        rows += [d for d in provisional_days(year) if d.date not in existing]
    CalendarDay.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    clear_cache()
    return len(rows)


@transaction.atomic
def calendar_day_enter(day: CalendarDay) -> CalendarDay:
    """Save a day as an administrator entered it from the State Council's schedule: it is
    official, and it replaces the provisional row of the same date if there is one.

    Stored deadlines keep their dates (nothing recomputes them)."""
    from civic.models import CalendarDay

    CalendarDay.objects.filter(date=day.date, provisional=True).exclude(pk=day.pk).delete()
    day.provisional = False
    if day.source == PROVISIONAL_SOURCE:
        day.source = "admin"
    day.save()
    clear_cache()
    return day


@transaction.atomic
def calendar_days_confirm(days: QuerySet[CalendarDay]) -> int:
    """The administrator checked these provisional days against the State Council's schedule:
    they become official as they are. Returns how many changed."""
    changed = days.filter(provisional=True).update(provisional=False, source="admin")
    clear_cache()
    return changed


def calendar_seed_from_package(
    first_year: int = FIRST_PACKAGE_YEAR, last_year: int | None = None
) -> int:
    """Fill CalendarDay from chinese-calendar for the years it knows; idempotent.

    Returns the number of rows created. Rows an administrator entered are never overwritten;
    provisional rows of a year the package now knows (a newer release) are replaced by its
    official schedule."""
    import chinese_calendar

    from civic.models import CalendarDay

    known_last = package_last_year()
    last_year = min(last_year or known_last, known_last)
    CalendarDay.objects.filter(
        date__year__gte=first_year, date__year__lte=last_year, provisional=True
    ).delete()
    existing = set(
        CalendarDay.objects.filter(
            date__year__gte=first_year, date__year__lte=last_year
        ).values_list("date", flat=True)
    )
    rows = []
    day = dt.date(first_year, 1, 1)
    end = dt.date(last_year, 12, 31)
    while day <= end:
        if day not in existing:
            # get_holiday_detail answers (is_holiday, name), not (is_workday, name).
            workday = chinese_calendar.is_workday(day)
            _holiday, holiday_name = chinese_calendar.get_holiday_detail(day)
            weekend = day.weekday() >= 5
            if workday and weekend:
                kind = CalendarDay.Kind.ADJUSTED_WORKDAY
            elif workday:
                kind = CalendarDay.Kind.WORKDAY
            elif _holiday and holiday_name:
                kind = CalendarDay.Kind.HOLIDAY
            else:
                kind = CalendarDay.Kind.WEEKEND
            rows.append(
                CalendarDay(
                    date=day,
                    is_workday=bool(workday),
                    kind=kind,
                    name=str(holiday_name or ""),
                    source="chinese-calendar",
                )
            )
        day += dt.timedelta(days=1)
    CalendarDay.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    clear_cache()
    return len(rows)


# --- months ---------------------------------------------------------------------------------


def next_month(month: dt.date) -> dt.date:
    """The first day of the month after `month`'s."""
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(month: dt.date) -> dt.date:
    """The first day of the month before `month`'s."""
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of `month`'s month in local time (Asia/Shanghai): what every monthly figure
    (三率, reports, reply quality, patrol) counts over."""
    tz = timezone.get_default_timezone()
    first = month.replace(day=1)
    return (
        timezone.make_aware(dt.datetime.combine(first, dt.time()), tz),
        timezone.make_aware(dt.datetime.combine(next_month(first), dt.time()), tz),
    )
