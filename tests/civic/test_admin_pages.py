"""The admin is usable by a city administrator: every changelist loads; calendar gaps show."""

import datetime as dt

import pytest
import time_machine
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from civic.models import CalendarDay
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


@time_machine.travel(NOV_2026)
def test_no_banner_once_the_next_year_is_entered(superuser_client, working_calendar):
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False, kind="holiday")
    page = superuser_client.get(reverse("admin:index")).content.decode()
    assert "data-calendar-missing" not in page
