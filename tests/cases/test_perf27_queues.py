"""Dispatcher queues and operator console at city scale (issue 27): each queue shows its cases a
page at a time with counts that are exact up to a cap and say "more than" past it; the console's
pickers are rendered once and follow an edit of the catalogue."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import selectors, services, views
from cases.forms import OperatorCaseForm
from cases.models import Case
from cases.sweep import sweep
from merging.services import merge_cases
from tests.factories import CategoryFactory

from .factories import case_in

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 9, 1, 2, 0, tzinfo=dt.UTC)


def tab(client, name, **params) -> str:
    response = client.get("/dispatch/", {"tab": name, **params})
    assert response.status_code == 200
    return response.content.decode()


def badge(page: str, name: str) -> str:
    return re.search(rf'data-tab="{name}">[^<]*<span class="badge"[^>]*>([^<]+)</span>', page)[1]


def listed(page: str) -> list[str]:
    return re.findall(r'<a href="/dispatch/case/(\d+)/">', page)


@pytest.fixture
def queues(world):
    """Two cases overdue, flagged by the sweep (and one merged into the first, left out); then
    two waiting, one returned, one asking for time and one replied."""
    with time_machine.travel(T0, tick=True):
        late = [case_in(world, "dispatched"), case_in(world, "in_progress")]
        follower = case_in(world, "dispatched")
    after = max(c.handle_due_at for c in [*late, follower]) + dt.timedelta(days=1)
    with time_machine.travel(after, tick=True):
        merge_cases(actor=world.dispatcher, main=late[0], others=[follower], note="")
        sweep()
        waiting = [case_in(world, "received"), case_in(world, "received")]
        returned = case_in(world, "dispatched")
        services.return_request_create(
            actor=world.handler, case=returned, reason="不属于本单位职责"
        )
        extended = case_in(world, "signed")
        services.extension_request_create(
            actor=world.handler,
            case=extended,
            reason="需要协调施工单位",
            extra_working_days=5,
            resident_informed=True,
        )
        replied = case_in(world, "replied")
    for case in late:
        case.refresh_from_db()
    assert all(case.is_overdue for case in late)
    return {
        "waiting": waiting,
        "returned": returned,
        "extended": extended,
        "replied": replied,
        "late": late,
        "follower": follower,
        "now": after + dt.timedelta(hours=1),
    }


def test_every_tab_lists_its_cases_with_exact_counts(client, world, queues):
    client.force_login(world.dispatcher)
    with time_machine.travel(queues["now"], tick=False):
        page = tab(client, "undispatched")
        assert listed(page) == [c.number for c in queues["waiting"]]  # oldest first
        assert badge(page, "undispatched") == "2" and badge(page, "returns") == "1"
        assert badge(page, "extensions") == "1" and badge(page, "revisits") == "1"
        assert badge(page, "overdue") == "2"
        overdue = tab(client, "overdue")
        assert listed(overdue) == [c.number for c in queues["late"]]  # soonest deadline first
        assert listed(tab(client, "returns")) == [queues["returned"].number]
        extensions = tab(client, "extensions")
        assert listed(extensions) == [queues["extended"].number] and "(+5)" in extensions
        assert listed(tab(client, "revisits")) == [queues["replied"].number]
    assert "Nothing in this queue" not in page and "pager" not in page


def test_past_the_cap_a_count_says_more_than_and_pages_stop_there(
    client, world, queues, monkeypatch
):
    monkeypatch.setattr(views, "QUEUE_COUNT_CAP", 3)
    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 2)
    with time_machine.travel(queues["now"], tick=True):
        more = [case_in(world, "received") for _ in range(3)]
        client.force_login(world.dispatcher)
        first = tab(client, "undispatched")
        second = tab(client, "undispatched", page=2)
        third = tab(client, "undispatched", page=3)
    oldest = [c.number for c in [*queues["waiting"], *more]]
    assert badge(first, "undispatched") == "3+"  # five waiting
    assert badge(first, "returns") == "1"  # under the cap: exact
    assert listed(first) == oldest[:2] and listed(second) == oldest[2:3]  # up to the cap
    assert listed(third) == listed(second)  # past the end: the last page
    assert "page=2" in first and "page=3" not in second


@pytest.mark.parametrize("cap", [1, 2, 3, 50])
def test_the_overdue_count_is_the_queue_counted_under_and_over_the_cap(world, queues, cap):
    before_deadline = queues["late"][0].handle_due_at - dt.timedelta(hours=1)
    for now in (queues["now"], before_deadline):
        # Before the deadlines only the sweep's flags make them overdue (the second part).
        total = selectors.queue_overdue(now).count()
        assert total == 2
        assert selectors.queue_overdue_count(cap, now) == (min(total, cap), total > cap)


def test_console_lists_the_waiting_and_the_operators_calls(client, world, queues):
    client.force_login(world.operator)
    page = client.get("/console/").content.decode()
    for case in queues["waiting"]:
        assert case.number in page
    recorded = client.post(
        "/console/",
        {
            "kind": "complaint",
            "category": world.department_category.pk,
            "title": "路灯不亮",
            "description": "多福巷路灯坏了一周。",
            "region": world.community.pk,
            "reporter_name": "李四",
            "reporter_phone": "13900001111",
        },
    )
    assert recorded.status_code == 302
    mine = Case.objects.get(first_receiver=world.operator)
    page = client.get("/console/").content.decode()
    assert page.count(f"{mine.number} 路灯不亮") == 2  # waiting for dispatch, and my calls


def test_console_pickers_render_once_and_follow_a_catalogue_edit(client, world):
    client.force_login(world.operator)
    first = client.get("/console/").content.decode()
    fresh = OperatorCaseForm()
    assert str(fresh["category"]) in first and str(fresh["region"]) in first
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/console/").content.decode()
    assert str(fresh["category"]) in again and str(fresh["region"]) in again
    assert not [q for q in queries if "civic_category" in q["sql"] or "civic_region" in q["sql"]]
    leaf = CategoryFactory(level=3, parent=world.department_category.parent, name="井盖丢失")
    after = client.get("/console/").content.decode()
    assert f'<option value="{leaf.pk}">井盖丢失</option>' in after
    assert str(OperatorCaseForm()["category"]) in after
    # A failed submit keeps its choice selected (rendered, not the memorised empty picker).
    failed = client.post("/console/", {"category": leaf.pk, "title": ""}).content.decode()
    assert f'<option value="{leaf.pk}" selected>井盖丢失</option>' in failed


@pytest.mark.parametrize("cap", [1, 2, 50])
def test_every_queue_count_is_its_queue_counted_under_and_over_the_cap(world, queues, cap):
    now = queues["now"]
    full = {
        "undispatched": selectors.queue_undispatched().count(),
        "returns": selectors.queue_returns().count(),
        "extensions": selectors.queue_extensions().count(),
        "revisits": selectors.queue_awaiting_revisit().count(),
        "overdue": selectors.queue_overdue(now).count(),
    }
    assert full == {"undispatched": 2, "returns": 1, "extensions": 1, "revisits": 1, "overdue": 2}
    counted = selectors.queue_counts(cap, now)
    assert counted == {key: (min(n, cap), n > cap) for key, n in full.items()}
