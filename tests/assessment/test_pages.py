"""Public boards, drill-down without personal data, exports equal to the page, API."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from assessment.exports import score_columns
from assessment.models import AssessmentPolicy
from assessment.services import assessment_compute, assessment_publish
from cases.models import Revisit
from tests.assessment.test_scores import MARCH, _handled, _revisit
from tests.cases.factories import world  # noqa: F401


@pytest.fixture
def published(world):  # noqa: F811
    AssessmentPolicy.objects.create(effective_from=dt.date(2026, 1, 1), min_cases=1)
    w = world
    with time_machine.travel(MARCH, tick=False):
        _revisit(w, _handled(w), resolved=True, satisfaction=Revisit.Satisfaction.SATISFIED)
        _revisit(w, _handled(w), resolved=False, satisfaction=Revisit.Satisfaction.BASICALLY)
        run = assessment_compute(month="2026-03", actor=w.dispatcher)
        assessment_publish(run=run, actor=w.dispatcher)
    return w, run


def test_boards_are_public_and_show_counts_beside_rates(published):
    _w, _run = published
    response = Client().get("/boards/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "市城管委" in body and "(2/2)" in body and "2026-03" in body


def test_unit_page_drills_down_without_personal_data(published):
    w, _run = published
    body = Client().get(f"/boards/units/{w.department.pk}/?month=2026-03").content.decode()
    assert "<svg" in body and '<circle class="dot"' in body
    case_number = w.department.assignments.first().case.number
    assert case_number in body
    for secret in ("张三", "13812345678", "多福巷12号3单元"):
        assert secret not in body


def test_exports_carry_the_same_numbers_as_the_page(published):
    w, run = published
    score = run.scores.get(unit=w.department)
    xlsx = Client().get("/boards/2026-03/scores.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(ws.iter_rows(values_only=True))
    keys = [k for k, _label in score_columns()]
    row = next(r for r in rows[1:] if r[0] == "市城管委")
    assert row[keys.index("score")] == float(score.score)
    assert row[keys.index("cases")] == 2
    assert row[keys.index("satisfaction_rate")] == float(score.satisfaction_rate) == 0.75
    text = Client().get("/boards/2026-03/scores.csv").content.decode("utf-8-sig")
    csv_row = next(r for r in csv.reader(io.StringIO(text)) if r[0] == "市城管委")
    assert csv_row[keys.index("score")] == str(score.score)
    cases = Client().get(f"/boards/units/{w.department.pk}/2026-03/cases.xlsx")
    assert load_workbook(io.BytesIO(cases.content)).active.max_row == 3


def test_drafts_are_hidden_from_the_public_and_flagged_for_staff(published):
    w, _run = published
    with time_machine.travel(MARCH, tick=False):
        assessment_compute(month="2026-03", actor=w.dispatcher)
    public = Client().get("/api/v1/assessment/runs/").json()
    assert public["count"] == 1
    assert [r["revision"] for r in public["results"]] == [1]
    staff = Client()
    staff.force_login(w.dispatcher)
    assert b'data-note="newer-draft"' in staff.get("/boards/").content


def test_api_publish_is_for_dispatchers_only(world):  # noqa: F811
    AssessmentPolicy.objects.create(effective_from=dt.date(2026, 1, 1))
    client = Client()
    client.force_login(world.handler)
    assert client.post("/api/v1/assessment/runs/compute/", {"month": "2026-03"}).status_code == 403
    client.force_login(world.dispatcher)
    created = client.post("/api/v1/assessment/runs/compute/", {"month": "2026-03"})
    assert created.status_code == 201
    run_id = created.json()["id"]
    assert client.post(f"/api/v1/assessment/runs/{run_id}/publish/").json()["status"] == "published"
    again = client.post(f"/api/v1/assessment/runs/{run_id}/publish/")
    assert again.status_code == 409
    boards = Client().get("/api/v1/assessment/boards/?month=2026-03").json()
    assert {g["peer_group"] for g in boards["groups"]} >= {"departments", "streets"}
