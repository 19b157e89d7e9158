"""The council lists (meetings, proposals): FilterSet parameters, 400s for invalid values,
pages like the case list, and never a 500 for garbage."""

import datetime as dt

import pytest
from django.utils import timezone

from council import services
from council.models import Meeting
from tests.council.factories import held_meeting, planned_meeting

pytestmark = pytest.mark.django_db

API = "/api/v1/council"
GARBAGE_IDS = ["abc", "\x00", "99999999999999999999", "-1", "0", "1.5", "1e3"]
GARBAGE_PAGES = ["0", "-1", "abc", "\x00", "1.5", "99999999999999999999"]


def _as(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def _other_meeting(cw):
    return services.meeting_plan(
        actor=cw.other_worker,
        community=cw.other_community,
        title="东厂停车议事",
        starts_at=timezone.now() + dt.timedelta(days=5),
        place="东厂活动室",
        format=Meeting.Format.ONLINE,
        notice="",
    )


def _assert_invalid(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"message", "extra"}
    assert field in body["extra"]["fields"], body


def test_meetings_filter_by_status_and_community(api_client, cw):
    planned = planned_meeting(cw, title="计划中")
    held = held_meeting(cw, title="已召开")
    other = _other_meeting(cw)
    c = _as(api_client, cw.admin)

    def ids(**params):
        body = c.get(f"{API}/meetings/", params).json()
        assert body["count"] == len(body["results"])
        return {m["id"] for m in body["results"]}

    assert ids() == {planned.id, held.id, other.id}
    assert ids(status="planned") == {planned.id, other.id}
    assert ids(status="held") == {held.id}
    assert ids(status=["planned", "held"]) == {planned.id, held.id, other.id}
    assert ids(community=cw.community.id) == {planned.id, held.id}
    assert ids(community=cw.other_community.id, status="planned") == {other.id}
    assert ids(community=2**63 - 1) == set()  # a well-formed id of no community: empty


def test_meeting_filters_stay_within_what_the_user_sees(api_client, cw):
    planned_meeting(cw)
    _other_meeting(cw)
    c = _as(api_client, cw.worker)
    body = c.get(f"{API}/meetings/", {"community": cw.other_community.id}).json()
    assert (body["count"], body["results"]) == (0, [])


@pytest.mark.parametrize("value", GARBAGE_IDS)
def test_meeting_community_garbage_is_a_400_naming_the_field(api_client, cw, value):
    _assert_invalid(
        _as(api_client, cw.admin).get(f"{API}/meetings/", {"community": value}), "community"
    )


# As on the case list, `status` is repeatable and every value must be a status ("" too).
@pytest.mark.parametrize("value", ["abc", "\x00", "PLANNED", "99999999999999999999", ""])
def test_meeting_status_garbage_is_a_400_naming_the_field(api_client, cw, value):
    _assert_invalid(_as(api_client, cw.admin).get(f"{API}/meetings/", {"status": value}), "status")


def test_meetings_are_paged(api_client, cw):
    made = [planned_meeting(cw, title=f"议事{i}", notice=False).id for i in range(3)]
    c = _as(api_client, cw.worker)
    first = c.get(f"{API}/meetings/", {"page_size": 2}).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 3 and len(first["results"]) == 2 and first["previous"] is None
    assert "page=2" in first["next"] and "page_size=2" in first["next"]
    second = c.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    seen = [m["id"] for m in first["results"] + second["results"]]
    assert sorted(seen) == sorted(made)
    # The default page holds them all; page_size is capped, never an error.
    assert len(c.get(f"{API}/meetings/").json()["results"]) == 3
    big = c.get(f"{API}/meetings/", {"page_size": "99999999999999999999"})
    assert big.status_code == 200 and big.json()["count"] == 3
    for junk in ("abc", "-1", "0", "\x00"):
        assert c.get(f"{API}/meetings/", {"page_size": junk}).json()["count"] == 3


@pytest.mark.parametrize("page", [*GARBAGE_PAGES, "3"])
def test_a_page_past_the_end_or_garbage_is_a_clean_404(api_client, cw, page):
    planned_meeting(cw, notice=False)
    c = _as(api_client, cw.worker)
    for path in ("meetings", "proposals"):
        response = c.get(f"{API}/{path}/", {"page": page, "page_size": 1})
        assert response.status_code == 404, (path, page, response.content)
        assert set(response.json()) == {"message", "extra"}


def test_proposals_filter_by_status_and_are_paged(api_client, cw):
    resident = _as(api_client, cw.resident)
    ids = [
        resident.post(f"{API}/proposals/", {"title": f"提议{i}", "description": "..."}).json()["id"]
        for i in range(3)
    ]
    w = _as(api_client, cw.worker)
    w.post(f"{API}/proposals/{ids[0]}/decline/", {"reason": "已由物业处理"})

    def listed(**params):
        body = w.get(f"{API}/proposals/", params).json()
        return body["count"], {p["id"] for p in body["results"]}

    assert listed() == (3, set(ids))
    assert listed(status="declined") == (1, {ids[0]})
    assert listed(status="submitted") == (2, set(ids[1:]))
    assert listed(status="accepted") == (0, set())
    page = w.get(f"{API}/proposals/", {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert len(w.get(page["next"]).json()["results"]) == 1


@pytest.mark.parametrize("value", ["abc", "\x00", "99999999999999999999", "-1", "1.5"])
def test_proposal_status_garbage_is_a_400_naming_the_field(api_client, cw, value):
    _assert_invalid(
        _as(api_client, cw.worker).get(f"{API}/proposals/", {"status": value}), "status"
    )
