"""Working-day arithmetic on the official calendar (法定节假日 and 调休 working weekends).

The CalendarDay table is the source of truth. It is seeded from `chinese-calendar` (which knows
2004–2026 only) and administrators add later years when the State Council publishes them. A year
without rows falls back to Monday–Friday, with a warning (log, system check civic.W001, admin).

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

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from civic.memo import Memo

logger = logging.getLogger(__name__)

# Other processes see an administrator's edit after at most this long.
CACHE_SECONDS = 300
_years = Memo(CACHE_SECONDS)  # year -> {date: is_workday}, or None (no rows: fallback)
_warned: set[int] = set()


def local_date(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


def _year(year: int) -> dict[dt.date, bool] | None:
    """{date: is_workday} for a year, or None when the year has no rows (fallback)."""
    return _years.get(year, _load_year, year)


def _load_year(year: int) -> dict[dt.date, bool] | None:
    from civic.models import CalendarDay

    rows = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday"))
    if not rows and year not in _warned:
        _warned.add(year)
        logger.warning(
            "Working calendar has no days for %s: falling back to Monday-Friday. "
            "Enter the State Council's schedule in the admin (Calendar days).",
            year,
        )
    return rows or None


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


FIRST_PACKAGE_YEAR = 2004


def calendar_seed_from_package(
    first_year: int = FIRST_PACKAGE_YEAR, last_year: int | None = None
) -> int:
    """Fill CalendarDay from chinese-calendar for the years it knows; idempotent.

    Returns the number of rows created. Rows an administrator entered are never overwritten."""
    import chinese_calendar

    from civic.models import CalendarDay

    known_last = max(y for y in chinese_calendar.constants.holidays).year
    last_year = min(last_year or known_last, known_last)
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
