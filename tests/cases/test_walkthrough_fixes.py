"""What a walk-through of the case pages found (issue 30): every one a regression test through
the pages, in Chinese (the default language)."""

import datetime as dt
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
import time_machine

from cases.models import EVENT_LABELS, CaseEvent
from cases.sweep import sweep
from tests.cases.factories import case_in

pytestmark = pytest.mark.django_db
START = dt.datetime(2025, 9, 29, 2, 0, tzinfo=dt.UTC)  # Mon 29 Sep 2025 10:00 Beijing
# Codes a person must never read in a history: actions and statuses.
RAW_CODES = {*EVENT_LABELS, "overdue", "deadline_warning", "received", "dispatched", "signed",
             "in_progress", "replied", "closed"}  # fmt: skip


class Ids(HTMLParser):
    """Every element id and every label's `for` of a page."""

    def __init__(self):
        super().__init__()
        self.ids: Counter = Counter()
        self.label_targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
        if tag == "label" and attrs.get("for"):
            self.label_targets.append(attrs["for"])


def ids_of(html: str) -> Ids:
    parser = Ids()
    parser.feed(html)
    return parser


def history(html: str) -> str:
    """The visible text of the history list (tags and attributes removed)."""
    block = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1)
    return re.sub(r"<[^>]+>", " ", block)


def test_queue_tabs_are_in_chinese(client, world):
    client.force_login(world.dispatcher)
    page = client.get("/dispatch/").content.decode()
    for english in ("Undispatched", "Returns to arbitrate", "Extensions to approve",
                    "Awaiting revisit"):  # fmt: skip
        assert english not in page
    assert "待派单" in page and "待仲裁退单" in page


def test_histories_read_as_sentences_not_codes(client, world, working_calendar):
    with time_machine.travel(START, tick=False) as t:
        case = case_in(world, "dispatched")
        t.move_to(case.handle_due_at + dt.timedelta(minutes=1))
        sweep()  # sign, contact and handle deadlines all missed: three overdue events
    overdue = CaseEvent.objects.filter(case=case, action="overdue")
    assert overdue.count() == 3
    assert len({e.label for e in overdue}) == 3  # each says which deadline it is about
    client.force_login(world.dispatcher)
    staff = history(client.get(f"/dispatch/case/{case.number}/").content.decode())
    assert "受理" in staff and "派单" in staff and "签收超时" in staff and "办结超时" in staff
    words = set(re.findall(r"[a-z_]+", staff))
    assert not words & RAW_CODES, words & RAW_CODES
    client.force_login(world.resident)
    mine = history(client.get(f"/cases/{case.number}/").content.decode())
    assert not set(re.findall(r"[a-z_]+", mine)) & RAW_CODES


def test_the_api_gives_each_event_a_label(api_client, world):
    case = case_in(world, "replied")
    api_client.force_authenticate(world.dispatcher)
    events = api_client.get(f"/api/v1/cases/{case.number}/events/").json()
    events = events.get("results", events) if isinstance(events, dict) else events
    labels = {e["action"]: e["action_label"] for e in events}
    assert labels["create"] == "工单受理" and labels["reply"] == "承办单位已答复"


def test_staff_case_pages_have_unique_ids_and_labels_point_at_their_fields(client, world):
    received = case_in(world, "received")
    client.force_login(world.dispatcher)
    for path in (f"/dispatch/case/{received.number}/",):
        parsed = ids_of(client.get(path).content.decode())
        assert [i for i, n in parsed.ids.items() if n > 1] == [], path
        assert set(parsed.label_targets) <= set(parsed.ids), path
    signed = case_in(world, "signed")  # inside the return window: return and extension forms
    client.force_login(world.handler)
    parsed = ids_of(client.get(f"/inbox/{signed.number}/").content.decode())
    assert [i for i, n in parsed.ids.items() if n > 1] == []
    assert set(parsed.label_targets) <= set(parsed.ids)
    # The return reason and the extension reason are two fields with two ids.
    assert {"id_return_reason", "id_extension_reason"} <= set(parsed.ids)


def test_after_rating_the_resident_is_thanked_for_the_rating_and_sees_it(client, world):
    case = case_in(world, "replied")
    client.force_login(world.resident)
    response = client.post(
        f"/cases/{case.number}/revisit/",
        {"contacted": "yes", "resolved": "yes", "satisfaction": "basically", "comment": "还行"},
        follow=True,
    )
    page = response.content.decode()
    assert "感谢您的评价：基本满意。" in page and "感谢您的答复" not in page
    rating = re.search(r'data-revisit="1">(.*?)</section>', page, re.S).group(1)
    assert "基本满意" in rating and "已解决" in rating and "还行" in rating


def test_public_status_filter_names_each_choice_once(client, world):
    page = client.get("/public/cases/").content.decode()
    select = re.search(r'<select[^>]*name="status"[^>]*>(.*?)</select>', page, re.S).group(1)
    labels = [label.strip() for label in re.findall(r">([^<]+)</option>", select)]
    assert len(labels) == len(set(labels)), labels


def test_the_public_list_is_not_named_like_ones_own_cases(client, world):
    client.force_login(world.resident)
    page = client.get("/").content.decode()
    nav = re.search(r'<nav class="main-nav".*?</nav>', page, re.S).group(0)
    assert "公开工单" in nav and "已反映的工单" not in nav and "我的诉求" in nav


def test_after_filing_the_resident_learns_what_happens_next(client, world):
    from tests.cases.test_web import _token, filing

    page = client.get("/cases/new/")
    response = client.post("/cases/new/", {**filing(world), "form_token": _token(page)})
    filed = client.get(response["Location"]).content.decode()
    steps = re.search(r"data-next-steps>(.*?)</ol>", filed, re.S).group(1)
    assert "工作日" in steps and re.search(r"\d{4}-\d{2}-\d{2}", steps)
    assert 'data-copy="[data-access-code] strong"' in filed
    assert "查看办理进度" in filed


def test_the_unit_inbox_has_tabs_and_keeps_replied_cases_apart(client, world):
    cases = {state: case_in(world, state) for state in ("dispatched", "signed", "replied")}
    client.force_login(world.handler)

    def numbers(tab=None):
        page = client.get("/inbox/" + (f"?tab={tab}" if tab else "")).content.decode()
        return set(re.findall(r'data-number="(\d+)"', page)), page

    todo, page = numbers()
    assert todo == {cases["dispatched"].number, cases["signed"].number}
    counts = dict(re.findall(r'data-tab="(\w+)"[^>]*>[^<]*<span class="badge">(\d+)<', page))
    assert counts == {"todo": "2", "to_sign": "1", "in_progress": "1", "replied": "1",
                      "overdue": "0"}  # fmt: skip
    assert "待办理" in page and "To act on" not in page
    assert numbers("to_sign")[0] == {cases["dispatched"].number}
    assert numbers("in_progress")[0] == {cases["signed"].number}
    assert numbers("replied")[0] == {cases["replied"].number}
    assert numbers("garbage")[0] == todo  # an unknown tab is the default one


def test_unit_pickers_are_grouped_by_kind_and_filterable(client, world):
    case = case_in(world, "received")
    client.force_login(world.dispatcher)
    page = client.get(f"/dispatch/case/{case.number}/").content.decode()
    lead = re.search(r'<select name="lead_unit"[^>]*>(.*?)</select>', page, re.S)
    assert "data-filter" in lead.group(0)
    groups = re.findall(r'<optgroup label="([^"]+)">', lead.group(1))
    assert "委办局" in groups and len(groups) == len(set(groups)) >= 3
    co_units = re.search(r'<select name="co_units"[^>]*>', page).group(0)
    assert "data-filter" in co_units and "multiple" in co_units
    assert 'src="/static/civic/picker.js"' in page
