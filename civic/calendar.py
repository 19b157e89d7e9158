"""Working-day arithmetic over the CalendarDay table (minimal; completed with the seed)."""

import datetime as dt

from django.utils import timezone


def local_date(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


def is_workday(day: dt.date) -> bool:
    from civic.models import CalendarDay

    row = CalendarDay.objects.filter(date=day).values_list("is_workday", flat=True).first()
    if row is not None:
        return row
    return day.weekday() < 5


def add_hours(start: dt.datetime, hours: int) -> dt.datetime:
    return start + dt.timedelta(hours=hours)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    local = timezone.localtime(start)
    day = local.date()
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return local.replace(year=day.year, month=day.month, day=day.day)


def missing_years(today: dt.date | None = None) -> list[int]:
    return []
