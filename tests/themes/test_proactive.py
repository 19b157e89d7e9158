"""Proactive governance (未诉先办): suggestions from seasonal history and trend; accept → a
proactive case dispatched to the unit; decline needs a reason."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from cases.models import Case, Channel, Status
from tests.cases.factories import file_case
from themes import services
from themes.models import ProactiveSuggestion, ThemeEvent

from .helpers import at

pytestmark = pytest.mark.django_db
HEATING = ("暖气不热", "家里暖气温度只有十五度，屋里很冷，请供热公司检查。")


def _file_at(world, when, *, region=None, category=None, n=1):
    with time_machine.travel(when, tick=False):
        for _i in range(n):
            file_case(
                world,
                title=HEATING[0],
                description=HEATING[1],
                region=region or world.community,
                category=category,
            )


@pytest.fixture
def heating_history(world):
    """Heating complaints every November of 2023–2025, in two communities of two streets."""
    for year, n in [(2023, 2), (2024, 3), (2025, 4)]:
        _file_at(world, at(year, 11, 12), n=n)
        _file_at(world, at(year, 11, 14), region=world.other_community, n=1)
    return world


def _generate(month="2026-11", when=None):
    with time_machine.travel(when or at(2026, 10, 28), tick=False):
        return services.suggestions_generate(month=month)


def test_seasonal_history_opens_a_suggestion_before_the_month(heating_history):
    world = heating_history
    created = _generate()
    assert len(created) == 1  # the other street averages 1 a year: below the threshold
    s = created[0]
    assert (s.category, s.region, s.month) == (
        world.department_category,
        world.street,
        dt.date(2026, 11, 1),
    )
    assert s.suggested_unit == world.department
    assert s.figures["seasonal"] == {"2023": 2, "2024": 3, "2025": 4}
    assert s.figures["seasonal_average"] == 3.0 and s.figures["is_seasonal"]
    reason = services.suggestion_reason(s)
    assert "2023: 2" in reason and "2025: 4" in reason
    assert ThemeEvent.objects.get(suggestion=s).action == "suggest"


def test_generation_is_idempotent_by_task_and_command(heating_history):
    _generate()
    assert _generate() == []
    from themes.tasks import suggest_proactive

    with time_machine.travel(at(2026, 11, 1, 3), tick=False):
        assert suggest_proactive() == 0
        call_command("suggest_proactive", "--month", "2026-11")
    assert ProactiveSuggestion.objects.count() == 1


def test_a_rising_trend_opens_a_suggestion_without_history(world):
    _file_at(world, at(2026, 10, 10), category=world.street_category, n=4)
    _file_at(world, at(2026, 9, 10), category=world.street_category, n=1)
    (s,) = _generate()
    assert s.category == world.street_category and s.suggested_unit == world.street_unit
    assert (s.figures["recent"], s.figures["before"]) == (4, 1)
    assert s.figures["is_trending"] and not s.figures["is_seasonal"]


def test_nothing_is_suggested_for_quiet_months(heating_history):
    assert _generate("2026-06", when=at(2026, 5, 28)) == []


def test_dispatcher_accepts_and_a_proactive_case_is_dispatched(api_client, heating_history):
    world = heating_history
    (s,) = _generate()
    api_client.force_authenticate(world.dispatcher)
    with time_machine.travel(at(2026, 11, 1, 9), tick=False):
        response = api_client.post(
            f"/api/v1/proactive-suggestions/{s.pk}/accept/", {"note": "入冬前排查"}, format="json"
        )
    assert response.status_code == 200, response.json()
    body = response.json()
    case = Case.objects.get(number=body["case"])
    assert body["status"] == "accepted"
    assert case.channel == Channel.PROACTIVE and case.status == Status.DISPATCHED
    assert case.lead_unit == world.department and case.category == world.department_category
    assert case.region == world.street and not case.assessable
    assert case.assignments.filter(unit=world.department, role="lead").exists()
    assert case.events.filter(action="dispatch").exists()
    # The unit sees it in its inbox like any case.
    from cases.selectors import inbox_for_user

    assert case in inbox_for_user(world.handler)
    again = api_client.post(f"/api/v1/proactive-suggestions/{s.pk}/accept/", {}, format="json")
    assert again.status_code == 409
    assert Case.objects.filter(channel=Channel.PROACTIVE).count() == 1


def test_the_suggested_units_handler_accepts_on_the_web(client, heating_history):
    world = heating_history
    (s,) = _generate()
    client.force_login(world.other_handler)
    assert client.post(reverse("themes:suggestion_accept", args=[s.pk])).status_code == 404
    client.force_login(world.handler)
    page = client.get(reverse("themes:suggestions"))
    assert page.status_code == 200 and world.street.name in page.content.decode()
    response = client.post(reverse("themes:suggestion_accept", args=[s.pk]), {"note": ""})
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.status == ProactiveSuggestion.Status.ACCEPTED and s.decided_by == world.handler
    assert s.case.lead_unit == world.department
    assert ThemeEvent.objects.filter(suggestion=s, action="accept", actor=world.handler).exists()


def test_a_handler_cannot_send_the_task_to_another_unit(api_client, heating_history):
    world = heating_history
    (s,) = _generate()
    api_client.force_authenticate(world.handler)
    response = api_client.post(
        f"/api/v1/proactive-suggestions/{s.pk}/accept/",
        {"unit": world.other_department.pk},
        format="json",
    )
    assert response.status_code == 403
    assert not Case.objects.filter(channel=Channel.PROACTIVE).exists()


def test_decline_needs_a_reason(api_client, client, heating_history):
    world = heating_history
    (s,) = _generate()
    url = f"/api/v1/proactive-suggestions/{s.pk}/decline/"
    api_client.force_authenticate(world.dispatcher)
    response = api_client.post(url, {"reason": "  "}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["extra"]["fields"]
    assert api_client.post(url, {}, format="json").status_code == 400
    client.force_login(world.dispatcher)
    client.post(reverse("themes:suggestion_decline", args=[s.pk]), {"reason": ""})
    s.refresh_from_db()
    assert s.status == ProactiveSuggestion.Status.SUGGESTED
    response = api_client.post(url, {"reason": "已纳入供热季专项检查"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "declined"
    assert response.json()["decline_reason"] == "已纳入供热季专项检查"
    assert api_client.post(url, {"reason": "again"}, format="json").status_code == 409


def test_suggestions_are_visible_to_the_centre_and_the_suggested_unit(api_client, heating_history):
    world = heating_history
    _generate()
    url = "/api/v1/proactive-suggestions/"
    assert api_client.get(url).status_code in (401, 403)
    for who, n in [
        ("dispatcher", 1),
        ("operator", 1),
        ("handler", 1),
        ("other_handler", 0),
        ("resident", 0),
    ]:
        api_client.force_authenticate(getattr(world, who))
        assert len(api_client.get(url).json()["results"]) == n, who
    api_client.force_authenticate(world.dispatcher)
    assert api_client.get(url, {"month": "2026-99"}).status_code == 400
    assert api_client.get(f"{url}99999999999999/").status_code == 404
    bad = api_client.post(f"{url}1/accept/", {"unit": 99999999999999}, format="json")
    assert bad.status_code in (400, 404)
