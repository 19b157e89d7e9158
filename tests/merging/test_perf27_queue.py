"""Issue 27: the dispatchers' queue of likely duplicates is found off the request (the task
stores the groups' ids) and the page only re-reads those cases, so its cost does not grow with
the open cases, while a case merged since leaves the queue at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from merging import selectors, services
from merging.tasks import find_duplicate_groups

from .helpers import lamp_case

pytestmark = pytest.mark.django_db


def _groups_on_page(client) -> str:
    response = client.get("/merging/")
    assert response.status_code == 200
    return response.content.decode()


def test_queue_page_shows_the_stored_groups_without_searching_the_cases(client, world):
    main = lamp_case(world, 1, state="dispatched")
    others = [lamp_case(world, n) for n in range(2, 5)]
    assert find_duplicate_groups.delay().get() == 1
    client.force_login(world.dispatcher)
    with CaptureQueriesContext(connection) as queries:
        content = _groups_on_page(client)
    assert f'data-group="{main.number}"' in content
    assert all(f'data-member="{c.number}"' in content for c in others)
    assert "data-found-at" in content
    # No grouping over the open cases on the request: the stored ids, read by primary key.
    case_reads = [q["sql"] for q in queries.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert not any(
        "GROUP BY" in sql and "COUNT" in sql and "region_id" in sql for sql in case_reads
    )
    assert len(case_reads) <= 2  # the groups' cases, and how many each main already leads


def test_queue_page_queries_stay_bounded_as_groups_grow(
    client, world, django_assert_max_num_queries
):
    for n in range(1, 9):
        lamp_case(world, n)
    find_duplicate_groups()
    client.force_login(world.dispatcher)
    _groups_on_page(client)  # session, user and memberships read once
    with django_assert_max_num_queries(8):
        content = _groups_on_page(client)
    assert content.count("data-member=") == 7


def test_stored_groups_equal_the_live_search(world):
    lamp_case(world, 1)
    lamp_case(world, 2, state="dispatched")
    lamp_case(world, 3)
    lamp_case(world, 4, title="出租车拒载", description="出租车司机拒载乘客。")
    live = selectors.duplicate_groups()
    stored, _found_at = selectors.queue_groups()
    assert [(g.main.pk, [c.pk for c in g.cases], g.already_merged) for g in stored] == [
        (g.main.pk, [c.pk for c in g.cases], g.already_merged) for g in live
    ]


def test_a_merged_group_leaves_the_stored_queue_at_once(client, world):
    main = lamp_case(world, 1, state="dispatched")
    other = lamp_case(world, 2)
    find_duplicate_groups()
    client.force_login(world.dispatcher)
    assert f'data-group="{main.number}"' in _groups_on_page(client)
    services.merge_cases(actor=world.dispatcher, main=main, others=[other])
    content = _groups_on_page(client)
    assert f'data-group="{main.number}"' not in content
    assert f'data-member="{other.number}"' not in content


def test_cases_filed_after_a_run_join_the_queue_at_the_next_run(client, world):
    lamp_case(world, 1)
    find_duplicate_groups()
    client.force_login(world.dispatcher)
    assert "data-member=" not in _groups_on_page(client)
    late = lamp_case(world, 2)
    find_duplicate_groups()
    assert f'data-member="{late.number}"' in _groups_on_page(client) or (
        f'data-group="{late.number}"' in _groups_on_page(client)
    )
