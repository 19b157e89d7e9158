"""The admin is usable by a city administrator: every changelist loads; calendar gaps show."""

import datetime as dt

import pytest
import time_machine
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from civic.models import CalendarDay
from tests.cases.factories import case_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOV_2026 = dt.datetime(2026, 11, 22, 12, 0, tzinfo=timezone.get_fixed_timezone(480))


@pytest.fixture
def superuser_client(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_every_registered_changelist_loads_for_a_superuser(superuser_client, world):
    failures = []
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for query in ("", "?q=东城"):
            status = superuser_client.get(url + query).status_code
            if status != 200:
                failures.append((url + query, status))
    assert failures == []
    assert any(m._meta.app_label == "civic" for m in admin.site._registry)


def test_civic_add_forms_load(superuser_client):
    for name in ["region", "unit", "category", "membership", "calendarday", "user"]:
        assert superuser_client.get(reverse(f"admin:civic_{name}_add")).status_code == 200


@time_machine.travel(NOV_2026)
def test_admin_banner_warns_about_a_year_without_calendar(superuser_client, working_calendar):
    page = superuser_client.get(reverse("admin:index")).content.decode()
    assert 'data-calendar-missing="2027"' in page
    assert "期限暂按农历推算的法定节假日计算" in page  # not Monday–Friday any more


@time_machine.travel(NOV_2026)
def test_no_banner_once_the_next_year_is_entered(superuser_client, working_calendar):
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False, kind="holiday")
    page = superuser_client.get(reverse("admin:index")).content.decode()
    assert "data-calendar-missing" not in page


@pytest.fixture
def provisional_2027(working_calendar):
    from civic import calendar

    calendar.calendar_seed_provisional(today=dt.date(2026, 11, 22))


@time_machine.travel(NOV_2026)
def test_admin_banner_and_list_show_a_provisional_year(superuser_client, provisional_2027):
    page = superuser_client.get(reverse("admin:index")).content.decode()
    assert 'data-calendar-provisional="2027"' in page and "data-calendar-missing" not in page
    assert "2027年的工作日历是临时的" in page
    url = reverse("admin:civic_calendarday_changelist")
    listing = superuser_client.get(url, {"provisional__exact": "1", "date__year": "2027"})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 365
    assert "field-provisional" in listing.content.decode()


@time_machine.travel(NOV_2026)
def test_admin_entry_replaces_the_provisional_day(superuser_client, provisional_2027):
    from civic import calendar

    assert calendar.add_working_days(
        dt.datetime(2027, 2, 4, 10, tzinfo=NOV_2026.tzinfo), 1
    ) == dt.datetime(2027, 2, 11, 10, tzinfo=NOV_2026.tzinfo)
    r = superuser_client.post(
        reverse("admin:civic_calendarday_add"),
        {
            "date": "2027-02-11",
            "is_workday": "",
            "kind": "holiday",
            "name": "春节",
            "source": "admin",
        },
    )
    assert r.status_code == 302, r.context["adminform"].form.errors
    day = CalendarDay.objects.get(date=dt.date(2027, 2, 11))
    assert not day.provisional and not day.is_workday
    assert calendar.add_working_days(
        dt.datetime(2027, 2, 4, 10, tzinfo=NOV_2026.tzinfo), 1
    ) == dt.datetime(2027, 2, 12, 10, tzinfo=NOV_2026.tzinfo)
    # An official day is still a duplicate.
    r = superuser_client.post(
        reverse("admin:civic_calendarday_add"),
        {
            "date": "2027-02-11",
            "is_workday": "on",
            "kind": "workday",
            "name": "",
            "source": "admin",
        },
    )
    assert r.status_code == 200 and "date" in r.context["adminform"].form.errors
    # Changing a provisional day makes it official.
    saturday = CalendarDay.objects.get(date=dt.date(2027, 2, 20))
    r = superuser_client.post(
        reverse("admin:civic_calendarday_change", args=[saturday.pk]),
        {
            "date": "2027-02-20",
            "is_workday": "on",
            "kind": "adjusted_workday",
            "name": "春节",
            "source": "holidays",
        },
    )
    assert r.status_code == 302
    saturday.refresh_from_db()
    assert not saturday.provisional and saturday.is_workday and saturday.source == "admin"


@time_machine.travel(NOV_2026)
def test_admin_confirms_the_rest_of_the_year_and_the_banner_goes(
    superuser_client, provisional_2027
):
    ids = CalendarDay.objects.filter(date__year=2027).values_list("pk", flat=True)
    r = superuser_client.post(
        reverse("admin:civic_calendarday_changelist"),
        {"action": "confirm_official", "_selected_action": [str(i) for i in ids]},
        follow=True,
    )
    assert r.status_code == 200
    assert not CalendarDay.objects.filter(provisional=True).exists()
    page = superuser_client.get(reverse("admin:index")).content.decode()
    assert "data-calendar-provisional" not in page and "data-calendar-missing" not in page


def _changelist_numbers(response) -> set[str]:
    return {c.number for c in response.context["cl"].result_list}


def test_large_table_search_matches_the_number_exactly(superuser_client, world):
    first = case_in(world, "dispatched")
    case_in(world, "dispatched")
    found = superuser_client.get("/admin/cases/case/", {"q": first.number})
    assert found.status_code == 200 and _changelist_numbers(found) == {first.number}
    partial = superuser_client.get("/admin/cases/case/", {"q": first.number[:6]})
    assert _changelist_numbers(partial) == set()  # indexed, exact: no LIKE over the table
    events = superuser_client.get("/admin/cases/caseevent/", {"q": first.number})
    assert {e.case_id for e in events.context["cl"].result_list} == {first.pk}


def test_the_audit_trail_lists_the_newest_events_first(superuser_client, world):
    case_in(world, "dispatched")
    newest = case_in(world, "dispatched")
    events = list(superuser_client.get("/admin/cases/caseevent/").context["cl"].result_list)
    assert events[0].case_id == newest.pk
    assert [e.pk for e in events] == sorted((e.pk for e in events), reverse=True)


@pytest.mark.postgres
def test_an_unfiltered_large_list_counts_from_the_table_estimate(
    superuser_client, world, monkeypatch
):
    from django.db import connection

    from cases.models import Case
    from civic.pagination import EstimatedCountPaginator

    for _ in range(3):
        case_in(world, "received")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    for _ in range(2):  # after the statistics: the estimate does not know them yet
        case_in(world, "received")
    monkeypatch.setattr(EstimatedCountPaginator, "ESTIMATE_ABOVE", 1)
    listed = superuser_client.get("/admin/cases/case/")
    assert listed.context["cl"].result_count == 3  # the estimate
    assert Case.objects.count() == 5
    filtered = superuser_client.get("/admin/cases/case/", {"status__exact": "received"})
    assert filtered.context["cl"].result_count == 5  # a filtered list counts exactly
