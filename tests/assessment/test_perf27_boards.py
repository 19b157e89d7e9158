"""Issue 27: the boards at city scale. A unit's page lists its month's cases a page at a time
(the export keeps them all); the boards of a run are rendered once and served from the cache
until something they show changes."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessment import selectors
from assessment.models import AssessmentPolicy
from assessment.services import assessment_compute, assessment_publish
from cases import services as case_services
from tests.assessment.test_scores import MARCH
from tests.cases.factories import file_case

pytestmark = pytest.mark.django_db


def _dispatched(w, n: int) -> list[str]:
    numbers = []
    for _i in range(n):
        case, _code = file_case(w)
        case_services.case_dispatch(actor=w.dispatcher, case=case, lead_unit=w.department)
        numbers.append(case.number)
    return numbers


def _publish(w):
    with time_machine.travel(MARCH, tick=False):
        run = assessment_compute(month="2026-03", actor=w.dispatcher)
        assessment_publish(run=run, actor=w.dispatcher)
    return run


@pytest.fixture
def policy(db):
    return AssessmentPolicy.objects.create(effective_from=dt.date(2026, 1, 1), min_cases=1)


def _listed(body: str, numbers: list[str]) -> list[str]:
    return [n for n in numbers if f">{n}</a>" in body]


def test_unit_page_pages_through_the_cases_the_export_lists(world, policy, monkeypatch):
    w = world
    with time_machine.travel(MARCH, tick=False):
        numbers = _dispatched(w, 5)
    _publish(w)
    monkeypatch.setattr(selectors, "UNIT_CASES_PER_PAGE", 2)
    url = f"/boards/units/{w.department.pk}/?month=2026-03"
    pages = [Client().get(f"{url}&page={p}").content.decode() for p in (1, 2, 3)]
    seen = [_listed(body, numbers) for body in pages]
    # Oldest first, two a page, each case on exactly one page, the last page shorter.
    assert [len(s) for s in seen] == [2, 2, 1]
    assert [n for s in seen for n in s] == numbers
    assert 'data-cases-total="5"' in pages[0] and "page=2" in pages[0]
    # A page past the end is the last page; a page that is no number, the first.
    assert _listed(Client().get(f"{url}&page=99").content.decode(), numbers) == seen[2]
    assert _listed(Client().get(f"{url}&page=x").content.decode(), numbers) == seen[0]
    # The export still has every case.
    text = Client().get(f"/boards/units/{w.department.pk}/2026-03/cases.csv")
    rows = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig"))))[1:]
    assert [r[0] for r in rows] == numbers


def test_unit_page_queries_do_not_grow_with_the_cases(world, policy):
    w = world

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = Client().get(f"/boards/units/{w.department.pk}/?month=2026-03")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    with time_machine.travel(MARCH, tick=False):
        _dispatched(w, 1)
    _publish(w)
    few = queries()
    with time_machine.travel(MARCH, tick=False):
        _dispatched(w, 4)
    _publish(w)
    assert queries() == few


def _score_queries(path: str) -> tuple[str, int]:
    """The page's boards (its peer-group sections) and how many queries read the scores."""
    with CaptureQueriesContext(connection) as ctx:
        body = Client().get(path).content.decode()
    boards = body[body.index('<section class="peer-group"') : body.rindex("</section>")]
    return boards, sum("assessment_unitscore" in q["sql"] for q in ctx.captured_queries)


def test_boards_render_once_then_from_the_cache_until_a_unit_is_renamed(world, policy):
    w = world
    with time_machine.travel(MARCH, tick=False):
        _dispatched(w, 2)
    _publish(w)
    first, read = _score_queries("/boards/")
    assert read and "市城管委" in first
    again, read = _score_queries("/boards/")
    assert read == 0 and again == first
    # A rename (saved as the admin saves it) shows on the next visit.
    w.department.name = "市城市管理委员会"
    w.department.save()
    renamed, read = _score_queries("/boards/")
    assert read and "市城市管理委员会" in renamed and "市城管委<" not in renamed


def test_each_language_gets_its_own_rendered_boards(world, policy):
    w = world
    with time_machine.travel(MARCH, tick=False):
        _dispatched(w, 2)
    _publish(w)
    chinese = Client(headers={"accept-language": "zh-hans"}).get("/boards/").content.decode()
    english = Client(headers={"accept-language": "en"}).get("/boards/").content.decode()
    assert "Full ranking" in english and "Full ranking" not in chinese


def test_a_score_edited_in_the_admin_shows_on_the_draft_at_once(world, policy):
    w = world
    with time_machine.travel(MARCH, tick=False):
        _dispatched(w, 2)
        run = assessment_compute(month="2026-03", actor=w.dispatcher)
    staff = Client()
    staff.force_login(w.dispatcher)
    path = f"/boards/runs/{run.pk}/"
    assert staff.get(path).status_code == 200
    score = run.scores.get(unit=w.department)
    score.returned = 7
    score.save()
    body = staff.get(path).content.decode()
    assert '<td class="num" data-label' in body
    row = body[body.index('data-unit="市城管委"') :]
    assert "<span>7</span>" in row[: row.index("</tr>")]
