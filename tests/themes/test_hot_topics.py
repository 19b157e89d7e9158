"""Hot topics: similar complaints of a month cluster together; ranks, growth and spread."""

import datetime as dt

import pytest

from themes import hot_topics

from .helpers import file_month

pytestmark = pytest.mark.django_db


def test_similar_complaints_cluster_together_and_rank_by_count(world):
    cases = file_month(world)
    analysis = hot_topics.analyse("2026-10")
    assert analysis.analysed == 8 and not analysis.capped
    assert len(analysis.topics) == 2
    road, vendors = analysis.topics
    assert set(road.case_ids) == {c.pk for c in cases["road"]}
    assert set(vendors.case_ids) == {c.pk for c in cases["vendors"]}
    assert cases["other"][0].pk not in road.case_ids + vendors.case_ids
    assert (road.rank, vendors.rank) == (1, 2)
    assert road.count == 4 and vendors.count == 3
    assert "塌陷" in road.keywords and "小摊贩" in vendors.keywords
    assert road.category_id == world.department_category.pk


def test_growth_against_previous_month_and_spread_across_communities(world):
    file_month(world)
    road, vendors = hot_topics.analyse("2026-10").topics
    assert road.previous == 1 and road.growth == pytest.approx(3.0)
    assert road.growth_percent == 300
    assert vendors.previous == 0 and vendors.growth is None
    assert road.spread == 2 and vendors.spread == 1


def test_representatives_are_three_case_numbers_and_titles_without_personal_data(world):
    cases = file_month(world)
    road = hot_topics.analyse("2026-10").topics[0]
    assert len(road.representatives) == 3
    numbers = {c.number for c in cases["road"]}
    assert {r.number for r in road.representatives} <= numbers
    assert road.representatives[0].number == road.key
    text = repr(road.representatives)
    assert "张三" not in text and "13812345678" not in text


def test_region_filter_keeps_the_subtree(world):
    file_month(world)
    analysis = hot_topics.analyse("2026-10", world.other_community.parent)
    assert analysis.analysed == 1 and analysis.topics == []
    analysis = hot_topics.analyse("2026-10", world.street)
    assert analysis.analysed == 7
    assert [t.count for t in analysis.topics] == [3, 3]


def test_analysis_is_deterministic_and_bounded(world):
    file_month(world)
    first = hot_topics.analyse("2026-10")
    second = hot_topics.analyse("2026-10")
    assert [(t.key, t.case_ids) for t in first.topics] == [
        (t.key, t.case_ids) for t in second.topics
    ]
    capped = hot_topics.analyse("2026-10", limit=3)
    assert capped.capped and capped.analysed == 3 and capped.total == 8


def test_over_the_cap_the_sample_spans_the_whole_month(world):
    """A city month is not its first hours: every k-th case by received time is analysed."""
    from cases.models import Case

    file_month(world)
    months_cases = list(
        Case.objects.filter(received_at__month=10)
        .order_by("received_at", "pk")
        .values_list("number", flat=True)
    )
    sample = hot_topics._cases(hot_topics.parse_month_bounded("2026-10"), None, 4)
    rows, total = sample
    assert total == len(months_cases) == 8
    assert [r["number"] for r in rows] == months_cases[::2]


def test_me_too_weighs_in_the_rank(world):
    from public.services import me_too_add

    cases = file_month(world)
    for user in (world.resident, world.other_resident, world.viewer, world.handler, world.operator):
        me_too_add(case=cases["vendors"][0], user=user)
    _road, vendors = hot_topics.analyse("2026-10").topics[::-1]
    assert vendors.me_too == 5 and vendors.weight == 8
    assert hot_topics.analyse("2026-10").topics[0].key == vendors.key


def test_an_empty_month_has_no_topics(world):
    assert hot_topics.analyse("2026-01").topics == []


def test_tokens_are_segmented_once_per_case_and_the_warm_task_fills_the_cache(world, monkeypatch):
    import time_machine

    from themes import tasks

    file_month(world)
    calls = []
    real = hot_topics.tokens
    monkeypatch.setattr(hot_topics, "tokens", lambda *a: calls.append(a) or real(*a))
    with time_machine.travel(dt.datetime(2026, 10, 28, 12, tzinfo=dt.UTC)):
        assert tasks.warm_hot_topics() == 8
    first = len(calls)
    assert first >= 8
    hot_topics._analyse(
        hot_topics.parse_month_bounded("2026-10"), None, limit=100, top=hot_topics.MAX_GROUPS
    )
    assert len(calls) == first  # a rerun (new data elsewhere) segments nothing again
