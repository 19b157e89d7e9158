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


def test_year_without_rows_falls_back_to_computed_statutory_holidays_and_warns(seeded, caplog):
    calendar._warned.discard(2027)
    with caplog.at_level(logging.WARNING, logger="civic.calendar"):
        # Thu 31 Dec 2026 + 2 working days: Fri 1 Jan 2027 is New Year's Day (computed, no row
        # yet), so Mon 4 and Tue 5 Jan — not Mon 4 Jan as Monday–Friday counted.
        assert calendar.add_working_days(at(2026, 12, 31), 2) == at(2027, 1, 5)
    assert "2027" in caplog.text and "computed statutory holidays" in caplog.text
    assert calendar.missing_years(dt.date(2026, 12, 1)) == [2027]


def test_year_the_package_covers_without_rows_still_counts_monday_to_friday(db):
    # An unseeded database: the years chinese-calendar knows are never computed, so 2026
    # deadlines are what they were (the seeded table is their source).
    assert calendar.is_workday(dt.date(2026, 10, 1))  # National Day, but no row
    assert calendar.add_working_days(at(2026, 2, 13), 1) == at(2026, 2, 16)


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


@time_machine.travel(dt.datetime(2026, 11, 22, 12, 0, tzinfo=TZ))
def test_seed_calendar_command(capsys):
    call_command("seed_calendar", "--from-year", "2026")
    out = capsys.readouterr().out
    assert "day(s) added" in out and CalendarDay.objects.filter(date__year=2026).count() == 365
    # 2026 is official; the year after chinese-calendar is filled provisionally, up to next year.
    assert not CalendarDay.objects.filter(date__year=2026, provisional=True).exists()
    assert CalendarDay.objects.filter(date__year=2027, provisional=True).count() == 365
    assert not CalendarDay.objects.filter(date__year=2028).exists()
    assert "365 provisional day(s) added" in out and "2027 is provisional" in out
    call_command("seed_calendar", "--from-year", "2026")
    assert "calendar: 0 provisional day(s) added" in capsys.readouterr().out  # idempotent


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


# --- 2027 and later: provisional days computed from the statutory holidays (issue 31, #10) ---

NOV_2026 = dt.datetime(2026, 11, 22, 12, 0, tzinfo=TZ)


@pytest.fixture
def provisional_2027(seeded):
    calendar.calendar_seed_provisional(today=dt.date(2026, 11, 22))


def test_spring_festival_2027_is_computed_and_provisional(provisional_2027):
    # The `holidays` package: New Year's Eve Fri 5 Feb, Spring Festival 6–8 Feb, and the two
    # days the weekend took back (补假) Tue 9 and Wed 10 Feb.
    days = {d.date: d for d in CalendarDay.objects.filter(date__range=("2027-02-04", "2027-02-11"))}
    off = [dt.date(2027, 2, d) for d in range(5, 11)]
    for day in off:
        assert not days[day].is_workday and days[day].provisional, day
        assert days[day].kind == CalendarDay.Kind.HOLIDAY and days[day].source == "holidays"
    assert days[dt.date(2027, 2, 6)].name == "春节"
    assert days[dt.date(2027, 2, 4)].is_workday and days[dt.date(2027, 2, 11)].is_workday
    # Received Thu 4 Feb 2027: 1 working day later is Thu 11 Feb, not Fri 5 Feb.
    assert calendar.add_working_days(at(2027, 2, 4), 1) == at(2027, 2, 11)
    assert calendar.add_working_days(at(2027, 2, 4), 7) == at(2027, 2, 19)
    # The other statutory holidays of 2027 (lunar and solar) are there too.
    for day in ["2027-04-05", "2027-05-03", "2027-06-09", "2027-09-15", "2027-10-05"]:
        assert not calendar.is_workday(dt.date.fromisoformat(day)), day


def test_without_rows_2027_counts_exactly_as_the_provisional_rows(seeded):
    unseeded = [calendar.is_workday(dt.date(2027, 1, 1) + dt.timedelta(d)) for d in range(365)]
    calendar.calendar_seed_provisional(today=dt.date(2026, 11, 22))
    seeded_rows = [calendar.is_workday(dt.date(2027, 1, 1) + dt.timedelta(d)) for d in range(365)]
    assert unseeded == seeded_rows
    assert unseeded.count(False) == 104 + 13  # weekends, and the holidays on weekdays


def test_provisional_days_are_computed_offline(seeded, monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the calendar must not reach the network")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert calendar.calendar_seed_provisional(today=dt.date(2026, 11, 22)) == 365
    assert not calendar.is_workday(dt.date(2027, 2, 8))


def test_provisional_seed_never_touches_official_years_or_rows(provisional_2027):
    assert not CalendarDay.objects.filter(date__year__lte=2026, provisional=True).exists()
    official = CalendarDay.objects.filter(date__year=2026).values_list("date", "is_workday")
    before = set(official)
    assert calendar.calendar_seed_provisional(first_year=2025, today=dt.date(2026, 11, 22)) == 0
    assert set(official) == before
    # 2026 counts as before (Spring Festival 2026 with its adjusted working Saturday).
    assert calendar.add_working_days(at(2026, 2, 13), 1) == at(2026, 2, 14)
    assert calendar.add_working_days(at(2026, 2, 14), 1) == at(2026, 2, 24)


def test_official_day_entered_replaces_the_provisional_one(provisional_2027):
    calendar.add_working_days(at(2027, 2, 4), 1)  # caches 2027
    calendar.calendar_day_enter(
        CalendarDay(date=dt.date(2027, 2, 11), is_workday=False, kind="holiday", name="春节")
    )
    day = CalendarDay.objects.get(date=dt.date(2027, 2, 11))
    assert not day.provisional and day.source == "admin"
    assert calendar.add_working_days(at(2027, 2, 4), 1) == at(2027, 2, 12)
    # Changing a provisional row makes it official too.
    saturday = CalendarDay.objects.get(date=dt.date(2027, 2, 20))
    saturday.is_workday, saturday.kind = True, CalendarDay.Kind.ADJUSTED_WORKDAY
    calendar.calendar_day_enter(saturday)
    saturday.refresh_from_db()
    assert not saturday.provisional and saturday.is_workday


def test_confirming_the_rest_makes_the_year_official(provisional_2027):
    assert calendar.provisional_years(dt.date(2026, 11, 22)) == [2027]
    assert calendar.calendar_days_confirm(CalendarDay.objects.filter(date__year=2027)) == 365
    assert calendar.provisional_years(dt.date(2026, 11, 22)) == []
    assert not calendar.is_workday(dt.date(2027, 2, 8))


def test_newer_chinese_calendar_replaces_the_provisional_rows(provisional_2027, monkeypatch):
    import chinese_calendar

    # A later release of the package with the State Council's 2027 schedule (made up here:
    # 5–13 Feb off, Sat 20 Feb worked).
    for d in range(5, 14):
        monkeypatch.setitem(chinese_calendar.constants.holidays, dt.date(2027, 2, d), "春节")
    monkeypatch.setitem(chinese_calendar.constants.workdays, dt.date(2027, 2, 20), "春节")
    assert calendar.package_last_year() == 2027
    assert calendar.calendar_seed_from_package(first_year=2027) == 365
    assert not CalendarDay.objects.filter(date__year=2027, provisional=True).exists()
    day = CalendarDay.objects.get(date=dt.date(2027, 2, 11))
    assert not day.is_workday and day.source == "chinese-calendar"
    assert calendar.add_working_days(at(2027, 2, 4), 1) == at(2027, 2, 15)
    assert calendar.add_working_days(at(2027, 2, 19), 1) == at(2027, 2, 20)


@time_machine.travel(NOV_2026)
def test_system_check_flags_a_provisional_year(provisional_2027):
    from civic.checks import calendar_covers_next_year

    warnings = calendar_covers_next_year(None)
    assert [w.id for w in warnings] == ["civic.W002"]
    assert "2027" in warnings[0].msg and "provisional" in warnings[0].msg


@time_machine.travel(NOV_2026)
def test_system_check_says_what_a_missing_year_falls_back_to(seeded):
    from civic.checks import calendar_covers_next_year

    (warning,) = calendar_covers_next_year(None)
    assert warning.id == "civic.W001" and "2027" in warning.msg
    assert "statutory holidays computed" in warning.msg
