"""The HTML pages, through the Django test client: every transition by its role, illegal moves,
validation errors, object-level permissions, masking, double submits and tracking limits."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case, CaseEvent, RequestState, Status
from tests.cases.factories import case_in, file_case

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def login(client, user):
    client.force_login(user)
    return client


def _token(response) -> str:
    return re.search(rb'name="form_token" value="([^"]+)"', response.content).group(1).decode()


def filing(world, **extra):
    data = {
        "kind": "complaint",
        "category": world.department_category.pk,
        "title": "小区门口道路塌陷",
        "description": "路面塌陷一个大坑，晚上很危险。",
        "region": world.community.pk,
        "address": "多福巷12号",
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
    }
    data.update(extra)
    return data


def test_resident_files_and_tracks_anonymously_by_code(client, world):
    page = client.get("/cases/new/")
    assert page.status_code == 200
    response = client.post(
        "/cases/new/",
        {
            **filing(world),
            "form_token": _token(page),
            "photo": SimpleUploadedFile("p.png", PNG, "image/png"),
        },
    )
    assert response.status_code == 302
    filed = client.get(response["Location"])
    number = re.search(rb"data-case-number>(\d+)<", filed.content).group(1).decode()
    code = re.search(rb"data-access-code><strong>(\w+)<", filed.content).group(1).decode()
    case = Case.objects.get(number=number)
    assert case.channel == "web" and case.attachments.count() == 1
    other = client.__class__()
    assert other.get(f"/cases/{number}/").status_code == 404  # no code yet in this browser
    tracked = other.post("/cases/track/", {"number": number, "access_code": code})
    assert tracked.status_code == 302
    page = other.get(tracked["Location"])
    assert page.status_code == 200 and "小区门口道路塌陷" in page.content.decode()


def test_double_click_creates_one_case(client, world):
    token = _token(client.get("/cases/new/"))
    first = client.post("/cases/new/", {**filing(world), "form_token": token})
    second = client.post("/cases/new/", {**filing(world), "form_token": token})
    assert first.status_code == second.status_code == 302
    assert Case.objects.count() == 1


def test_filing_errors_are_form_errors_and_write_nothing(client, world):
    response = client.post(
        "/cases/new/",
        {
            **filing(world, title="", region="", category=world.department_category.parent_id),
            "photo": SimpleUploadedFile("x.png", b"GIF-not-really", "image/png"),
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="errorlist"' in body
    bad_photo = client.post(
        "/cases/new/",
        {**filing(world), "photo": SimpleUploadedFile("x.png", b"<?php evil", "image/png")},
    )
    assert bad_photo.status_code == 400
    assert Case.objects.count() == 0


def test_wrong_code_and_unknown_number_give_the_same_answer(client, world):
    case, _code = file_case(world)
    wrong = client.post("/cases/track/", {"number": case.number, "access_code": "WRONG123"})
    unknown = client.post("/cases/track/", {"number": "2099010100001", "access_code": "WRONG123"})
    assert wrong.status_code == unknown.status_code == 404
    assert (
        wrong.content.decode().count("No case matches") + wrong.content.decode().count("没有") >= 1
    )


def test_tracking_is_rate_limited(client, world):
    case, _code = file_case(world)
    codes = [
        client.post("/cases/track/", {"number": case.number, "access_code": "NOPE0000"}).status_code
        for _ in range(12)
    ]
    assert codes[-1] == 429 and 404 in codes


TRACK_START = dt.datetime(2026, 11, 23, 8, 0, 10, tzinfo=dt.UTC)  # 10 s into a minute


def _look_up(client, number, *, ip="203.0.113.7", **headers):
    return client.post(
        "/cases/track/",
        {"number": number, "access_code": "NOPE0000"},
        REMOTE_ADDR=ip,
        **headers,
    )


def test_tracking_refusal_says_when_to_retry(client, world):
    case, _code = file_case(world)
    with time_machine.travel(TRACK_START, tick=False):
        codes = [_look_up(client, case.number).status_code for _ in range(11)]
        refused = _look_up(client, case.number)
    assert codes == [404] * 10 + [429]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "50"  # the rest of the minute


def test_tracking_guesses_for_one_case_from_many_addresses_are_limited(client, world):
    case, _code = file_case(world)
    with time_machine.travel(TRACK_START, tick=False):
        codes = [_look_up(client, case.number, ip=f"198.51.100.{i}").status_code for i in range(11)]
    assert codes == [404] * 10 + [429]


def test_tracking_behind_a_trusted_proxy_counts_each_client(client, world, settings):
    """Clients behind one proxy are counted apart; what they write into the header is not."""
    settings.TRUSTED_PROXY_COUNT = 1

    def through_proxy(n, client_ip):
        return _look_up(
            client,
            f"20990101{n:05d}",
            ip="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"10.9.{n}.1, {client_ip}",
        ).status_code

    with time_machine.travel(TRACK_START, tick=False):
        mine = [through_proxy(n, "203.0.113.7") for n in range(11)]
        neighbour = through_proxy(11, "198.51.100.1")
    assert mine == [404] * 10 + [429]
    assert neighbour == 404


def test_tracking_ignores_a_forged_x_forwarded_for(client, world):
    with time_machine.travel(TRACK_START, tick=False):
        codes = [
            _look_up(client, f"20990101{n:05d}", HTTP_X_FORWARDED_FOR=f"10.9.{n}.1").status_code
            for n in range(11)
        ]
    assert codes == [404] * 10 + [429]


def test_resident_cannot_read_another_residents_case(client, world):
    theirs = case_in(world, "dispatched", by=world.other_resident)
    login(client, world.resident)
    assert client.get(f"/cases/{theirs.number}/").status_code == 404
    assert theirs.number not in client.get("/cases/mine/").content.decode()
    assert client.get(f"/inbox/{theirs.number}/").status_code in (403, 404)
    assert client.get(f"/dispatch/case/{theirs.number}/").status_code == 403


def test_operator_records_call_and_dispatches_in_one_click(client, world):
    login(client, world.operator)
    response = client.post("/console/", filing(world, urgency=""))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.first_receiver == world.operator and case.channel == "hotline"
    page = client.get(response["Location"]).content.decode()
    assert world.department.name in page  # the route proposal is shown and preselected
    dispatched = client.post(
        f"/dispatch/case/{case.number}/dispatch/", {"lead_unit": world.department.pk}
    )
    assert dispatched.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.lead_unit == world.department


def test_operator_answers_on_the_spot(client, world):
    login(client, world.operator)
    client.post("/console/", filing(world, kind="consultation"))
    case = Case.objects.get()
    response = client.post(
        f"/dispatch/case/{case.number}/close/", {"outcome": "answered_on_spot", "note": "已告知"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.outcome == "answered_on_spot"


def test_unit_walks_the_case_and_illegal_moves_are_409(client, world):
    case = case_in(world, "dispatched")
    login(client, world.handler)
    inbox = client.get("/inbox/").content.decode()
    assert case.number in inbox
    assert (
        client.post(
            f"/inbox/{case.number}/reply/", {"text": "好了", "result": "resolved"}
        ).status_code
        == 409
    )
    assert client.post(f"/inbox/{case.number}/sign/").status_code == 302
    again = client.post(f"/inbox/{case.number}/sign/")
    assert again.status_code == 409  # a double click: one sign only
    assert CaseEvent.objects.filter(case=case, action="sign").count() == 1
    assert client.post(f"/inbox/{case.number}/contact/", {"note": "已联系"}).status_code == 302
    assert (
        client.post(f"/inbox/{case.number}/reply/", {"text": "", "result": "resolved"}).status_code
        == 400
    )
    assert (
        client.post(
            f"/inbox/{case.number}/reply/", {"text": "已修复路面", "result": "resolved"}
        ).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.status == Status.REPLIED


def test_unit_never_sees_a_case_not_dispatched_to_it(client, world):
    case = case_in(world, "dispatched")
    login(client, world.other_handler)
    assert case.number not in client.get("/inbox/").content.decode()
    assert client.get(f"/inbox/{case.number}/").status_code == 404
    assert client.post(f"/inbox/{case.number}/sign/").status_code == 404


def test_lead_unit_sees_full_contact_others_masked(client, world):
    case = case_in(world, "dispatched")
    login(client, world.handler)
    page = client.get(f"/inbox/{case.number}/").content.decode()
    assert "13812345678" in page and 'data-contact="full"' in page
    public = client.__class__().get(f"/public/cases/{case.number}/").content.decode()
    assert "13812345678" not in public


def test_return_and_extension_through_the_pages(client, world):
    case = case_in(world, "dispatched")
    login(client, world.handler)
    assert (
        client.post(f"/inbox/{case.number}/return/", {"reason": "不属于本单位"}).status_code == 302
    )
    login(client, world.dispatcher)
    queue = client.get("/dispatch/?tab=returns").content.decode()
    assert case.number in queue
    missing_unit = client.post(
        f"/dispatch/case/{case.number}/decide-return/", {"decision": "accept"}
    )
    assert missing_unit.status_code == 400
    client.post(
        f"/dispatch/case/{case.number}/decide-return/",
        {"decision": "accept", "new_unit": world.other_department.pk, "note": "改派"},
    )
    case.refresh_from_db()
    assert case.lead_unit == world.other_department
    login(client, world.other_handler)
    client.post(f"/inbox/{case.number}/sign/")
    client.post(
        f"/inbox/{case.number}/extension/",
        {"reason": "需要审批", "extra_working_days": 3, "resident_informed": "on"},
    )
    login(client, world.dispatcher)
    client.post(f"/dispatch/case/{case.number}/decide-extension/", {"decision": "approve"})
    assert case.extension_requests.get().state == RequestState.ACCEPTED


def test_operator_cannot_arbitrate(client, world):
    case = case_in(world, "dispatched")
    from cases import services

    services.return_request_create(actor=world.handler, case=case, reason="不属于")
    login(client, world.operator)
    response = client.post(
        f"/dispatch/case/{case.number}/decide-return/", {"decision": "reject", "note": "x"}
    )
    assert response.status_code == 403
    assert case.return_requests.get().state == RequestState.PENDING


def test_resident_answers_revisit_and_reopens(client, world):
    case = case_in(world, "replied")
    login(client, world.resident)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'id="revisit"' in page
    response = client.post(
        f"/cases/{case.number}/revisit/",
        {"contacted": "yes", "resolved": "no", "satisfaction": "dissatisfied", "reopen": "on"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.reopen_count == 1


def test_dispatcher_records_phone_revisit(client, world):
    case = case_in(world, "replied")
    login(client, world.dispatcher)
    assert case.number in client.get("/dispatch/?tab=revisits").content.decode()
    client.post(
        f"/dispatch/case/{case.number}/revisit/",
        {"contacted": "yes", "resolved": "yes", "satisfaction": "satisfied", "method": "phone"},
    )
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_staff_pages_refuse_residents(client, world):
    login(client, world.resident)
    assert client.get("/console/").status_code == 403
    assert client.get("/dispatch/").status_code == 403
    assert client.get("/inbox/").status_code == 403
    assert client.get("/cases/mine/").status_code == 200


def test_inbox_is_paginated_soonest_deadline_first(client, world, monkeypatch):
    from cases import views

    monkeypatch.setattr(views, "INBOX_PAGE_SIZE", 2)
    client.force_login(world.handler)
    empty = client.get("/inbox/")
    assert empty.status_code == 200 and not empty.context["rows"]
    cases = [case_in(world, "dispatched") for _ in range(3)]
    first = client.get("/inbox/").content.decode()
    second = client.get("/inbox/?page=2").content.decode()
    shown = [c.number for c in cases if c.number in first]
    assert len(shown) == 2 and "&amp;page=2" in first
    (rest,) = [c.number for c in cases if c.number not in shown]
    assert rest in second and all(n not in second for n in shown)
    # The total comes with the page's own rows (a window count), not from a second query.
    assert client.get("/inbox/").context["page"].paginator.num_pages == 2
    past_the_end = client.get("/inbox/?page=99")  # the last page, as Paginator.get_page does
    assert past_the_end.status_code == 200 and rest in past_the_end.content.decode()
    assert past_the_end.context["page"].number == 2
    not_a_number = client.get("/inbox/?page=abc").content.decode()
    assert all(n in not_a_number for n in shown)


def test_inbox_queries_do_not_grow_with_its_cases_and_show_names(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, world.handler)
    case_in(world, "dispatched")
    client.get("/inbox/")
    with CaptureQueriesContext(connection) as one:
        client.get("/inbox/")
    for _ in range(4):
        case_in(world, "dispatched")
    with CaptureQueriesContext(connection) as five:
        page = client.get("/inbox/").content.decode()
    assert len(five.captured_queries) == len(one.captured_queries)
    assert page.count(world.community.name) == 5
    assert page.count(world.department_category.name) >= 5
    # The page's query reads no case text it does not show, and joins no reference table.
    listed = [q["sql"] for q in five.captured_queries if '"cases_case"."number"' in q["sql"]]
    assert listed and all('"description"' not in q and "civic_region" not in q for q in listed)
