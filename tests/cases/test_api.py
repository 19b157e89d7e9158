"""The REST API through real URLs: every transition by role, illegal moves (409), bad input
(400 with field messages), visibility, masking, idempotency, throttles, tokens, schema."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Assignment, Case, CaseEvent, Status
from tests.cases.factories import case_in, file_case

pytestmark = pytest.mark.django_db
API = "/api/v1"


def as_user(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def new_case(world, **extra):
    data = {
        "kind": "complaint",
        "category": world.department_category.pk,
        "title": "路灯不亮",
        "description": "小区门口路灯坏了一周。",
        "region": world.community.pk,
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
    }
    data.update(extra)
    return data


def test_full_life_cycle_over_the_api(api_client, world):
    response = api_client.post(f"{API}/cases/", new_case(world), format="json")
    assert response.status_code == 201, response.content
    number, code = response.data["number"], response.data["access_code"]
    as_user(api_client, world.dispatcher)
    proposal = api_client.get(f"{API}/cases/{number}/route-proposal/")
    assert proposal.data["unit"]["id"] == world.department.pk
    assert (
        api_client.post(
            f"{API}/cases/{number}/dispatch/", {"lead_unit": world.department.pk}, format="json"
        ).status_code
        == 200
    )
    as_user(api_client, world.handler)
    assert api_client.post(f"{API}/cases/{number}/sign/").status_code == 200
    assert (
        api_client.post(
            f"{API}/cases/{number}/contact/", {"note": "已联系"}, format="json"
        ).status_code
        == 200
    )
    reply = api_client.post(
        f"{API}/cases/{number}/reply/", {"text": "已修好", "result": "resolved"}, format="json"
    )
    assert reply.status_code == 200 and reply.data["status"] == "replied"
    api_client.force_authenticate(None)
    tracked = api_client.post(
        f"{API}/track/", {"number": number, "access_code": code}, format="json"
    )
    assert tracked.status_code == 200 and tracked.data["replies"][0]["text"] == "已修好"
    as_user(api_client, world.operator)
    done = api_client.post(
        f"{API}/cases/{number}/revisit/",
        {"contacted": True, "resolved": True, "satisfaction": "satisfied", "method": "phone"},
        format="json",
    )
    assert done.status_code == 200 and done.data["status"] == "closed"
    events = api_client.get(f"{API}/cases/{number}/events/").data
    assert [e["action"] for e in events] == [
        "create",
        "dispatch",
        "sign",
        "contact",
        "reply",
        "revisit",
        "close",
    ]


def test_illegal_moves_are_409_with_the_error_shape(api_client, world):
    case = case_in(world, "dispatched")
    as_user(api_client, world.handler)
    response = api_client.post(
        f"{API}/cases/{case.number}/reply/", {"text": "x", "result": "resolved"}, format="json"
    )
    assert response.status_code == 409
    assert (
        set(response.data) == {"message", "extra"}
        and response.data["extra"]["status"] == "dispatched"
    )
    api_client.post(f"{API}/cases/{case.number}/sign/")
    again = api_client.post(f"{API}/cases/{case.number}/sign/")
    assert again.status_code == 409
    assert CaseEvent.objects.filter(case=case, action="sign").count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"title": ""},
        {"title": "x" * 201},
        {"kind": "nonsense"},
        {"category": 999999},
        {"category": True},
        {"category": 1.5},
        {"category": [1]},
        {"category": 2**70},
        {"category": "１２"},
        {"region": "abc"},
        {"region": -3},
        {"lat": "95", "lng": "116", "region": None},
        {"lat": "39.9", "region": None},
        {"title": "a\x00b"},
        {"reporter_phone": "call me"},
        {"reporter_email": "not-an-email"},
    ],
)
def test_bad_intake_is_400_with_field_messages_and_writes_nothing(api_client, world, payload):
    response = api_client.post(f"{API}/cases/", new_case(world, **payload), format="json")
    assert response.status_code == 400, response.content
    assert response.data["extra"]["fields"] or response.data["message"]
    assert Case.objects.count() == 0


def test_input_serializers_keep_their_fields_to_themselves(world):
    """Input serializers copy their fields shallowly (speed); each instance must still validate
    on its own fields, and fields with children must not share them."""
    from cases.api import serializers as s

    good = s.CaseCreateInput(data=new_case(world))
    bad = s.CaseCreateInput(data=new_case(world, title="", region="abc"))
    assert good.fields["title"] is not bad.fields["title"]
    assert good.fields["title"].parent is good and bad.fields["title"].parent is bad
    assert not bad.is_valid() and good.is_valid(), good.errors
    assert set(bad.errors) == {"title", "region"} and good.validated_data["title"]
    first, second = s.DispatchInput(), s.DispatchInput()
    assert first.fields["co_units"].child_relation is not second.fields["co_units"].child_relation
    assert first.fields["co_units"].child_relation.parent is first.fields["co_units"]


def test_lone_surrogates_get_drfs_own_message(world):
    """Long texts are checked for lone surrogates by one search (speed); the answer is DRF's."""
    from rest_framework import serializers as drf

    from cases.api import serializers as s

    text = "正常的描述" * 300 + "\udfff"
    ours = s.CaseCreateInput(data=new_case(world, description=text))
    assert not ours.is_valid()
    theirs = drf.CharField()
    with pytest.raises(drf.ValidationError) as expected:
        theirs.run_validation(text)
    assert ours.errors["description"] == expected.value.detail
    assert "U+DFFF" in str(ours.errors["description"][0])
    assert s.CaseCreateInput(data=new_case(world, description="正常的描述" * 300)).is_valid()


def test_intake_reads_categories_and_regions_from_memory_and_sees_edits(api_client, world):
    assert api_client.post(f"{API}/cases/", new_case(world), format="json").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = api_client.post(f"{API}/cases/", new_case(world), format="json")
    assert response.status_code == 201, response.content
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "civic_category" not in read and "civic_region" not in read

    category = world.department_category
    category.active = False
    category.save()  # an edit through the ORM (the admin) is seen at once
    response = api_client.post(f"{API}/cases/", new_case(world), format="json")
    assert response.status_code == 400
    assert "category" in response.data["extra"]["fields"]
    parent = category.parent
    response = api_client.post(f"{API}/cases/", new_case(world, category=parent.pk), format="json")
    assert response.status_code == 400  # not a leaf
    assert Case.objects.count() == 2


def test_an_edit_made_by_another_process_is_seen_within_the_cache_time(
    api_client, world, monkeypatch
):
    import time

    from civic import catalogue, memo
    from civic.models import Category

    assert api_client.post(f"{API}/cases/", new_case(world), format="json").status_code == 201
    # A queryset update sends no signal: as if another worker process had made the edit.
    Category.objects.filter(pk=world.department_category.pk).update(active=False)
    later = time.monotonic() + catalogue.CACHE_SECONDS + 1
    monkeypatch.setattr(memo, "_clock", lambda: later)
    response = api_client.post(f"{API}/cases/", new_case(world), format="json")
    assert response.status_code == 400
    assert "category" in response.data["extra"]["fields"]


def test_malformed_json_and_wrong_content_type(api_client, world):
    assert (
        api_client.post(
            f"{API}/cases/", data="{not json", content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        api_client.post(f"{API}/cases/", data="<x/>", content_type="application/xml").status_code
        == 415
    )
    assert Case.objects.count() == 0


def test_idempotency_key_returns_the_same_case(api_client, world):
    first = api_client.post(
        f"{API}/cases/", new_case(world), format="json", HTTP_IDEMPOTENCY_KEY="abc-123"
    )
    second = api_client.post(
        f"{API}/cases/", new_case(world), format="json", HTTP_IDEMPOTENCY_KEY="abc-123"
    )
    assert first.status_code == 201 and second.status_code == 200
    assert first.data["number"] == second.data["number"] and Case.objects.count() == 1


def test_residents_see_only_their_own_cases(api_client, world):
    mine = case_in(world, "dispatched")
    theirs = case_in(world, "dispatched", by=world.other_resident)
    as_user(api_client, world.resident)
    listing = api_client.get(f"{API}/cases/").data
    assert listing["count"] == 1 and listing["results"][0]["number"] == mine.number
    assert api_client.get(f"{API}/cases/{theirs.number}/").status_code == 404
    assert api_client.get(f"{API}/cases/{theirs.number}/events/").status_code == 404
    assert (
        api_client.post(
            f"{API}/cases/{theirs.number}/reopen/", {"reason": "x"}, format="json"
        ).status_code
        == 404
    )


def test_unit_sees_only_cases_dispatched_to_it(api_client, world):
    case = case_in(world, "dispatched")
    as_user(api_client, world.other_handler)
    assert api_client.get(f"{API}/cases/").data["count"] == 0
    assert api_client.get(f"{API}/cases/{case.number}/").status_code == 404
    as_user(api_client, world.handler)
    data = api_client.get(f"{API}/cases/{case.number}/").data
    assert data["reporter"]["phone"] == "13812345678"


def test_masking_for_viewers_without_need(api_client, world):
    case = case_in(world, "dispatched")
    as_user(api_client, world.handler)
    api_client.post(
        f"{API}/cases/{case.number}/co-units/", {"unit": world.other_department.pk}, format="json"
    )
    api_client.force_authenticate(None)
    code_case, code = file_case(world)
    tracked = api_client.post(
        f"{API}/track/", {"number": code_case.number, "access_code": code}, format="json"
    ).data
    assert tracked["reporter"]["phone"] == "138****5678" and tracked["address"] == "多福巷***"


def test_wrong_code_and_unknown_number_look_the_same(api_client, world):
    case, _ = file_case(world)
    wrong = api_client.post(
        f"{API}/track/", {"number": case.number, "access_code": "WRONG"}, format="json"
    )
    unknown = api_client.post(
        f"{API}/track/", {"number": "20990101000001", "access_code": "WRONG"}, format="json"
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.data == unknown.data


def test_anonymous_cannot_list_and_staff_actions_need_roles(api_client, world):
    case = case_in(world, "received")
    assert api_client.get(f"{API}/cases/").status_code in (401, 403)
    as_user(api_client, world.handler)
    assert (
        api_client.post(
            f"{API}/cases/{case.number}/dispatch/",
            {"lead_unit": world.department.pk},
            format="json",
        ).status_code
        == 404
    )
    as_user(api_client, world.operator)
    assert (
        api_client.post(
            f"{API}/cases/{case.number}/dispatch/", {"lead_unit": 999999}, format="json"
        ).status_code
        == 400
    )
    dispatched = api_client.post(
        f"{API}/cases/{case.number}/dispatch/", {"lead_unit": world.department.pk}, format="json"
    )
    assert dispatched.status_code == 200
    as_user(api_client, world.handler)
    api_client.post(f"{API}/cases/{case.number}/return/", {"reason": "不属于"}, format="json")
    as_user(api_client, world.operator)
    refused = api_client.post(
        f"{API}/cases/{case.number}/return/decide/", {"accept": False, "note": "x"}, format="json"
    )
    assert refused.status_code == 403


def test_filters(api_client, world):
    open_case = case_in(world, "dispatched")
    closed = case_in(world, "closed")
    as_user(api_client, world.dispatcher)
    numbers = {
        c["number"] for c in api_client.get(f"{API}/cases/", {"status": "closed"}).data["results"]
    }
    assert numbers == {closed.number}
    numbers = {
        c["number"]
        for c in api_client.get(f"{API}/cases/", {"search": open_case.number}).data["results"]
    }
    assert numbers == {open_case.number}
    assert api_client.get(f"{API}/cases/", {"status": "bogus"}).status_code == 400


def test_id_filters_take_whole_numbers_a_bigint_holds_and_apply_to_the_list_only(api_client, world):
    case = case_in(world, "dispatched")
    as_user(api_client, world.dispatcher)
    for name in ("category", "region", "lead_unit"):
        for value in ("1e30", "99999999999999999999", "1.5", "0"):  # found by the API fuzz test
            answer = api_client.get(f"{API}/cases/", {name: value})
            assert answer.status_code == 400, (name, value)
            assert name in answer.data["extra"]["fields"]
    leaf = {
        c["number"]
        for c in api_client.get(f"{API}/cases/", {"category": case.category_id}).data["results"]
    }
    assert leaf == {case.number}
    # A case's own URLs find it whatever the query string holds.
    for path in ("", "events/", "replies/"):
        answer = api_client.get(f"{API}/cases/{case.number}/{path}", {"category": "1e30"})
        assert answer.status_code == 200, path


def test_token_auth(api_client, world):
    world.handler.set_password("pass-1234-word")
    world.handler.save()
    bad = api_client.post(
        f"{API}/auth/token/", {"username": "handler", "password": "nope"}, format="json"
    )
    assert bad.status_code == 400
    token = api_client.post(
        f"{API}/auth/token/", {"username": "handler", "password": "pass-1234-word"}, format="json"
    ).data["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get(f"{API}/cases/").status_code == 200


def test_token_lockout_answers_the_api_error_shape_with_retry_after(api_client, world):
    world.handler.set_password("pass-1234-word")
    world.handler.save()

    def token(password):
        return api_client.post(
            f"{API}/auth/token/", {"username": "handler", "password": password}, format="json"
        )

    assert [token("nope").status_code for _ in range(4)] == [400] * 4
    locked = token("nope")
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    body = locked.json()
    assert set(body) == {"message", "extra"} and body["message"]
    assert body["extra"]["retry_after"] == 1800  # AXES_COOLOFF_HOURS=0.5
    assert locked["Retry-After"] == "1800"
    # Even the right password is refused while locked, in the same shape.
    right = token("pass-1234-word")
    assert right.status_code == 429 and "token" not in right.json()
    assert right.json()["extra"]["retry_after"] == 1800


def test_api_tracking_is_limited_per_case_number_across_addresses(api_client, world):
    case, _code = file_case(world)
    start = dt.datetime(2026, 11, 23, 8, 0, 10, tzinfo=dt.UTC)  # 10 s into a minute

    def guess(ip):
        return api_client.post(
            f"{API}/track/",
            {"number": case.number, "access_code": "NOPE0000"},
            format="json",
            REMOTE_ADDR=ip,
        )

    with time_machine.travel(start, tick=False):
        codes = [guess(f"198.51.100.{i}").status_code for i in range(11)]
        refused = guess("198.51.100.200")
    assert codes == [404] * 10 + [429]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "50"
    assert refused.json()["extra"]["retry_after"] == 50


def test_categories_and_units_are_listed(api_client, world):
    leaves = api_client.get(f"{API}/categories/", {"level": 3}).data
    assert any(c["name"] == "道路破损" for c in leaves["results"])
    as_user(api_client, world.resident)
    assert api_client.get(f"{API}/units/").status_code == 200


def test_schema_is_valid_and_docs_are_offline(client):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    docs = client.get("/api/docs/").content.decode()
    assert "cdn" not in docs.lower() and "/static/drf_spectacular_sidecar/" in docs
    assert client.get("/api/schema/").status_code == 200


def test_intake_is_throttled(api_client, world, settings):
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**ScopedRateThrottle.THROTTLE_RATES, "intake": "2/min"}
    ScopedRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [
            api_client.post(f"{API}/cases/", new_case(world), format="json").status_code
            for _ in range(3)
        ]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = {**rates, "intake": "30/min"}
    assert codes == [201, 201, 429]
    assert Case.objects.filter(status=Status.RECEIVED).count() == 2


def test_unit_list_total_comes_from_the_assignment_index_and_is_exact(api_client, world):
    from cases import selectors

    for state in ("dispatched", "signed", "in_progress", "closed"):
        case_in(world, state)
    case_in(world, "received")  # not dispatched: nobody's
    other = case_in(world, "dispatched")
    as_user(api_client, world.handler)
    api_client.post(
        f"{API}/cases/{other.number}/co-units/", {"unit": world.other_department.pk}, format="json"
    )
    expected = selectors.cases_visible_to(world.handler).count()
    assert expected == 5
    assert selectors.visible_case_count(world.handler) == expected
    # The co-unit's handler sees the one case it was brought into, counted the same way.
    assert selectors.visible_case_count(world.other_handler) == 1
    with CaptureQueriesContext(connection) as queries:
        page = api_client.get(f"{API}/cases/", {"page_size": 2}).data
    assert page["count"] == expected and len(page["results"]) == 2 and page["next"]
    # The total came from the assignment index: no COUNT over the cases themselves.
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and 'FROM "cases_case"' not in counts[0]
    # Who sees what is decided once per request (one "did they file a case?" query).
    filed = [q for q in queries.captured_queries if '"cases_case"."reporter_id" = ' in q["sql"]]
    assert len(filed) == 1
    last = api_client.get(f"{API}/cases/", {"page_size": 2, "page": 3}).data
    assert last["count"] == expected and len(last["results"]) == 1 and last["next"] is None
    # A filter narrows the list: the total is then counted from the filtered cases.
    with CaptureQueriesContext(connection) as queries:
        closed = api_client.get(f"{API}/cases/", {"status": "closed"}).data
    assert closed["count"] == 1 == len(closed["results"])
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and 'FROM "cases_case"' in counts[0]
    # Residents' lists count as before; the centre's total is every case (kept a while).
    assert selectors.visible_case_count(world.dispatcher) == Case.objects.count()
    assert selectors.visible_case_count(world.resident) is None


def test_the_centres_total_counts_only_new_cases_on_top_of_the_kept_one(
    api_client, world, settings
):
    settings.CASE_COUNT_CACHE_SECONDS = 30
    case_in(world, "received")
    api_client.force_authenticate(world.dispatcher)
    assert api_client.get(f"{API}/cases/").data["count"] == 1
    case_in(world, "received")
    # The kept total and the cases filed since: exact at once, and not a full count.
    with CaptureQueriesContext(connection) as queries:
        listed = api_client.get(f"{API}/cases/").data
    assert listed["count"] == 2 and len(listed["results"]) == 2
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and '"cases_case"."id" >' in counts[0]


def test_unit_list_total_is_cached_until_the_units_cases_change(
    api_client, world, settings, django_capture_on_commit_callbacks
):
    settings.CASE_COUNT_CACHE_SECONDS = 300
    case_in(world, "dispatched")
    as_user(api_client, world.handler)

    def total():
        with CaptureQueriesContext(connection) as queries:
            count = api_client.get(f"{API}/cases/").data["count"]
        counted = any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
        return count, counted

    assert total() == (1, True)
    assert total() == (1, False)  # from the cache
    # A dispatch to the unit moves its count generation once it commits: counted afresh.
    with django_capture_on_commit_callbacks(execute=True):
        second = case_in(world, "dispatched")
    assert total() == (2, True)
    # A co-unit brought in: its own total moves, the lead unit's stays cached.
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(
            f"{API}/cases/{second.number}/co-units/",
            {"unit": world.other_department.pk},
            format="json",
        )
    assert total() == (2, False)
    as_user(api_client, world.other_handler)
    assert total() == (1, True)
    # Re-dispatched to the co-unit: the first unit's lead assignment is replaced (no longer
    # visible), so its total drops at once.
    from cases import services

    with django_capture_on_commit_callbacks(execute=True):
        services.case_redispatch(
            actor=world.dispatcher, case=second, lead_unit=world.other_department, note="改派"
        )
    as_user(api_client, world.handler)
    assert total() == (1, True)
    # Without the cache every request counts.
    settings.CASE_COUNT_CACHE_SECONDS = 0
    assert total() == (1, True) and total() == (1, True)


def test_unit_list_pages_from_the_assignments_as_the_generic_list_would(api_client, world):
    """A single unit's plain list pages through its assignments (newest first); it must list
    exactly what the visibility rule lists, in the same order, on every page."""
    from cases import selectors, services

    cases = [case_in(world, "dispatched") for _ in range(4)]
    reopened = case_in(world, "closed")  # reopened: a done and an active assignment
    services.case_reopen(actor=world.dispatcher, case=reopened, reason="居民不满意")
    assert Assignment.objects.filter(case=reopened, unit=world.department).count() == 2
    moved = case_in(world, "dispatched")  # re-dispatched away: no longer the unit's
    services.case_redispatch(
        actor=world.dispatcher, case=moved, lead_unit=world.other_department, note="改派"
    )
    co = case_in(world, "dispatched", category=world.department_category)
    services.case_redispatch(  # the unit comes back as a co-unit of another unit's case
        actor=world.dispatcher, case=co, lead_unit=world.other_department, note="改派"
    )
    services.co_unit_add(actor=world.dispatcher, case=co, unit=world.department, note="协办")
    # Two cases received at the same instant: the higher id first, on every page.
    same = cases[0].received_at
    Case.objects.filter(pk=cases[1].pk).update(received_at=same)
    Assignment.objects.filter(case=cases[1]).update(case_received_at=same)
    for assignment in Assignment.objects.all():
        assert assignment.case_received_at == assignment.case.received_at
    expected = [
        c.number for c in selectors.cases_visible_to(world.handler).order_by("-received_at", "-id")
    ]
    assert len(expected) == 6 and moved.number not in expected and co.number in expected
    as_user(api_client, world.handler)
    listed, url = [], f"{API}/cases/?page_size=4"
    while url:
        with CaptureQueriesContext(connection) as queries:
            page = api_client.get(url).data
        assert page["count"] == 6
        assert any(
            'FROM "cases_assignment"' in q["sql"] and "DISTINCT" in q["sql"]
            for q in queries.captured_queries
        )
        listed += [c["number"] for c in page["results"]]
        url = page["next"]
    assert listed == expected
    # Filtered or reordered lists take the generic path, which lists the same cases.
    oldest = api_client.get(f"{API}/cases/", {"ordering": "received_at"}).data["results"]
    assert {c["number"] for c in oldest} == set(expected)


def test_unit_handler_who_filed_a_case_still_gets_an_exact_total(api_client, world):
    from cases import selectors

    case_in(world, "dispatched")
    own = case_in(world, "received", by=world.handler)
    assert selectors.visible_case_count(world.handler) is None
    as_user(api_client, world.handler)
    listing = api_client.get(f"{API}/cases/").data
    assert listing["count"] == 2
    assert own.number in {c["number"] for c in listing["results"]}


def test_case_list_reads_reference_rows_from_memory_with_the_same_output(api_client, world):
    for _ in range(3):
        case_in(world, "dispatched")
    as_user(api_client, world.handler)
    api_client.get(f"{API}/cases/")  # the catalogue is filled on first use
    with CaptureQueriesContext(connection) as queries:
        results = api_client.get(f"{API}/cases/").data["results"]
    joined = [q["sql"] for q in queries.captured_queries if "civic_category" in q["sql"]]
    assert joined == [] and len(results) == 3
    # The same nested representation as before: the full category path, region and lead unit.
    category = world.department_category
    first = results[0]
    assert first["category"]["id"] == category.pk
    assert first["category"]["path"] == category.full_name("/").split("/")
    assert len(first["category"]["path"]) == 3
    assert first["region"] == {
        "id": world.community.pk,
        "code": world.community.code,
        "name": world.community.name,
        "level": world.community.level,
        "parent": world.community.parent_id,
    }
    assert first["lead_unit"]["code"] == world.department.code
    # A unit renamed in the admin shows its new name at once.
    world.department.name = "区城管委（新）"
    world.department.save()
    renamed = api_client.get(f"{API}/cases/").data["results"]
    assert {r["lead_unit"]["name"] for r in renamed} == {"区城管委（新）"}
    # A case not yet dispatched has no lead unit.
    as_user(api_client, world.dispatcher)
    case_in(world, "received")
    listed = api_client.get(f"{API}/cases/", {"status": "received"}).data["results"]
    assert listed[0]["lead_unit"] is None
