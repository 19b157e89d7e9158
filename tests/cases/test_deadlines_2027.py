"""Deadlines in 2027, the first year chinese-calendar does not know: the statutory holidays are
computed (provisional) until the State Council's schedule is entered; stored deadlines never move
when the calendar is edited (issue 31, finding 10)."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from cases.sweep import sweep
from civic import calendar
from civic.models import CalendarDay
from tests.cases.factories import case_in

pytestmark = pytest.mark.django_db

# Thu 4 Feb 2027 10:00 Beijing; the Spring Festival holidays (computed) are Fri 5 – Wed 10 Feb.
RECEIVED = dt.datetime(2027, 2, 4, 2, 0, tzinfo=dt.UTC)


def local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%m-%d %H:%M")


@pytest.fixture
def calendar_2027(db):
    """What seed_calendar leaves when run in late 2026: 2004–2026 official, 2027 provisional."""
    with time_machine.travel(dt.datetime(2026, 11, 22, 4, 0, tzinfo=dt.UTC)):
        call_command("seed_calendar", "--from-year", "2026", stdout=io.StringIO())


@pytest.mark.parametrize("seeded", [True, False], ids=["provisional-rows", "no-rows-yet"])
def test_case_received_on_4_february_2027_skips_the_spring_festival(world, db, seeded, request):
    if seeded:
        request.getfixturevalue("calendar_2027")
    with time_machine.travel(RECEIVED, tick=False):
        case = case_in(world, "dispatched")
    # 1 working day: Thu 11 Feb (Monday–Friday gave Fri 5 Feb, New Year's Eve).
    assert local(case.sign_due_at) == "02-11 10:00"
    # 7 working days: 11, 12, 15, 16, 17, 18, 19 Feb (Monday–Friday gave Mon 15 Feb).
    assert local(case.handle_due_at) == "02-19 10:00"
    # Clock hours ignore the holidays.
    assert local(case.contact_due_at) == "02-05 10:00"


def test_stored_deadline_keeps_its_date_when_the_official_schedule_is_entered(world, calendar_2027):
    with time_machine.travel(RECEIVED, tick=False):
        case = case_in(world, "dispatched")
    stored = (case.sign_due_at, case.handle_due_at, case.return_window_ends_at)
    # The State Council's schedule (made up here): 11 and 12 Feb off too, Sat 20 Feb worked.
    for day in (11, 12):
        calendar.calendar_day_enter(
            CalendarDay(date=dt.date(2027, 2, day), is_workday=False, kind="holiday", name="春节")
        )
    saturday = CalendarDay.objects.get(date=dt.date(2027, 2, 20))
    saturday.is_workday, saturday.kind = True, CalendarDay.Kind.ADJUSTED_WORKDAY
    calendar.calendar_day_enter(saturday)
    calendar.calendar_days_confirm(CalendarDay.objects.filter(date__year=2027))
    with time_machine.travel(RECEIVED + dt.timedelta(hours=1), tick=False):
        sweep()
        later = case_in(world, "dispatched")
    case.refresh_from_db()
    assert (case.sign_due_at, case.handle_due_at, case.return_window_ends_at) == stored
    # A case dispatched after the edit counts on the official schedule.
    assert local(later.sign_due_at) == "02-15 11:00"
    # 15–19 Feb, Sat 20 Feb (worked), Mon 22 Feb.
    assert local(later.handle_due_at) == "02-22 11:00"
