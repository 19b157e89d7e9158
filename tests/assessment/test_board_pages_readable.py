"""Issue 30: the boards explain themselves — empty state, confirmation before publishing, the
minimum case count, percentages, translated titles, whole months, links and labelled exports."""

import csv
import datetime as dt
import io
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from assessment.exports import score_columns
from assessment.models import AssessmentPolicy, AssessmentRun
from assessment.services import assessment_compute, assessment_publish
from cases.models import Revisit
from civic.models import Unit
from tests.assessment.test_pages import published  # noqa: F401
from tests.assessment.test_scores import MARCH, _handled, _revisit
from tests.cases.factories import world  # noqa: F401


def _as(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def _row_of(body: str, unit_name: str, table: str | None = None, group: str | None = None) -> str:
    """The <tr> of a unit (in the named table of the named peer group when given)."""
    if group is not None:
        body = body.split(f'data-group="{group}"', 1)[1].split("</section>", 1)[0]
    if table is not None:
        body = body.split(f'data-table="{table}"', 1)[1].split("</table>", 1)[0]
    match = re.search(rf'<tr data-unit="{re.escape(unit_name)}".*?</tr>', body, re.S)
    assert match, f"no row for {unit_name}"
    return match.group(0)


# --- item 5: empty boards, confirmation, the minimum case count ------------------------------


def test_boards_explain_why_they_are_empty_when_no_month_is_published(world):  # noqa: F811
    body = _as().get("/boards/").content.decode()
    assert 'data-note="none-published"' in body
    # The public is not sent to the staff pages.
    assert 'data-note="how-to-publish"' not in body and "/boards/runs/" not in body
    leader = _as(world.viewer).get("/boards/").content.decode()
    assert 'data-note="none-published"' in leader and "/boards/runs/" not in leader


def test_boards_tell_centre_staff_where_to_publish(world):  # noqa: F811
    body = _as(world.dispatcher).get("/boards/").content.decode()
    assert 'data-note="none-published"' in body and 'data-note="how-to-publish"' in body
    assert 'class="button primary" href="/boards/runs/"' in body


def test_an_unpublished_month_is_explained_too(published):  # noqa: F811
    body = _as().get("/boards/?month=2025-01").content.decode()
    assert 'data-note="none-published"' in body and 'href="/boards/"' in body


def test_publishing_needs_the_confirmation_box_server_side(world):  # noqa: F811
    AssessmentPolicy.objects.create(effective_from=dt.date(2026, 1, 1))
    with time_machine.travel(MARCH, tick=False):
        run = assessment_compute(month="2026-03", actor=world.dispatcher)
    staff = _as(world.dispatcher)
    page = staff.get(f"/boards/runs/{run.pk}/").content.decode()
    assert re.search(r'<input type="checkbox" name="confirm" value="yes" required>', page)

    refused = staff.post(f"/boards/runs/{run.pk}/publish/", follow=True)
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DRAFT
    assert b'class="msg-error"' in refused.content

    staff.post(f"/boards/runs/{run.pk}/publish/", {"confirm": "on"})
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DRAFT

    done = staff.post(f"/boards/runs/{run.pk}/publish/", {"confirm": "yes"}, follow=True)
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.PUBLISHED
    assert b'class="msg-success"' in done.content


def test_unranked_units_show_the_minimum_and_their_own_case_count(world):  # noqa: F811
    """The demo's ~300 cases over four months give each unit a handful a month, under the
    policy's minimum of 5: the page says so with both numbers, not just "too few cases"."""
    w = world
    AssessmentPolicy.objects.create(effective_from=dt.date(2026, 1, 1), min_cases=5)
    with time_machine.travel(MARCH, tick=False):
        _handled(w)
        _handled(w)
        run = assessment_compute(month="2026-03", actor=w.dispatcher)
        assessment_publish(run=run, actor=w.dispatcher)
    body = _as().get("/boards/").content.decode()
    assert 'data-note="min-cases" data-min-cases="5"' in body
    row = _row_of(body, "市城管委", table="too-few", group="departments")
    assert 'data-cases="2"' in row
    not_ranked = re.search(r'<span class="not-ranked" data-min-cases="5">(.*?)</span>', row).group(
        1
    )
    assert "2" in not_ranked and "5" in not_ranked
    # A group where nobody reached the minimum says why its boards are empty.
    group = body.split('data-group="departments"', 1)[1].split("</section>", 1)[0]
    assert 'data-note="none-ranked"' in group
    unit_page = _as().get(f"/boards/units/{w.department.pk}/?month=2026-03").content.decode()
    note = re.search(r'data-note="not-ranked" data-min-cases="5">(.*?)</p>', unit_page).group(1)
    assert "2" in note and "5" in note


# --- item 15: percentages, readable counts, titles, months, links ----------------------------


def test_rates_are_shown_as_percentages(published):  # noqa: F811
    body = _as().get("/boards/").content.decode()
    row = _row_of(body, "市城管委", table="ranked", group="departments")
    # 2 of 2 contacted in time, 1 of 2 resolved, (1 + 0.5) / 2 satisfied.
    assert "100.0 %" in row and "50.0 %" in row and "75.0 %" in row
    assert "0.7500" not in body and "1.0000" not in body
    assert "(1+1×0.5)/2" in row
    unit_page = _as().get(f"/boards/units/{published[0].department.pk}/?month=2026-03")
    assert "75.0 %" in unit_page.content.decode()


def test_a_unit_without_cases_or_revisits_shows_a_dash_not_an_empty_formula(published):  # noqa: F811
    w, _run = published
    body = _as().get("/boards/").content.decode()
    row = _row_of(body, w.street_unit.name)  # a street is listed even with no case
    assert 'data-cases="0"' in row
    assert "(0/0)" not in row and "/0)" not in row and "×k" not in row and "0+0" not in row
    assert "—" in row


def test_run_title_is_translated_not_the_model_code(published):  # noqa: F811
    w, run = published
    run.refresh_from_db()
    with time_machine.travel(MARCH, tick=False):
        draft = assessment_compute(month="2026-03", actor=w.dispatcher)
    page = _as(w.dispatcher).get(f"/boards/runs/{draft.pk}/").content.decode()
    assert "r2 (" not in page and "(draft)" not in page
    with translation.override("zh-hans"):
        assert "草稿" in page and str(draft.get_status_display()) == "草稿"
    with translation.override("en"):
        assert str(run) == "2026-03 revision 1 (Published)"


def test_trend_shows_whole_months_and_leaves_out_empty_ones(published):  # noqa: F811
    w, _run = published
    body = _as().get(f"/boards/units/{w.department.pk}/?month=2026-03").content.decode()
    trend = body.split('data-table="trend"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<tr data-month="([^"]+)"', trend) == ["2026-03"]
    assert "<td" in trend and 'data-label="' in trend
    labels = re.findall(r'<text class="tick month"[^>]*>([^<]+)</text>', body)
    assert labels[0] == "2025-04" and labels[-1] == "2026-03" and len(labels) == 12
    export = _as().get(f"/boards/units/{w.department.pk}/trend.csv").content.decode("utf-8-sig")
    months = [r[0] for r in csv.reader(io.StringIO(export))][1:]
    assert months == ["2026-03"]


def test_case_numbers_link_to_a_page_the_viewer_may_open(published):  # noqa: F811
    w, _run = published
    number = w.department.assignments.first().case.number
    url = f"/boards/units/{w.department.pk}/?month=2026-03"
    expected = {
        None: f"/public/cases/{number}/",
        w.viewer: f"/public/cases/{number}/",
        w.other_handler: f"/public/cases/{number}/",
        w.handler: f"/inbox/{number}/",
        w.dispatcher: f"/dispatch/case/{number}/",
    }
    for user, href in expected.items():
        client = _as(user)
        body = client.get(url).content.decode()
        assert f'<a href="{href}">{number}</a>' in body, user
        assert client.get(href).status_code == 200, (user, href)


# --- item 12: exports carry labels, not codes ------------------------------------------------


def test_exports_carry_translated_labels_not_internal_codes(published):  # noqa: F811
    w, _run = published
    keys = [k for k, _label in score_columns()]
    text = _as().get("/boards/2026-03/scores.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    groups = {r[0]: r[keys.index("peer_group")] for r in rows[1:]}
    with translation.override("zh-hans"):
        assert groups["市城管委"] == str(Unit.PeerGroup.DEPARTMENTS.label) == "委办局"
        assert groups[w.street_unit.name] == str(Unit.PeerGroup.STREETS.label)
    assert not {"departments", "streets", "enterprises"} & set(groups.values())

    cases = _as().get(f"/boards/units/{w.department.pk}/2026-03/cases.csv")
    case_rows = list(csv.reader(io.StringIO(cases.content.decode("utf-8-sig"))))
    assessable = [r[-1] for r in case_rows[1:]]
    assert assessable == ["是", "是"]


# --- phones: wide tables become one card per row ---------------------------------------------


class _Tables(HTMLParser):
    """Every table's class, and for each body row: its row header and its cells' labels."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append({"class": a.get("class", ""), "rows": []})
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.tables[-1]["rows"].append({"row_header": False, "cells": []})
        elif tag == "th" and self._in_body and a.get("scope") == "row":
            self.tables[-1]["rows"][-1]["row_header"] = True
        elif tag == "td" and self._in_body:
            self.tables[-1]["rows"][-1]["cells"].append(a)

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False


def assert_tables_stack(body: str) -> int:
    parser = _Tables()
    parser.feed(body)
    for table in parser.tables:
        assert "stack" in table["class"].split(), table["class"]
        for row in table["rows"]:
            if len(row["cells"]) == 1 and "colspan" in row["cells"][0]:
                continue  # the "None." row
            assert row["row_header"], row
            assert all(cell.get("data-label") for cell in row["cells"]), row
    return len(parser.tables)


def test_board_tables_become_cards_on_a_phone(published):  # noqa: F811
    w, _run = published
    with time_machine.travel(MARCH, tick=False):
        draft = assessment_compute(month="2026-03", actor=w.dispatcher)
    staff = _as(w.dispatcher)
    pages = [
        _as().get("/boards/"),
        _as().get(f"/boards/units/{w.department.pk}/?month=2026-03"),
        staff.get("/boards/runs/"),
        staff.get(f"/boards/runs/{draft.pk}/"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert assert_tables_stack(page.content.decode()) >= 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_boards_fit_a_390px_phone_without_horizontal_scroll(browser_page):
    from tests.cases.factories import build_world

    w = build_world()
    AssessmentPolicy.objects.create(effective_from=dt.date(2026, 1, 1), min_cases=1)
    with time_machine.travel(MARCH, tick=False):
        _revisit(w, _handled(w), resolved=True, satisfaction=Revisit.Satisfaction.SATISFIED)
        run = assessment_compute(month="2026-03", actor=w.dispatcher)
        assessment_publish(run=run, actor=w.dispatcher)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/boards/", f"/boards/units/{w.department.pk}/?month=2026-03"):
        page.goto(page.base_url + path)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
