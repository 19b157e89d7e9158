"""Working days across statutory holidays and adjusted working weekends (调休)."""

import datetime as dt
import logging
import time

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from civic import calendar, memo
from civic.models import CalendarDay

pytestmark = pytest.mark.django_db
TZ = timezone.get_fixed_timezone(8 * 60)


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, 0, tzinfo=TZ)


@pytest.fixture
def seeded():
    calendar.calendar_seed_from_package(first_year=2025, last_year=2026)


def test_seed_marks_holidays_and_adjusted_working_days(seeded):
    assert CalendarDay.objects.get(date=dt.date(2025, 10, 1)).kind == CalendarDay.Kind.HOLIDAY
    sunday = CalendarDay.objects.get(date=dt.date(2025, 9, 28))
    assert sunday.is_workday and sunday.kind == CalendarDay.Kind.ADJUSTED_WORKDAY
    assert CalendarDay.objects.get(date=dt.date(2025, 10, 11)).is_workday  # Saturday worked
    assert not calendar.is_workday(dt.date(2025, 10, 6))
    assert calendar.calendar_seed_from_package(first_year=2025, last_year=2026) == 0  # idempotent


def test_working_days_across_national_day(seeded):
    # Tue 30 Sep 2025 + 1 working day: 1–8 Oct are off, Thu 9 Oct is the next working day.
    assert calendar.add_working_days(at(2025, 9, 30), 1) == at(2025, 10, 9)
    # Fri 26 Sep + 1: the adjusted working Sunday 28 Sep counts.
    assert calendar.add_working_days(at(2025, 9, 26), 1) == at(2025, 9, 28)
    # Thu 9 Oct + 2: Fri 10, Sat 11 (adjusted working day).
    assert calendar.add_working_days(at(2025, 10, 9), 2) == at(2025, 10, 11)
    # 7 working days from Mon 29 Sep: 30 Sep, 9, 10, 11, 13, 14, 15 Oct.
    assert calendar.add_working_days(at(2025, 9, 29), 7) == at(2025, 10, 15)


def test_start_day_never_counts_even_on_a_holiday(seeded):
    # Received on National Day itself: 1 working day later is 9 Oct, not 1 Oct.
    assert calendar.add_working_days(at(2025, 10, 1), 1) == at(2025, 10, 9)
    assert calendar.add_working_days(at(2025, 10, 1), 0) == at(2025, 10, 1)


def test_spring_festival_2026(seeded):
    # Spring Festival 2026: 15–23 Feb off; Sat 14 Feb and Sat 28 Feb are adjusted working days.
    assert calendar.is_workday(dt.date(2026, 2, 14))
    assert not calendar.is_workday(dt.date(2026, 2, 17))
    assert calendar.add_working_days(at(2026, 2, 13), 1) == at(2026, 2, 14)
    assert calendar.add_working_days(at(2026, 2, 14), 1) == at(2026, 2, 24)


def test_hours_ignore_the_calendar(seeded):
    assert calendar.add_hours(at(2025, 9, 30, 20), 24) == at(2025, 10, 1, 20)


def test_year_without_rows_falls_back_to_monday_to_friday_and_warns(seeded, caplog):
    calendar._warned.discard(2027)
    with caplog.at_level(logging.WARNING, logger="civic.calendar"):
        # Thu 31 Dec 2026 + 2 working days → Mon 4 Jan 2027 on the fallback (1 Jan is unknown).
        assert calendar.add_working_days(at(2026, 12, 31), 2) == at(2027, 1, 4)
    assert "2027" in caplog.text
    assert calendar.missing_years(dt.date(2026, 12, 1)) == [2027]


def test_admin_entry_for_a_new_year_is_used_at_once(seeded):
    calendar.add_working_days(at(2026, 12, 31), 1)  # caches 2027 as missing
    CalendarDay.objects.create(
        date=dt.date(2027, 1, 1), is_workday=False, kind="holiday", name="元旦"
    )
    CalendarDay.objects.create(
        date=dt.date(2027, 1, 4), is_workday=False, kind="holiday", name="元旦"
    )
    assert calendar.add_working_days(at(2026, 12, 31), 1) == at(2027, 1, 5)


@time_machine.travel(dt.datetime(2026, 11, 22, 12, 0, tzinfo=TZ))
def test_system_check_warns_about_missing_year(seeded):
    from civic.checks import calendar_covers_next_year

    warnings = calendar_covers_next_year(None)
    assert any("2027" in w.msg for w in warnings)


def test_seed_calendar_command(capsys):
    call_command("seed_calendar", "--from-year", "2026")
    out = capsys.readouterr().out
    assert "day(s) added" in out and CalendarDay.objects.filter(date__year=2026).count() == 365


def test_start_on_a_weekend_counts_from_the_next_working_day(working_calendar):
    # Sat 15 Nov 2025 10:00 + 1 working day → Mon 17 Nov 10:00 (the Saturday itself never counts).
    assert calendar.add_working_days(at(2025, 11, 15), 1) == at(2025, 11, 17)
    # Sun 5 Oct 2025 (holiday week) + 3 → Thu 9, Fri 10, Sat 11 (adjusted working day).
    assert calendar.add_working_days(at(2025, 10, 5), 3) == at(2025, 10, 11)


def test_working_days_between_counts_adjusted_weekends_not_holidays(working_calendar):
    assert calendar.working_days_between(dt.date(2025, 9, 30), dt.date(2025, 10, 11)) == 3
    assert calendar.working_days_between(dt.date(2025, 9, 26), dt.date(2025, 9, 30)) == 3
    assert calendar.working_days_between(dt.date(2025, 10, 11), dt.date(2025, 9, 30)) == 0


def test_edit_made_elsewhere_is_seen_after_the_cache_expires(working_calendar, monkeypatch):
    day = dt.date(2026, 2, 14)  # adjusted working Saturday
    assert calendar.is_workday(day)
    # .update() sends no signal: this stands for an edit made by another process.
    CalendarDay.objects.filter(date=day).update(is_workday=False)
    assert calendar.is_workday(day)  # still cached in this process
    later = time.monotonic() + calendar.CACHE_SECONDS + 1
    monkeypatch.setattr(memo, "_clock", lambda: later)
    assert not calendar.is_workday(day)


def test_full_seed_covers_every_year_the_package_knows():
    created = calendar.calendar_seed_from_package()
    assert created == (dt.date(2027, 1, 1) - dt.date(2004, 1, 1)).days
    assert calendar.missing_years(dt.date(2026, 5, 1)) == [2027]
    assert calendar.missing_years(dt.date(2025, 5, 1)) == []
