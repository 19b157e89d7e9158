"""The REST API under /api/v1/council/: the flow, error shapes and permissions by community."""

import pytest

from council import services
from council.models import Meeting
from tests.council.factories import held_meeting, planned_meeting

pytestmark = pytest.mark.django_db

API = "/api/v1/council"


def _as(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_worker_records_a_meeting_through_the_api(api_client, cw):
    c = _as(api_client, cw.worker)
    r = c.post(
        f"{API}/meetings/",
        {
            "community": cw.community.id,
            "title": "加装电梯议事",
            "starts_at": "2026-12-01T19:00:00+08:00",
            "place": "社区活动室",
            "format": "building",
            "notice": "请3号楼居民参加",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    mid = r.json()["id"]
    assert r.json()["status"] == "planned"
    assert c.post(f"{API}/meetings/{mid}/notice/", {}, format="json").status_code == 200
    ids = []
    for party, name in [
        ("residents", "张大爷"),
        ("property_company", "赵经理"),
        ("residents", "李阿姨"),
    ]:
        r = c.post(f"{API}/meetings/{mid}/participants/", {"party": party, "name": name})
        assert r.status_code == 201
        ids.append(r.json()["id"])
    item = c.post(f"{API}/meetings/{mid}/agenda-items/", {"title": "电梯费用分摊"}).json()
    assert c.post(f"{API}/meetings/{mid}/hold/").json()["status"] == "held"
    r = c.post(f"{API}/meetings/{mid}/attendance/", {"attended": ids[:2]}, format="json")
    assert r.status_code == 200
    r = c.post(
        f"{API}/agenda-items/{item['id']}/deliberations/",
        {"party": "residents", "speaker": "张大爷", "summary": "一楼住户不同意分摊"},
    )
    assert r.status_code == 201
    r = c.post(
        f"{API}/agenda-items/{item['id']}/resolutions/",
        {"text": "按楼层分摊", "votes_for": 1, "votes_against": 1, "votes_abstain": 0},
    )
    assert r.status_code == 201
    assert r.json()["outcome"] == "rejected"  # a tie
    assert (r.json()["attending"], r.json()["invited"]) == (2, 3)
    r = c.post(f"{API}/meetings/{mid}/list-items/", {"kind": "project", "title": "电梯加装"})
    assert r.status_code == 201
    r = c.post(f"{API}/list-items/{r.json()['id']}/links/", {"case_number": "20261201000123"})
    assert r.status_code == 201
    assert r.json()["case_status"] is None
    assert c.post(f"{API}/meetings/{mid}/minutes/", {"text": "纪要正文"}).status_code == 201
    assert c.post(f"{API}/meetings/{mid}/publish/").json()["status"] == "published"
    r = c.post(f"{API}/meetings/{mid}/minutes/revise/", {"text": "更正", "reason": "错字"})
    assert r.json()["number"] == 2

    detail = c.get(f"{API}/meetings/{mid}/").json()
    assert detail["record"]["minutes"]["text"] == "更正"
    assert [v["number"] for v in detail["record"]["minutes_versions"]] == [2, 1]
    assert detail["record"]["agenda"][0]["resolutions"][0]["outcome"] == "rejected"


def test_illegal_transition_is_409_with_error_shape(api_client, cw):
    meeting = planned_meeting(cw)
    r = _as(api_client, cw.worker).post(f"{API}/meetings/{meeting.id}/publish/")
    assert r.status_code == 409
    assert set(r.json()) == {"message", "extra"}
    assert r.json()["extra"]["status"] == "planned"


def test_too_many_votes_is_400(api_client, cw):
    meeting = held_meeting(cw, invited=3, attending=2)
    item = services.agenda_item_add(actor=cw.worker, meeting=meeting, title="x")
    r = _as(api_client, cw.worker).post(
        f"{API}/agenda-items/{item.id}/resolutions/",
        {"text": "m", "votes_for": 2, "votes_against": 1, "votes_abstain": 0},
    )
    assert r.status_code == 400
    assert r.json()["extra"] == {"votes": 3, "attending": 2}


def test_worker_cannot_edit_another_communitys_meeting(api_client, cw):
    meeting = planned_meeting(cw)
    c = _as(api_client, cw.other_worker)
    assert c.post(f"{API}/meetings/{meeting.id}/hold/").status_code == 404
    assert c.get(f"{API}/meetings/{meeting.id}/").status_code == 404
    r = c.post(
        f"{API}/meetings/",
        {
            "community": cw.community.id,
            "title": "t",
            "starts_at": "2026-12-01T19:00:00+08:00",
            "place": "p",
            "format": "online",
        },
        format="json",
    )
    assert r.status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED


def test_street_official_reads_but_cannot_write(api_client, cw):
    meeting = planned_meeting(cw, notice=False)
    c = _as(api_client, cw.street_official)
    assert c.get(f"{API}/meetings/{meeting.id}/").status_code == 200
    assert c.post(f"{API}/meetings/{meeting.id}/hold/").status_code == 403


def test_residents_see_only_published_minutes_of_their_community(api_client, cw):
    draft = planned_meeting(cw, notice=False, title="未发通知")
    noticed = planned_meeting(cw, title="已发通知")
    published = held_meeting(cw, title="已发布纪要")

    services.meeting_minute(actor=cw.worker, meeting=published, text="公开纪要")
    services.meeting_publish(actor=cw.worker, meeting=published)

    c = _as(api_client, cw.resident)
    titles = {m["title"] for m in c.get(f"{API}/meetings/").json()["results"]}
    assert titles == {"已发通知", "已发布纪要"}
    assert c.get(f"{API}/meetings/{draft.id}/").status_code == 404
    noticed_detail = c.get(f"{API}/meetings/{noticed.id}/").json()
    assert noticed_detail["record"] is None
    assert c.get(f"{API}/meetings/{noticed.id}/minutes/").status_code == 404
    assert (
        c.get(f"{API}/meetings/{published.id}/").json()["record"]["minutes"]["text"] == "公开纪要"
    )
    assert c.post(f"{API}/meetings/{published.id}/close/").status_code == 403

    other = _as(api_client, cw.other_resident)
    assert other.get(f"{API}/meetings/").json()["results"] == []
    assert other.get(f"{API}/meetings/{published.id}/").status_code == 404


def test_minuted_but_unpublished_minutes_are_hidden_from_residents(api_client, cw):
    meeting = held_meeting(cw)

    services.meeting_minute(actor=cw.worker, meeting=meeting, text="草稿")
    c = _as(api_client, cw.resident)
    assert c.get(f"{API}/meetings/{meeting.id}/").json()["record"] is None
    assert c.get(f"{API}/meetings/{meeting.id}/minutes/").status_code == 404


def test_proposals_submit_accept_decline(api_client, cw):
    meeting = planned_meeting(cw)
    c = _as(api_client, cw.resident)
    r = c.post(f"{API}/proposals/", {"title": "增设快递柜", "description": "快递堆放门口"})
    assert r.status_code == 201
    pid = r.json()["id"]
    second = c.post(f"{API}/proposals/", {"title": "遛狗拴绳", "description": "..."}).json()["id"]
    r = c.post(
        f"{API}/proposals/",
        {"title": "x", "description": "y", "community": cw.other_community.id},
    )
    assert r.status_code == 403
    assert c.post(f"{API}/proposals/{pid}/decline/", {"reason": "x"}).status_code == 403

    w = _as(api_client, cw.worker)
    submitted = w.get(f"{API}/proposals/?status=submitted").json()["results"]
    assert {p["id"] for p in submitted} == {pid, second}
    r = w.post(f"{API}/proposals/{pid}/accept/", {"meeting": meeting.id})
    assert r.status_code == 200
    assert r.json()["status"] == "accepted" and r.json()["meeting"] == meeting.id
    r = w.post(f"{API}/proposals/{second}/decline/", {"reason": "已由物业处理"})
    assert r.json()["decline_reason"] == "已由物业处理"
    assert w.post(f"{API}/proposals/{second}/decline/", {"reason": "again"}).status_code == 409
    assert _as(api_client, cw.other_worker).get(f"{API}/proposals/").json()["results"] == []


def test_anonymous_gets_401_or_403(api_client, cw):
    assert api_client.get(f"{API}/meetings/").status_code in (401, 403)


def test_schema_includes_council_paths(api_client, cw):
    r = _as(api_client, cw.worker).get("/api/schema/?format=json")
    assert r.status_code == 200
    assert "/api/v1/council/meetings/{id}/hold/" in r.json()["paths"]


def test_plan_can_be_changed_only_while_planned(api_client, cw):
    meeting = planned_meeting(cw)
    c = _as(api_client, cw.worker)
    r = c.patch(
        f"{API}/meetings/{meeting.id}/", {"place": "社区会议室", "format": "online"}, format="json"
    )
    assert r.status_code == 200
    assert (r.json()["place"], r.json()["format"]) == ("社区会议室", "online")
    event = meeting.events.get(action="edit_plan")
    assert event.data["previous"] == {"place": "多福巷5号院", "format": "courtyard"}
    assert (
        _as(api_client, cw.other_worker)
        .patch(f"{API}/meetings/{meeting.id}/", {"place": "x"}, format="json")
        .status_code
        == 404
    )
    services.meeting_hold(actor=cw.worker, meeting=meeting)
    c = _as(api_client, cw.worker)
    r = c.patch(f"{API}/meetings/{meeting.id}/", {"place": "x"}, format="json")
    assert r.status_code == 409


def test_schema_generates_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
