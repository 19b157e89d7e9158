"""Unhandled input (issue 31, finding 6): absurd page numbers, ids and filter values in query
strings and forms are a page, a form error or a 400, never a 500 (a database overflow)."""

import datetime as dt

import pytest
from drf_spectacular.generators import EndpointEnumerator

from cases.models import Assignment, Case, Status
from tests.cases.factories import case_in
from themes import services as themes

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # past a bigint
BAD_VALUES = [HUGE, f"-{HUGE}", "-1", "0", "abc", "1e400", "1.5", "\x00", "9" * 400, ""]
PARAMS = [
    "page",
    "page_size",
    "community",
    "status",
    "tab",
    "month",
    "region",
    "category",
    "lead_unit",
    "unit",
    "version",
    "topic",
    "q",
    "ordering",
    "received_after",
]

# The HTML lists and pages that read query parameters, each with who opens it.
PAGES = [
    ("/inbox/", "handler"),
    ("/inbox/", "street_official"),
    ("/public/cases/", None),
    ("/public/map/", None),
    ("/public/cases.geojson", None),
    ("/public/nearby.json", None),
    ("/cases/mine/", "resident"),
    ("/cases/track/", None),
    ("/dispatch/", "dispatcher"),
    ("/console/", "operator"),
    ("/themes/", "dispatcher"),
    ("/themes/hot-topics/", "dispatcher"),
    ("/themes/hot-topics/promote/", "dispatcher"),
    ("/themes/proactive/", "dispatcher"),
    ("/council/", "community_worker"),
    ("/council/proposals/", "community_worker"),
    ("/council/meetings/new/", "community_worker"),
    ("/boards/", None),
    ("/boards/runs/", "dispatcher"),
    ("/whistles/", "street_official"),
    ("/notifications/", "resident"),
]


def _sweep(client, path: str) -> list[str]:
    """Every bad value in every parameter; the answers that were 500s."""
    client.raise_request_exception = False
    failures = []
    for name in PARAMS:
        for value in BAD_VALUES:
            response = client.get(path, {name: value})
            if response.status_code >= 500:
                failures.append(f"{path}?{name}={value!r}: {response.status_code}")
    return failures


@pytest.mark.parametrize(("path", "who"), PAGES)
def test_bad_query_parameters_never_break_a_page(client, world, path, who):
    case_in(world, "dispatched", category=world.street_category)
    if who:
        client.force_login(getattr(world, who))
    assert _sweep(client, path) == []


def _inbox_numbers(client, page) -> list[str]:
    html = client.get("/inbox/", {"page": page}).content.decode()
    return [
        n for n in Case.objects.values_list("number", flat=True) if f'data-number="{n}"' in html
    ]


def test_the_inbox_past_its_end_shows_the_last_page(client, world):
    case = case_in(world, "dispatched")
    client.force_login(world.handler)
    for page in (HUGE, "2", str(2**63), "-5", "abc"):
        response = client.get("/inbox/", {"page": page})
        assert response.status_code == 200, page
        assert _inbox_numbers(client, page) == [case.number], page


def test_the_inbox_pages_still_page(client, world):
    from cases.views import INBOX_PAGE_SIZE

    for _ in range(INBOX_PAGE_SIZE + 1):
        case_in(world, "dispatched")
    client.force_login(world.handler)
    first, second = _inbox_numbers(client, "1"), _inbox_numbers(client, "2")
    assert len(first) == INBOX_PAGE_SIZE and len(second) == 1
    assert _inbox_numbers(client, HUGE) == second
    assert Assignment.objects.count() == INBOX_PAGE_SIZE + 1


def test_the_public_list_past_its_end_shows_the_last_page(client, world):
    case = case_in(world, "dispatched")
    for page in (HUGE, "-1", "abc"):
        response = client.get("/public/cases/", {"page": page})
        assert response.status_code == 200 and case.number in response.content.decode()


# --- the API lists -----------------------------------------------------------------------------

API_LISTS = sorted(
    {
        path
        for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints()
        if method == "GET" and "{" not in path and path.startswith("/api/v1/")
    }
)


@pytest.mark.parametrize("who", ["dispatcher", "community_worker", "resident"])
def test_bad_query_parameters_are_a_400_on_every_api_list(api_client, world, who):
    case_in(world, "dispatched")
    api_client.force_authenticate(getattr(world, who))
    api_client.raise_request_exception = False
    failures = []
    for path in API_LISTS:
        for name in PARAMS:
            for value in BAD_VALUES:
                response = api_client.get(path, {name: value})
                if response.status_code >= 500:
                    failures.append(f"{path}?{name}={value!r}: {response.status_code}")
                elif response.status_code == 400:
                    assert set(response.json()) == {"message", "extra"}, (path, name, value)
    assert failures == []


@pytest.mark.parametrize("value", ["abc", "\x00", HUGE, "-1", "1.5"])
def test_a_bad_community_on_the_council_api_is_a_400(api_client, world, value):
    api_client.force_authenticate(world.community_worker)
    response = api_client.get("/api/v1/council/meetings/", {"community": value})
    assert response.status_code == 400, response.content
    assert "community" in response.json()["extra"]["fields"]


# --- forms that take ids -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("co_units", HUGE), ("co_units", "-1"), ("lead_unit", HUGE), ("co_units", "abc")],
)
def test_the_dispatch_form_refuses_absurd_unit_ids(client, world, field, value):
    case = case_in(world, "received")
    client.force_login(world.dispatcher)
    data = {"lead_unit": world.department.pk, "co_units": [world.street_unit.pk], "note": ""}
    data[field] = [world.street_unit.pk, value] if field == "co_units" else value
    client.raise_request_exception = False
    response = client.post(f"/dispatch/case/{case.number}/dispatch/", data)
    assert response.status_code == 400
    assert field in response.context["dispatch_form"].errors
    case.refresh_from_db()
    assert case.status == Status.RECEIVED


def _theme_fields(world, **extra):
    data = {
        "title": "道路塌陷专项治理",
        "description": "多处路面塌陷",
        "goals": "一个月内修补完毕",
        "keywords": "塌陷 大坑",
        "lead_unit": world.department.pk,
        "co_units": [world.street_unit.pk],
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("field", "value"), [("co_units", HUGE), ("lead_unit", HUGE), ("co_units", str(2**63))]
)
def test_the_theme_forms_refuse_absurd_unit_ids(client, world, field, value):
    theme = themes.theme_create(
        actor=world.dispatcher,
        title="道路塌陷专项治理",
        month=dt.date(2026, 10, 1),
        lead_unit=world.department,
    )
    client.force_login(world.dispatcher)
    client.raise_request_exception = False
    bad = {field: [world.street_unit.pk, value] if field == "co_units" else value}
    edit = client.post(
        f"/themes/{theme.pk}/edit/", _theme_fields(world, version=theme.version, **bad)
    )
    # The edit page re-renders its form (status 200 for a form error, as it always has).
    assert edit.status_code in (200, 400) and field in edit.context["form"].errors
    promote = client.post(
        "/themes/hot-topics/promote/",
        _theme_fields(world, month="2026-10", topic="1", region=HUGE, **bad),
    )
    assert promote.status_code in (200, 400) and field in promote.context["form"].errors
    assert "region" in promote.context["form"].errors
    theme.refresh_from_db()
    assert theme.version == 1 and theme.title == "道路塌陷专项治理"
