"""The assessment API's lists: runs (`month` filter), a run's scores (paged like every list),
the boards' `month` (400 when invalid; the boards object keeps its shape)."""

import datetime as dt

import pytest
import time_machine

from assessment.models import AssessmentPolicy, UnitScore
from assessment.services import assessment_compute, assessment_publish
from tests.assessment.test_scores import MARCH, _handled
from tests.cases.factories import world  # noqa: F401

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/assessment/runs/"
BOARDS = "/api/v1/assessment/boards/"
GARBAGE_MONTHS = [
    "2026-13",
    "2026-00",
    "2026-1",
    "0000-01",
    "abc",
    "\x00",
    "99999999999999999999",
    "-1",
    "1.5",
    "2026-03-01",
]
GARBAGE_PAGES = ["0", "-1", "abc", "\x00", "1.5", "99999999999999999999"]


@pytest.fixture
def runs(world):  # noqa: F811
    """January and February published, March a draft (only dispatchers see it)."""
    AssessmentPolicy.objects.create(effective_from=dt.date(2026, 1, 1), min_cases=1)
    with time_machine.travel(MARCH, tick=False):
        _handled(world)
        made = {
            m: assessment_compute(month=m, actor=world.dispatcher)
            for m in ("2026-01", "2026-02", "2026-03")
        }
        for m in ("2026-01", "2026-02"):
            made[m] = assessment_publish(run=made[m], actor=world.dispatcher)
    return world, made


def _assert_invalid(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"message", "extra"}
    assert field in body["extra"]["fields"], body


def test_runs_filter_by_month_and_are_paged(api_client, runs):
    w, made = runs
    public = api_client.get(RUNS).json()
    assert public["count"] == 2
    assert [r["id"] for r in public["results"]] == [made["2026-02"].id, made["2026-01"].id]
    assert [r["id"] for r in api_client.get(RUNS, {"month": "2026-01"}).json()["results"]] == [
        made["2026-01"].id
    ]
    assert api_client.get(RUNS, {"month": "2026-03"}).json()["count"] == 0  # a draft
    api_client.force_authenticate(w.dispatcher)
    assert api_client.get(RUNS, {"month": "2026-03"}).json()["count"] == 1
    first = api_client.get(RUNS, {"page_size": 2}).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and "page=2" in first["next"]
    second = api_client.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [made["2026-01"].id]
    assert second["next"] is None


@pytest.mark.parametrize("value", GARBAGE_MONTHS)
def test_run_and_board_month_garbage_is_a_400_naming_the_field(api_client, runs, value):
    _assert_invalid(api_client.get(RUNS, {"month": value}), "month")
    _assert_invalid(api_client.get(BOARDS, {"month": value}), "month")


@pytest.mark.parametrize("page", [*GARBAGE_PAGES, "999"])
def test_a_run_page_past_the_end_or_garbage_is_a_clean_404(api_client, runs, page):
    _w, made = runs
    for url in (RUNS, f"{RUNS}{made['2026-01'].id}/scores/"):
        response = api_client.get(url, {"page": page, "page_size": 1})
        assert response.status_code == 404, (url, page, response.content)
        assert set(response.json()) == {"message", "extra"}


def test_scores_of_a_run_are_paged(api_client, runs):
    _w, made = runs
    run = made["2026-01"]
    expected = list(
        UnitScore.objects.filter(run=run)
        .order_by("peer_group", "rank", "unit__name")
        .values_list("unit_id", flat=True)
    )
    assert len(expected) >= 3
    url = f"{RUNS}{run.id}/scores/"
    whole = api_client.get(url).json()
    assert set(whole) == {"count", "next", "previous", "results"}
    assert whole["count"] == len(expected) and whole["next"] is None
    assert [s["unit"] for s in whole["results"]] == expected
    first = api_client.get(url, {"page_size": 2}).json()
    assert first["count"] == len(expected) and len(first["results"]) == 2
    assert "page=2" in first["next"]
    paged, nxt = list(first["results"]), first["next"]
    while nxt:
        page = api_client.get(nxt).json()
        paged += page["results"]
        nxt = page["next"]
    assert [s["unit"] for s in paged] == expected
    # The runs' filters are for the runs list: a run's scores ignore them.
    assert api_client.get(url, {"month": "2026-13"}).json()["count"] == len(expected)
    assert api_client.get(f"{RUNS}{run.id}/", {"month": "abc"}).status_code == 200


def test_draft_scores_stay_hidden_from_the_public(api_client, runs):
    w, made = runs
    url = f"{RUNS}{made['2026-03'].id}/scores/"
    assert api_client.get(url).status_code == 404
    api_client.force_authenticate(w.dispatcher)
    assert api_client.get(url).json()["count"] > 0


def test_boards_keep_their_shape_and_take_a_valid_month(api_client, runs):
    _w, made = runs
    latest = api_client.get(BOARDS).json()
    assert set(latest) == {"run", "groups"} and latest["run"]["id"] == made["2026-02"].id
    january = api_client.get(BOARDS, {"month": "2026-01"}).json()
    assert january["run"]["id"] == made["2026-01"].id
    assert {"peer_group", "red", "black", "too_few"} <= set(january["groups"][0])
    assert isinstance(january["groups"][0]["red"], list)
    assert api_client.get(BOARDS, {"month": "2026-03"}).status_code == 404  # only a draft
    assert api_client.get(BOARDS, {"month": "2100-12"}).status_code == 404
