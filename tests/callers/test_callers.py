"""Caller history (来电弹屏) and repeat calls (重复来电), through pages, JSON, API and services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from callers import selectors
from callers.selectors import FREQUENT_THRESHOLD, caller_history
from cases import services as case_services
from cases.models import Assignment, Case, CaseEvent, Outcome, PersonalDataAccess, Status
from civic.errors import DomainValidationError
from tests.cases.factories import case_in, file_case

PHONE = "13812345678"
SPELLINGS = ["+86 138 1234 5678", "138-1234-5678", "１３８１２３４５６７８", "0086 13812345678"]


def login(client, user):
    client.force_login(user)
    return client


def filing(world, **extra):
    data = {
        "kind": "complaint",
        "category": world.department_category.pk,
        "title": "又来电催问道路塌陷",
        "description": "上次反映的路面塌陷还没修好，再次来电催办。",
        "region": world.community.pk,
        "address": "多福巷12号",
        "reporter_name": "张三",
        "reporter_phone": "+86 138-1234-5678",
    }
    data.update(extra)
    return data


def accesses(user=None):
    rows = PersonalDataAccess.objects.filter(surface=PersonalDataAccess.Surface.CALLER_HISTORY)
    return rows.filter(user=user) if user is not None else rows


# --- the selector ---------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_a_number_finds_the_same_caller(world, spelling):
    case = case_in(world, "dispatched", reporter_phone=PHONE)
    file_case(world, reporter_phone="13900000000")  # someone else
    history = caller_history(spelling)
    assert [c.pk for c in history.cases] == [case.pk]
    assert history.phone_masked == "138****5678"


def test_open_cases_come_first_then_recent_closed(world):
    closed = case_in(world, "closed")
    with_unit = case_in(world, "in_progress")
    newest = case_in(world, "received")
    history = caller_history(PHONE)
    assert [c.pk for c in history.open_cases] == [newest.pk, with_unit.pk]
    assert [c.pk for c in history.closed_cases] == [closed.pk]
    assert [c.pk for c in history.cases] == [newest.pk, with_unit.pk, closed.pk]
    assert history.open_cases[1].lead_unit == world.department


def test_anonymous_cases_and_other_numbers_are_not_in_a_history(world):
    file_case(world, anonymous=True)  # the number is dropped with anonymity
    file_case(world, reporter_phone="13812345679")
    assert caller_history(PHONE).is_empty


def test_frequent_caller_from_the_threshold_within_thirty_days(world):
    now = timezone.now()
    file_case(world, received_at=now - dt.timedelta(days=40))  # outside the window
    for days in range(FREQUENT_THRESHOLD - 1):
        file_case(world, received_at=now - dt.timedelta(days=days + 1))
    history = caller_history(PHONE)
    assert history.count_30_days == FREQUENT_THRESHOLD - 1
    assert history.count_90_days == FREQUENT_THRESHOLD
    assert not history.frequent
    file_case(world)
    assert caller_history(PHONE).frequent


def test_overdue_flag_for_a_case_past_its_handling_deadline(world):
    case = case_in(world, "in_progress")
    Case.objects.filter(pk=case.pk).update(handle_due_at=timezone.now() - dt.timedelta(hours=1))
    (shown,) = caller_history(PHONE).open_cases
    assert selectors.is_overdue(shown)


@pytest.mark.parametrize("bad", ["", "   ", "12345", "138abc45678", "1" * 16])
def test_unusable_numbers_are_refused_with_a_field_message(db, bad):
    with pytest.raises(DomainValidationError) as info:
        caller_history(bad)
    assert info.value.extra["fields"]["phone"]


# --- pages, JSON and API: who may look, and the access log ---------------------------------


def test_json_lists_the_callers_cases_and_logs_one_access_per_case(client, world):
    open_case = case_in(world, "dispatched")
    closed = case_in(world, "closed")
    login(client, world.operator)
    response = client.get("/callers/history.json", {"phone": "138 1234 5678"})
    assert response.status_code == 200
    body = response.json()
    assert [c["number"] for c in body["open"]] == [open_case.number]
    assert [c["number"] for c in body["closed"]] == [closed.number]
    assert body["open"][0]["repeat_url"] == f"/callers/repeat/{open_case.number}/"
    assert body["closed"][0]["repeat_url"] == ""
    assert body["open"][0]["lead_unit"] == world.department.name
    assert body["phone"] == "138****5678" and PHONE not in response.content.decode()
    rows = list(accesses(world.operator))
    assert sorted(r.case_id for r in rows) == sorted([open_case.pk, closed.pk])
    assert all(r.path == "/callers/history.json" and r.ip == "127.0.0.1" for r in rows)


def test_an_empty_history_writes_no_access_row(client, world):
    case_in(world, "dispatched")
    login(client, world.operator)
    for url in ("/callers/history.json", "/callers/", "/api/v1/callers/history/"):
        assert client.get(url, {"phone": "13900001111"}).status_code == 200
    assert not accesses().exists()


def test_json_refuses_a_bad_number_with_a_field_message(client, world):
    login(client, world.operator)
    response = client.get("/callers/history.json", {"phone": "12"})
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["phone"]
    assert client.get("/callers/history.json").status_code == 400


def test_history_page_shows_cases_and_the_frequent_badge(client, world):
    cases = [case_in(world, "dispatched") for _ in range(FREQUENT_THRESHOLD)]
    login(client, world.dispatcher)
    response = client.get("/callers/", {"phone": "+8613812345678"})
    assert response.status_code == 200
    page = response.content.decode()
    assert all(c.number in page for c in cases)
    assert 'data-testid="frequent"' in page
    assert accesses(world.dispatcher).count() == FREQUENT_THRESHOLD


def test_history_page_shows_a_form_error_for_a_bad_number(client, world):
    login(client, world.operator)
    response = client.get("/callers/", {"phone": "abc"})
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert client.get("/callers/").status_code == 200  # the empty form


@pytest.mark.parametrize("who", ["resident", "handler", "viewer", "street_official"])
def test_only_centre_staff_may_look_callers_up(client, api_client, world, who):
    case_in(world, "dispatched")
    user = getattr(world, who)
    login(client, user)
    assert client.get("/callers/", {"phone": PHONE}).status_code == 403
    assert client.get("/callers/history.json", {"phone": PHONE}).status_code == 403
    api_client.force_authenticate(user)
    assert api_client.get("/api/v1/callers/history/", {"phone": PHONE}).status_code == 403
    assert not accesses().exists()


def test_anonymous_visitors_are_refused(client, api_client, world):
    case_in(world, "dispatched")
    assert client.get("/callers/", {"phone": PHONE}).status_code == 302  # to the login page
    assert client.get("/callers/history.json", {"phone": PHONE}).status_code == 403
    assert api_client.get("/api/v1/callers/history/", {"phone": PHONE}).status_code in (401, 403)
    login(client, world.resident)
    assert client.post("/callers/repeat/x/", filing(world)).status_code == 403
    assert not accesses().exists()


def test_api_history_masks_the_number_and_logs_access(api_client, world):
    open_case = case_in(world, "signed")
    api_client.force_authenticate(world.operator)
    response = api_client.get("/api/v1/callers/history/", {"phone": "138-1234-5678"})
    assert response.status_code == 200
    body = response.json()
    assert body["phone"] == "138****5678"
    assert [c["number"] for c in body["open"]] == [open_case.number]
    assert body["open"][0]["status"] == Status.SIGNED and body["frequent"] is False
    assert accesses(world.operator).get().path == "/api/v1/callers/history/"


@pytest.mark.parametrize("params", [{}, {"phone": ""}, {"phone": "12345"}, {"phone": "电话"}])
def test_api_refuses_a_missing_or_bad_number_with_a_field_message(api_client, world, params):
    api_client.force_authenticate(world.operator)
    response = api_client.get("/api/v1/callers/history/", params)
    assert response.status_code == 400
    assert response.json()["extra"]["fields"]["phone"]


def test_api_schema_documents_the_history(api_client, world):
    api_client.force_authenticate(world.operator)
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/callers/history/" in schema.content.decode()


def test_console_carries_the_caller_panel_for_staff_only(client, world):
    login(client, world.operator)
    page = client.get("/console/").content.decode()
    assert 'id="caller-panel"' in page and "/callers/history.json" in page
    assert "callers/panel.js" in page


# --- repeat calls ---------------------------------------------------------------------------


def test_repeat_call_creates_a_linked_closed_case_without_dispatch(client, world):
    original = case_in(world, "in_progress")
    assignments = Assignment.objects.count()
    login(client, world.operator)
    response = client.post(f"/callers/repeat/{original.number}/", filing(world), follow=True)
    assert response.status_code == 200
    new = Case.objects.exclude(pk=original.pk).get()
    assert new.status == Status.CLOSED and new.outcome == Outcome.REPEAT_REQUEST
    assert new.duplicate_of == original and new.channel == "hotline"
    assert new.first_receiver == world.operator and new.lead_unit is None
    assert new.reporter_phone_key == original.reporter_phone_key
    assert Assignment.objects.count() == assignments  # no second dispatch
    assert response.redirect_chain[-1][0] == f"/dispatch/case/{new.number}/"
    page = response.content.decode()
    assert original.number in page and world.department.name in page  # the progress to read
    note = original.events.filter(action="note").get()
    assert new.number in note.note and note.actor == world.operator
    original.refresh_from_db()
    assert original.status == Status.IN_PROGRESS  # the open case goes on as it was


def test_repeat_call_refused_for_a_closed_case(client, world):
    closed = case_in(world, "closed")
    login(client, world.operator)
    before = Case.objects.count()
    response = client.post(f"/callers/repeat/{closed.number}/", filing(world))
    assert response.status_code == 409
    assert "console-form" in response.content.decode()  # the console again, the input kept
    assert Case.objects.count() == before


def test_repeat_call_refused_for_an_unknown_case(client, world):
    login(client, world.operator)
    response = client.post("/callers/repeat/20990101000001/", filing(world))
    assert response.status_code == 404
    assert "console-form" in response.content.decode()
    assert not Case.objects.exists()


def test_repeat_call_with_an_invalid_form_shows_field_errors(client, world):
    original = case_in(world, "dispatched")
    events = CaseEvent.objects.count()
    login(client, world.operator)
    response = client.post(f"/callers/repeat/{original.number}/", filing(world, title=""))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="errorlist"' in page and "console-form" in page
    assert 'data-console-url="/console/"' in page  # the panel points the form back at /console/
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == events


def test_repeat_call_is_refused_to_others(client, world):
    original = case_in(world, "dispatched")
    login(client, world.handler)
    assert client.post(f"/callers/repeat/{original.number}/", filing(world)).status_code == 403
    assert client.get(f"/callers/repeat/{original.number}/").status_code in (403, 405)
    assert Case.objects.count() == 1


def test_repeat_call_rolls_back_when_a_step_fails(world, monkeypatch):
    from callers import services

    original = case_in(world, "dispatched")

    def fail(**kwargs):
        raise DomainValidationError("boom")

    monkeypatch.setattr(case_services, "case_note_add", fail)
    intake = {
        "kind": "complaint",
        "category": world.department_category,
        "title": "再次来电",
        "description": "催办",
        "region": world.community,
        "reporter_phone": PHONE,
    }
    with pytest.raises(DomainValidationError):
        services.repeat_call_record(
            actor=world.operator, original_number=original.number, intake=intake
        )
    assert Case.objects.count() == 1


# --- rekeying -------------------------------------------------------------------------------


def test_rekey_phones_follows_a_new_secret_and_is_idempotent(world, capsys):
    first = case_in(world, "dispatched")
    file_case(world, anonymous=True)
    with override_settings(PHONE_KEY_SECRET="a-new-secret-for-phone-keys"):
        assert caller_history(PHONE).is_empty  # the stored keys are the old secret's
        call_command("rekey_phones", batch_size=1)
        assert "2 cases scanned, 1 phone keys recomputed" in capsys.readouterr().out
        assert [c.pk for c in caller_history(PHONE).cases] == [first.pk]
        call_command("rekey_phones")
        assert "0 phone keys recomputed" in capsys.readouterr().out
    assert Case.objects.get(anonymous=True).reporter_phone_key == ""


# --- PostgreSQL: the index does the work ----------------------------------------------------


@pytest.mark.postgres
def test_history_queries_use_the_phone_key_index(world):
    from django.db import connection

    case_in(world, "dispatched")
    key = Case.objects.get().reporter_phone_key
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a tiny table: make the planner show its hand
        try:
            for queryset in (
                Case.objects.filter(reporter_phone_key=key).exclude(status=Status.CLOSED),
                Case.objects.filter(reporter_phone_key=key, status=Status.CLOSED),
            ):
                plan = queryset.order_by("-received_at", "-id").explain()
                assert "case_phone_key_received_idx" in plan, plan
        finally:
            cursor.execute("RESET enable_seqscan")


# --- the repeat-call API --------------------------------------------------------------------


def api_filing(world, **extra):
    data = {
        "kind": "complaint",
        "category": world.department_category.pk,
        "title": "再次来电催办",
        "description": "路面塌陷还没修好。",
        "region": world.community.pk,
        "reporter_phone": "13812345678",
    }
    data.update(extra)
    return data


def test_api_repeat_call_links_and_returns_the_progress(api_client, world):
    original = case_in(world, "signed")
    api_client.force_authenticate(world.operator)
    response = api_client.post(
        "/api/v1/callers/repeat/", api_filing(world, duplicate_of=original.number), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    new = Case.objects.get(number=body["number"])
    assert new.duplicate_of == original and new.outcome == Outcome.REPEAT_REQUEST
    assert body["duplicate_of"] == original.number
    assert body["progress"]["unit"] == world.department.name
    assert original.events.filter(action="note").exists()


@pytest.mark.parametrize(
    ("state", "number", "status"), [("closed", None, 409), (None, "20990101000001", 404)]
)
def test_api_repeat_call_refuses_closed_and_unknown_cases(api_client, world, state, number, status):
    if state:
        number = case_in(world, state).number
    before = Case.objects.count()
    api_client.force_authenticate(world.operator)
    response = api_client.post(
        "/api/v1/callers/repeat/", api_filing(world, duplicate_of=number), format="json"
    )
    assert response.status_code == status
    assert response.json()["message"]
    assert Case.objects.count() == before


def test_api_repeat_call_bad_input_and_permissions(api_client, world):
    original = case_in(world, "dispatched")
    api_client.force_authenticate(world.operator)
    response = api_client.post(
        "/api/v1/callers/repeat/",
        api_filing(world, title="", duplicate_of=original.number),
        format="json",
    )
    assert response.status_code == 400
    assert "title" in response.json()["extra"]["fields"]
    response = api_client.post("/api/v1/callers/repeat/", api_filing(world), format="json")
    assert response.status_code == 400
    assert "duplicate_of" in response.json()["extra"]["fields"]
    api_client.force_authenticate(world.handler)
    response = api_client.post(
        "/api/v1/callers/repeat/", api_filing(world, duplicate_of=original.number), format="json"
    )
    assert response.status_code == 403
    assert Case.objects.count() == 1
