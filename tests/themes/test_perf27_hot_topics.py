"""The centre's hot-topics page at city scale (issue 27): it shows the analysis the tasks keep
warm and never runs one itself; what nobody analysed yet is queued, and the page says so."""

import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.cases.factories import file_case
from themes import hot_topics, tasks

from .helpers import ROAD, at, file_month

pytestmark = pytest.mark.django_db
PAGE = reverse("themes:hot_topics")
IN_OCTOBER = at(2026, 10, 25)


@pytest.fixture
def october(world):
    with time_machine.travel(at(2026, 10, 24), tick=False):
        return file_month(world)


def counts(page: str) -> list[str]:
    """The "n cases · m me-too" line of every topic shown."""
    return re.findall(r"<li class=\"card\" data-topic=\"\d+\">.*?<p>(\d+)", page, re.S)


def test_the_hourly_task_warms_this_month_and_the_page_reads_it(client, world, october):
    client.force_login(world.dispatcher)
    with time_machine.travel(IN_OCTOBER, tick=False):
        assert tasks.warm_hot_topics.delay().get() == 8  # this month's cases, city-wide
        with CaptureQueriesContext(connection) as queries:
            page = client.get(PAGE).content.decode()
    assert counts(page) == ["4", "3"] and "2026-10-25 10:00" in page  # analysed at
    assert 'data-testid="hot-topics-pending"' not in page
    # The session, the user's roles, unread notices: no case is read to show the topics.
    assert not [q for q in queries if "cases_case" in q["sql"]], queries.captured_queries


def test_the_page_shows_the_stored_analysis_not_a_new_one(client, world, october):
    client.force_login(world.dispatcher)
    with time_machine.travel(IN_OCTOBER, tick=False):
        tasks.warm_hot_topics.delay()
        for title, body in ROAD[:2]:  # two more road complaints after the hourly run
            file_case(world, title=title, description=body, received_at=at(2026, 10, 25, 9))
        assert counts(client.get(PAGE).content.decode()) == ["4", "3"]  # as stored
        assert hot_topics.analyse("2026-10").topics[0].count == 6  # what a new run finds
        tasks.warm_hot_topics.delay()  # the next hour
        assert counts(client.get(PAGE).content.decode()) == ["6", "3"]


def test_nothing_analysed_yet_is_queued_once_and_the_page_says_so(client, world, october):
    client.force_login(world.dispatcher)
    region = world.street
    month = hot_topics.parse_month_bounded("2026-10")
    # A worker took the month's analysis a moment ago and has not finished.
    cache.add(hot_topics._warm_key(hot_topics.QUEUED_KEY, month, region), True)
    with time_machine.travel(IN_OCTOBER, tick=False), CaptureQueriesContext(connection) as queries:
        page = client.get(PAGE, {"month": "2026-10", "region": region.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="hot-topics-pending"' in text and 'data-testid="hot-topics"' not in text
    assert not [q for q in queries if "cases_case" in q["sql"]]  # nothing analysed here
    assert hot_topics.stored("2026-10", region) is None
    # The hourly task analyses the regions the page asked for this month.
    with time_machine.travel(IN_OCTOBER, tick=False):
        tasks.warm_hot_topics.delay()
        shown = client.get(PAGE, {"month": "2026-10", "region": region.pk}).content.decode()
    assert counts(shown) == ["3", "3"] and 'data-testid="hot-topics-pending"' not in shown
    assert cache.get(hot_topics._warm_key(hot_topics.QUEUED_KEY, month, region)) is None


def test_a_month_nobody_analysed_is_queued_from_the_page_and_shown_when_done(
    client, world, october
):
    # Tests run tasks inline: the queued analysis is done before the page renders, as a worker
    # would have done it by the next view.
    client.force_login(world.dispatcher)
    with time_machine.travel(at(2026, 11, 20), tick=False):
        assert hot_topics.stored("2026-10") is None
        page = client.get(PAGE, {"month": "2026-10"}).content.decode()
        assert counts(page) == ["4", "3"]
        stored = hot_topics.stored("2026-10")
    assert stored is not None and [t.count for t in stored.analysis.topics] == [4, 3]
    assert all(t.centroid is None and t.case_ids == [] for t in stored.analysis.topics)


def test_the_promotion_form_takes_the_topic_the_page_showed(client, world, october):
    client.force_login(world.dispatcher)
    with time_machine.travel(IN_OCTOBER, tick=False):
        tasks.warm_hot_topics.delay()
        key = hot_topics.stored("2026-10").analysis.topics[0].key
        with CaptureQueriesContext(connection) as queries:
            form = client.get(reverse("themes:promote"), {"month": "2026-10", "topic": key})
    assert form.status_code == 200 and "塌陷".encode() in form.content
    # No analysis: no read of the month's cases (only the topic's centre case, for its unit).
    assert len([q for q in queries if "cases_case" in q["sql"]]) <= 1


def test_a_queued_analysis_of_a_region_deleted_since_does_nothing(world):
    assert tasks.analyse_hot_topics.delay("2026-10", 999_999_999).get() == 0


def test_the_hourly_task_keeps_a_region_the_centre_looks_at_fresh(client, world, october):
    client.force_login(world.dispatcher)
    street = {"month": "2026-10", "region": world.street.pk}
    with time_machine.travel(IN_OCTOBER, tick=False):
        assert counts(client.get(PAGE, street).content.decode()) == ["3", "3"]  # queued, done
        for title, body in ROAD[:2]:
            file_case(world, title=title, description=body, received_at=at(2026, 10, 25, 9))
        assert counts(client.get(PAGE, street).content.decode()) == ["3", "3"]  # as stored
    with time_machine.travel(at(2026, 10, 25, 11), tick=False):
        tasks.warm_hot_topics.delay()
        assert counts(client.get(PAGE, street).content.decode()) == ["5", "3"]


def test_the_api_answers_from_the_stored_analysis_not_a_new_one(api_client, world, october):
    api_client.force_authenticate(world.operator)
    api = "/api/v1/hot-topics/"
    with time_machine.travel(IN_OCTOBER, tick=False):
        tasks.warm_hot_topics.delay()
        for title, body in ROAD[:2]:  # two more road complaints after the hourly run
            file_case(world, title=title, description=body, received_at=at(2026, 10, 25, 9))
        with CaptureQueriesContext(connection) as queries:
            body = api_client.get(api, {"month": "2026-10"}).json()
        assert [t["count"] for t in body["topics"]] == [4, 3]  # as stored
        assert body["computed_at"].startswith("2026-10-25T")
        assert not [q for q in queries if "cases_case" in q["sql"]]  # nothing analysed here
        # A month nobody analysed yet: queued (tests run it inline, as a worker would).
        region = world.street
        month = hot_topics.parse_month_bounded("2026-10")
        cache.add(hot_topics._warm_key(hot_topics.QUEUED_KEY, month, region), True)
        pending = api_client.get(api, {"month": "2026-10", "region": region.pk})
        assert pending.status_code == 202 and "message" in pending.json()
