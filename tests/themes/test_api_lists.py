"""The themes and proactive-suggestion lists: FilterSet parameters (`status`, `month`), 400s
for invalid values, pages like the case list, and never a 500 for garbage."""

import datetime as dt

import pytest
from django.utils import timezone

from themes import services
from themes.models import ProactiveSuggestion

pytestmark = pytest.mark.django_db

SUGGESTIONS = "/api/v1/proactive-suggestions/"
THEMES = "/api/v1/themes/"
GARBAGE_MONTHS = [
    "2026-13",
    "2026-00",
    "2026-1",
    "0000-01",
    "26-01",
    "abc",
    "\x00",
    "99999999999999999999",
    "-1",
    "1.5",
    "2026-01-01",
]
GARBAGE_PAGES = ["0", "-1", "abc", "\x00", "1.5", "99999999999999999999", "4"]


@pytest.fixture
def suggestions(world):
    """Three suggestions to the department: two in 2026-11 (one declined), one in 2026-10.
    Rows made directly: the list is under test here, not the generator (test_proactive.py)."""

    def make(month, region, **kwargs):
        return ProactiveSuggestion.objects.create(
            month=month,
            category=world.department_category,
            region=region,
            suggested_unit=world.department,
            created_at=timezone.now(),
            **kwargs,
        )

    return {
        "nov_street": make(dt.date(2026, 11, 1), world.street, score=3),
        "nov_declined": make(
            dt.date(2026, 11, 1), world.community, status="declined", decline_reason="已排查"
        ),
        "oct": make(dt.date(2026, 10, 1), world.street),
    }


def _ids(api_client, **params):
    response = api_client.get(SUGGESTIONS, params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return {s["id"] for s in body["results"]}


def _assert_invalid(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"message", "extra"}
    assert field in body["extra"]["fields"], body


def test_suggestions_filter_by_month_and_status(api_client, world, suggestions):
    api_client.force_authenticate(world.dispatcher)
    s = {k: v.pk for k, v in suggestions.items()}
    assert _ids(api_client) == set(s.values())
    assert _ids(api_client, month="2026-11") == {s["nov_street"], s["nov_declined"]}
    assert _ids(api_client, month="2026-10") == {s["oct"]}
    assert _ids(api_client, month="2025-11") == set()
    assert _ids(api_client, status="declined") == {s["nov_declined"]}
    assert _ids(api_client, status="suggested", month="2026-11") == {s["nov_street"]}
    assert _ids(api_client, status=["suggested", "declined"]) == set(s.values())
    # The handler of the suggested unit sees the same; another unit's handler nothing.
    api_client.force_authenticate(world.handler)
    assert _ids(api_client, month="2026-11") == {s["nov_street"], s["nov_declined"]}
    api_client.force_authenticate(world.other_handler)
    assert _ids(api_client, month="2026-11") == set()


@pytest.mark.parametrize("value", GARBAGE_MONTHS)
def test_suggestion_month_garbage_is_a_400_naming_the_field(api_client, world, value):
    api_client.force_authenticate(world.dispatcher)
    _assert_invalid(api_client.get(SUGGESTIONS, {"month": value}), "month")


@pytest.mark.parametrize("value", ["abc", "\x00", "SUGGESTED", "99999999999999999999", "-1"])
def test_suggestion_status_garbage_is_a_400_naming_the_field(api_client, world, value):
    api_client.force_authenticate(world.dispatcher)
    _assert_invalid(api_client.get(SUGGESTIONS, {"status": value}), "status")


def test_suggestions_are_paged(api_client, world, suggestions):
    api_client.force_authenticate(world.dispatcher)
    first = api_client.get(SUGGESTIONS, {"page_size": 2}).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 3 and len(first["results"]) == 2 and first["previous"] is None
    assert "page=2" in first["next"]
    second = api_client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    # Newest month first, then by score (Meta.ordering), the same across pages.
    ordered = [r["id"] for r in first["results"] + second["results"]]
    assert ordered == [suggestions[k].pk for k in ("nov_street", "nov_declined", "oct")]
    filtered = api_client.get(SUGGESTIONS, {"page_size": 1, "month": "2026-11"}).json()
    assert filtered["count"] == 2 and "month=2026-11" in filtered["next"]


@pytest.mark.parametrize("page", GARBAGE_PAGES)
def test_a_suggestion_page_past_the_end_or_garbage_is_a_clean_404(
    api_client, world, suggestions, page
):
    api_client.force_authenticate(world.dispatcher)
    response = api_client.get(SUGGESTIONS, {"page": page})
    assert response.status_code == 404, response.content
    assert set(response.json()) == {"message", "extra"}


def test_list_filters_do_not_hide_a_suggestion_from_its_own_url(api_client, world, suggestions):
    api_client.force_authenticate(world.dispatcher)
    pk = suggestions["nov_street"].pk
    for params in ({"status": "declined"}, {"month": "2020-01"}, {"month": "2026-13"}):
        assert api_client.get(f"{SUGGESTIONS}{pk}/", params).status_code == 200


def test_themes_are_paged(api_client, world):
    for i in range(3):
        services.theme_create(
            actor=world.dispatcher,
            title=f"专项治理{i}",
            month="2026-10",
            lead_unit=world.department,
            milestones=[("摸排", dt.date(2026, 11, 1))],
            activate=i > 0,  # 专项治理0 stays a draft
        )
    api_client.force_authenticate(world.dispatcher)  # the centre sees the draft too
    first = api_client.get(THEMES, {"page_size": 2}).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 3 and len(first["results"]) == 2 and "page=2" in first["next"]
    second = api_client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    titles = {t["title"] for t in first["results"] + second["results"]}
    assert titles == {"专项治理0", "专项治理1", "专项治理2"}
    for page in GARBAGE_PAGES[:-1]:
        assert api_client.get(THEMES, {"page": page, "page_size": 2}).status_code == 404, page
    assert api_client.get(THEMES, {"page": 3, "page_size": 2}).status_code == 404
    assert api_client.get(THEMES, {"page_size": "99999999999999999999"}).json()["count"] == 3
    # Anonymous readers page through the public themes only: the draft is not counted.
    api_client.force_authenticate(None)
    public = api_client.get(THEMES, {"page_size": 1}).json()
    assert public["count"] == 2 and public["results"][0]["title"] == "专项治理2"
    last = api_client.get(public["next"]).json()
    assert [t["title"] for t in last["results"]] == ["专项治理1"] and last["next"] is None
