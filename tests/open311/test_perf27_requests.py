"""GET requests at city scale (issue 27): the spec's 90-day default window and its limits, paged
newest first within the spec's cap of 1000, the public rule still applied, served by indexes."""

import datetime as dt

import pytest
import time_machine
from django.db import connection

from cases.models import Case
from open311.api import views
from public.services import public_text_moderate
from tests.cases.factories import case_in

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
NOW = dt.datetime(2026, 9, 30, 4, 0, tzinfo=dt.UTC)


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in response.json()]


def error(response) -> str:
    assert response.status_code == 400
    return response.json()[0]["description"]


@pytest.fixture
def spread(world):
    """Cases received 100, 89, 30, 2 and 1 days before NOW (one closed), oldest first."""
    cases = []
    for days in (100, 89, 30, 2, 1):
        with time_machine.travel(NOW - dt.timedelta(days=days), tick=False):
            cases.append(case_in(world, "closed" if days == 30 else "received"))
    return cases


def test_default_is_the_last_90_days_newest_first(client, spread):
    with time_machine.travel(NOW, tick=False):
        listed = numbers(client.get(f"{BASE}/requests.json"))
    assert listed == [c.number for c in reversed(spread[1:])]  # not the one 100 days old


def test_one_date_opens_90_days_from_it_and_a_longer_range_is_refused(client, spread):
    with time_machine.travel(NOW, tick=False):
        since = (NOW - dt.timedelta(days=101)).isoformat()
        # start_date alone: the 90 days from it (to 11 days ago).
        assert numbers(client.get(f"{BASE}/requests.json", {"start_date": since})) == [
            spread[2].number,
            spread[1].number,
            spread[0].number,
        ]
        until = (NOW - dt.timedelta(days=2)).isoformat()
        assert numbers(client.get(f"{BASE}/requests.json", {"end_date": until})) == [
            spread[3].number,
            spread[2].number,
            spread[1].number,
        ]
        too_long = client.get(
            f"{BASE}/requests.json",
            {"start_date": since, "end_date": NOW.isoformat()},
        )
    assert "90" in error(too_long)


def test_pages_of_the_window_newest_first_in_json_and_xml(client, spread):
    newest_first = [c.number for c in reversed(spread[1:])]
    with time_machine.travel(NOW, tick=False):
        first = numbers(client.get(f"{BASE}/requests.json", {"page_size": 3}))
        second = numbers(client.get(f"{BASE}/requests.json", {"page_size": 3, "page": 2}))
        past = numbers(client.get(f"{BASE}/requests.json", {"page_size": 3, "page": 3}))
        xml = client.get(f"{BASE}/requests.xml", {"page_size": 2, "page": 2})
    assert first == newest_first[:3] and second == newest_first[3:] and past == []
    assert xml.status_code == 200 and xml.content.count(b"<request>") == 2
    assert newest_first[2].encode() in xml.content and newest_first[3].encode() in xml.content


def test_a_call_returns_page_size_requests_by_default(client, world):
    for _ in range(views.PAGE_SIZE + 2):
        case_in(world, "received")
    everything = list(Case.objects.order_by("-received_at", "-pk").values_list("number", flat=True))
    assert numbers(client.get(f"{BASE}/requests.json")) == everything[: views.PAGE_SIZE]
    assert (
        numbers(client.get(f"{BASE}/requests.json", {"page": 2})) == everything[views.PAGE_SIZE :]
    )
    bigger = client.get(f"{BASE}/requests.json", {"page_size": views.MAX_RESULTS})
    assert numbers(bigger) == everything


@pytest.mark.parametrize(
    "params, needle",
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1001"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"page_size": "-5"}, "page_size"),
        ({"page": "0"}, "page"),
        ({"page": "２"}, "page"),  # a full-width digit is not a number here
        ({"page": "99999999999999999999"}, "page"),
        ({"page": "21"}, "1000"),  # 50 a page: page 21 starts past the first 1000
        ({"page": "3", "page_size": "500"}, "1000"),
    ],
)
def test_paging_limits_are_clean_spec_errors(client, world, params, needle):
    assert needle in error(client.get(f"{BASE}/requests.json", params))


def test_the_last_page_inside_the_cap_is_served(client, world):
    case_in(world, "received")
    assert numbers(client.get(f"{BASE}/requests.json", {"page": "20"})) == []
    assert numbers(client.get(f"{BASE}/requests.json", {"page": "2", "page_size": "500"})) == []


def test_hidden_and_private_cases_stay_out_of_every_page(client, world):
    shown = case_in(world, "received")
    hidden = case_in(world, "received")
    public_text_moderate(actor=world.dispatcher, case=hidden, title="", reply="", hidden=True)
    listed = numbers(client.get(f"{BASE}/requests.json", {"page_size": 1}))
    assert listed == [shown.number]
    assert numbers(client.get(f"{BASE}/requests.json", {"page_size": 1, "page": 2})) == []
    detail = client.get(f"{BASE}/requests/{hidden.number}.json")
    assert detail.status_code == 404


def test_entries_name_category_unit_and_community_from_the_catalogue(client, world):
    case = case_in(world, "dispatched")
    (entry,) = client.get(f"{BASE}/requests.json").json()
    assert entry["service_code"] == world.department_category.code
    assert entry["service_name"] == world.department_category.name
    assert entry["agency_responsible"] == world.department.name
    assert entry["address"] == world.community.name and entry["address_id"] == world.community.code
    (single,) = client.get(f"{BASE}/requests/{case.number}.json").json()
    assert single == entry


def _plan(sql: str, params) -> str:
    """The plan as on a large table. The test table is tiny, and its size estimate follows the
    file on disk (a test before may have written and rolled back thousands of rows): with
    bitmap scans and sorts allowed the planner may sort a hundred rows instead. Turned off, it
    reads the index in order when, and only when, an index serves the order."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _page_query(**filters):
    now = dt.datetime(2026, 9, 30, tzinfo=dt.UTC)
    qs = views._requests_queryset().filter(
        received_at__gte=now - views.MAX_RANGE, received_at__lte=now, **filters
    )
    return qs.order_by("-received_at", "-pk")[: views.PAGE_SIZE].query.sql_with_params()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_the_window_is_read_newest_first_along_the_received_at_index(world):
    # (With service_code, along case_category_received_idx: cases/models.py.)
    case_in(world, "received")
    plan = _plan(*_page_query())
    assert "Index Scan Backward using cases_case_received_at" in plan, plan
    assert "Seq Scan on cases_case" not in plan


def test_a_service_and_a_status_narrow_the_page(client, world):
    road = [case_in(world, "received"), case_in(world, "received")]
    stalls = case_in(world, "dispatched", category=world.street_category)
    code = world.department_category.code
    both = f"{code},{world.street_category.code}"
    assert numbers(client.get(f"{BASE}/requests.json", {"service_code": code})) == [
        c.number for c in reversed(road)
    ]
    assert numbers(
        client.get(f"{BASE}/requests.json", {"service_code": code, "page_size": 1, "page": 2})
    ) == [road[0].number]
    assert numbers(client.get(f"{BASE}/requests.json", {"service_code": both, "page_size": 1})) == [
        stalls.number
    ]
    assert numbers(client.get(f"{BASE}/requests.json", {"service_code": "NOPE"})) == []
