"""Who sees and acts on a whistle, through the web pages and the REST API."""

import pytest
from django.test import Client

from cases.models import Revisit, Status
from cases.services import revisit_record
from tests.cases.factories import case_in
from whistles import services as whistles
from whistles.models import ResidentWhistleRequest, Whistle, WhistleSummons


def _blow(world, case=None):
    return whistles.whistle_blow(
        actor=world.street_official,
        units=[world.department],
        reason="路面塌陷",
        place="多福巷12号",
        case=case,
    )


def _web(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize(
    "who,status",
    [
        ("street_official", 200),
        ("dispatcher", 200),
        ("handler", 200),
        ("other_handler", 404),
        ("operator", 404),
        ("resident", 404),
        ("community_worker", 404),
        ("viewer", 404),
    ],
)
def test_only_street_summoned_units_and_dispatchers_see_a_whistle(world, api_client, who, status):
    w = _blow(world)
    user = getattr(world, who)
    assert _web(user).get(f"/whistles/{w.pk}/").status_code == status
    api_client.force_authenticate(user)
    assert api_client.get(f"/api/v1/whistles/{w.pk}/").status_code == status
    listed = [x["id"] for x in api_client.get("/api/v1/whistles/").json()["results"]]
    assert (w.pk in listed) == (status == 200)


def test_anonymous_is_sent_to_login_and_api_refuses(world, api_client):
    w = _blow(world)
    assert Client().get(f"/whistles/{w.pk}/").status_code == 302
    assert api_client.get(f"/api/v1/whistles/{w.pk}/").status_code in (401, 403)


def test_street_blows_and_department_reports_on_the_web(world):
    case = case_in(world, "in_progress")
    street = _web(world.street_official)
    page = street.get(f"/whistles/new/?case={case.pk}")
    assert page.status_code == 200
    resp = street.post(
        "/whistles/new/",
        {
            "case": case.pk,
            "reason": "塌陷",
            "place": "多福巷",
            "units": [world.department.pk],
            "report_minutes": "45",
        },
    )
    w = Whistle.objects.get()
    assert resp.status_code == 302 and resp.url == f"/whistles/{w.pk}/"
    assert w.case == case
    board = street.get("/whistles/")
    assert b"data-countdown" in board.content and "多福巷" in board.content.decode()
    handler = _web(world.handler)
    assert "多福巷" in handler.get("/whistles/").content.decode()
    handler.post(f"/whistles/{w.pk}/report/", {"reporters": "李四", "committed_action": "修补"})
    assert w.summonses.get().state == WhistleSummons.State.ON_TIME
    # A second report by the unit is refused, shown as a message, not a 500.
    again = handler.post(
        f"/whistles/{w.pk}/report/", {"reporters": "李四", "committed_action": "修补"}, follow=True
    )
    assert again.status_code == 200
    street.post(f"/whistles/{w.pk}/close/", {"outcome": "已修复"})
    w.refresh_from_db()
    case.refresh_from_db()
    assert w.status == Whistle.Status.CLOSED and case.status == Status.IN_PROGRESS


def test_handlers_cannot_blow_or_close(world, api_client):
    w = _blow(world)
    assert _web(world.handler).get("/whistles/new/").status_code == 404
    _web(world.handler).post(f"/whistles/{w.pk}/close/", {"outcome": "x"})
    w.refresh_from_db()
    assert w.status == Whistle.Status.OPEN
    api_client.force_authenticate(world.handler)
    resp = api_client.post(
        "/api/v1/whistles/",
        {"units": [world.department.pk], "reason": "x", "place": "y"},
        format="json",
    )
    assert resp.status_code == 403
    assert api_client.post(f"/api/v1/whistles/{w.pk}/close/", {"outcome": "x"}).status_code == 403


def test_blowing_on_an_unknown_or_foreign_case_is_a_400_naming_the_case(world, api_client):
    """An id that does not exist and a case this street may not whistle on get the same answer
    (which one is not revealed), on the field that is wrong."""
    foreign = case_in(world, "received", region=world.other_community)
    api_client.force_authenticate(world.street_official)

    def blow(case_id):
        return api_client.post(
            "/api/v1/whistles/",
            {"units": [world.department.pk], "reason": "塌陷", "place": "多福巷", "case": case_id},
            format="json",
        )

    unknown, hidden = blow(2**31 - 1), blow(foreign.pk)
    assert unknown.status_code == hidden.status_code == 400
    assert unknown.json() == hidden.json()
    assert list(unknown.json()["extra"]["fields"]) == ["case"]
    [message] = unknown.json()["extra"]["fields"]["case"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)  # translated (the UI is Chinese first)
    assert Whistle.objects.count() == 0
    # Someone who may not blow at all is still refused as such.
    api_client.force_authenticate(world.handler)
    assert blow(2**31 - 1).status_code == 403


def test_api_blow_report_log_close(world, api_client):
    api_client.force_authenticate(world.street_official)
    resp = api_client.post(
        "/api/v1/whistles/",
        {"units": [world.department.pk], "reason": "塌陷", "place": "多福巷", "report_minutes": 15},
        format="json",
    )
    assert resp.status_code == 201, resp.json()
    pk = resp.json()["id"]
    api_client.force_authenticate(world.handler)
    r = api_client.post(
        f"/api/v1/whistles/{pk}/report/", {"reporters": "李四", "committed_action": "修补"}
    )
    assert r.status_code == 200 and r.json()["state"] == "on_time"
    r = api_client.post(
        f"/api/v1/whistles/{pk}/report/", {"reporters": "李四", "committed_action": "修补"}
    )
    assert r.status_code == 409
    assert api_client.post(f"/api/v1/whistles/{pk}/log/", {"text": "到场"}).status_code == 201
    api_client.force_authenticate(world.other_handler)
    assert api_client.post(f"/api/v1/whistles/{pk}/log/", {"text": "x"}).status_code == 404
    api_client.force_authenticate(world.street_official)
    r = api_client.post(f"/api/v1/whistles/{pk}/close/", {"outcome": "已修复"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert len(r.json()["log"]) >= 3


def test_bad_ids_are_404_not_500(world, api_client):
    api_client.force_authenticate(world.dispatcher)
    assert api_client.get("/api/v1/whistles/99999999999999999999/").status_code == 404
    assert api_client.get("/api/v1/whistles/abc/").status_code == 404
    assert _web(world.dispatcher).get("/whistles/99999999999999999999/").status_code == 404


def _unresolved(world):
    case = case_in(world, "replied")
    revisit_record(
        actor=world.operator,
        case=case,
        contacted=True,
        resolved=False,
        satisfaction=Revisit.Satisfaction.DISSATISFIED,
        method=Revisit.Method.PHONE,
    )
    return case


def test_resident_whistle_via_api_accepted_by_street(world, api_client):
    case = _unresolved(world)
    api_client.force_authenticate(world.resident)
    r = api_client.post("/api/v1/whistles/requests/", {"case": case.pk, "reason": "没修好"})
    assert r.status_code == 201, r.json()
    req_id = r.json()["id"]
    api_client.force_authenticate(world.other_resident)
    assert api_client.get("/api/v1/whistles/requests/").json()["results"] == []
    assert (
        api_client.post("/api/v1/whistles/requests/", {"case": case.pk, "reason": "x"}).status_code
        == 404
    )
    api_client.force_authenticate(world.resident)
    assert [x["id"] for x in api_client.get("/api/v1/whistles/requests/").json()["results"]] == [
        req_id
    ]
    # The resident sees their request, never the whistle itself.
    api_client.force_authenticate(world.street_official)
    r = api_client.post(
        f"/api/v1/whistles/requests/{req_id}/accept/",
        {"units": [world.department.pk]},
        format="json",
    )
    assert r.status_code == 201, r.json()
    api_client.force_authenticate(world.resident)
    assert api_client.get(f"/api/v1/whistles/{r.json()['id']}/").status_code == 404


def test_resident_whistle_on_the_web_declined_by_street(world):
    case = _unresolved(world)
    resident = _web(world.resident)
    assert resident.get(f"/whistles/requests/new/?case={case.pk}").status_code == 200
    resident.post(f"/whistles/requests/new/?case={case.pk}", {"reason": "没修好"})
    req = ResidentWhistleRequest.objects.get()
    assert _web(world.other_resident).get(f"/whistles/requests/{req.pk}/").status_code == 404
    # The street sees where (street level) to whistle, not the resident's door number.
    street_page = _web(world.street_official).get(f"/whistles/requests/{req.pk}/").content.decode()
    assert 'value="多福巷"' in street_page and "12号3单元" not in street_page
    # The resident cannot decide their own request.
    resident.post(f"/whistles/requests/{req.pk}/", {"decision": "accept"})
    req.refresh_from_db()
    assert req.state == ResidentWhistleRequest.State.PENDING
    _web(world.street_official).post(
        f"/whistles/requests/{req.pk}/", {"decision": "decline", "decline_reason": "已复查"}
    )
    req.refresh_from_db()
    assert req.state == ResidentWhistleRequest.State.DECLINED
    page = resident.get(f"/whistles/requests/{req.pk}/").content.decode()
    assert "已复查" in page


def test_blow_page_without_a_case_renders(world):
    page = _web(world.street_official).get("/whistles/new/")
    assert page.status_code == 200 and b'name="units"' in page.content


def test_board_is_in_chinese(world):
    c = _web(world.street_official)
    c.cookies["django_language"] = "zh-hans"
    page = c.get("/whistles/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "吹哨报到" in page


def test_whistle_list_is_filtered_by_status_and_paged(world, api_client):
    first, second, third = (_blow(world) for _ in range(3))
    api_client.force_authenticate(world.street_official)
    api_client.post(f"/api/v1/whistles/{third.pk}/close/", {"outcome": "已修复"})
    page = api_client.get("/api/v1/whistles/", {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    rest = api_client.get(page["next"]).json()
    seen = [w["id"] for w in page["results"] + rest["results"]]
    assert sorted(seen) == sorted([first.pk, second.pk, third.pk])
    open_ = api_client.get("/api/v1/whistles/", {"status": "open"}).json()
    assert {w["id"] for w in open_["results"]} == {first.pk, second.pk}


@pytest.mark.parametrize("value", ["nonsense", "", "%00", "99999999999999999999"])
def test_whistle_list_answers_a_bad_filter_with_a_400_naming_it(world, api_client, value):
    api_client.force_authenticate(world.street_official)
    response = api_client.get("/api/v1/whistles/", {"status": value})
    assert response.status_code == 400
    assert "status" in response.json()["extra"]["fields"]
    response = api_client.get("/api/v1/whistles/requests/", {"state": value})
    assert response.status_code == 400
    assert "state" in response.json()["extra"]["fields"]


@pytest.mark.parametrize("page", ["0", "abc", "99999999999999999999", "1.5"])
def test_whistle_list_answers_a_bad_page_cleanly(world, api_client, page):
    _blow(world)
    api_client.force_authenticate(world.street_official)
    assert api_client.get("/api/v1/whistles/", {"page": page}).status_code == 404
