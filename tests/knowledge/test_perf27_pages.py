"""Issue 27: the knowledge statistics read monthly counts a task keeps (not a year of cases per
view), and the article forms render their long selects without a template per option."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from civic.models import Category, Unit
from knowledge import selectors
from knowledge.models import OnSpotMonth
from knowledge.tasks import count_on_spot

from .factories import published

pytestmark = pytest.mark.django_db


def _call(world, **extra):
    return {
        "kind": "consultation",
        "category": world.department_category.pk,
        "title": "小区停车费收费标准",
        "description": "来电人询问小区停车费收费标准是多少。",
        "region": world.community.pk,
        "address": "多福巷12号",
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
        **extra,
    }


def _two_calls_one_answered(client, world):
    article = published(world)
    client.force_login(world.operator)
    client.post("/knowledge/answer-on-spot/", {**_call(world), "articles": [article.pk]})
    client.post("/console/", _call(world, title="另一个来电", kind="complaint"))
    assert Case.objects.filter(channel="hotline").count() == 2


def test_stats_page_reads_the_counted_months_not_the_cases(client, world):
    _two_calls_one_answered(client, world)
    assert count_on_spot.delay().get() >= 1
    row = OnSpotMonth.objects.get(month=selectors.today().replace(day=1))
    assert (row.hotline, row.on_spot) == (2, 1)
    client.force_login(world.dispatcher)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/knowledge/stats/").content.decode()
    assert not [q for q in queries.captured_queries if '"cases_case"' in q["sql"]]
    assert "50%" in page and "data-counted-at" in page


def test_counted_months_equal_counting_from_scratch(client, world):
    _two_calls_one_answered(client, world)
    live = selectors.on_spot_rates()  # nothing counted yet: counted here
    assert live[0]["counted_at"] is None and (live[0]["total"], live[0]["on_spot"]) == (2, 1)
    count_on_spot()
    stored = selectors.on_spot_rates()
    assert [(m["month"], m["total"], m["on_spot"]) for m in stored] == [
        (m["month"], m["total"], m["on_spot"]) for m in live
    ]
    # A run recounts this month: a new answered call is in after the next run, idempotently.
    client.force_login(world.operator)
    client.post(
        "/knowledge/answer-on-spot/",
        {**_call(world, reporter_phone="13900000000"), "articles": [published(world).pk]},
    )
    count_on_spot()
    count_on_spot()
    assert (selectors.on_spot_rates()[0]["total"], selectors.on_spot_rates()[0]["on_spot"]) == (
        3,
        2,
    )
    assert OnSpotMonth.objects.filter(month=selectors.today().replace(day=1)).count() == 1


def _options(html: str, name: str) -> list[tuple[str, bool]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [(v, bool(s)) for v, s in re.findall(r'<option value="([^"]*)"( selected)?>', select)]


def test_article_form_lists_every_choice_and_keeps_the_chosen_ones(
    client, world, django_assert_max_num_queries
):
    article = published(world)
    client.force_login(world.dispatcher)
    client.get(f"/knowledge/{article.pk}/edit/")
    with django_assert_max_num_queries(10):  # one query per select, not per option
        page = client.get(f"/knowledge/{article.pk}/edit/").content.decode()
    categories = _options(page, "category")
    assert [v for v, _s in categories[1:]] == [
        str(pk)
        for pk in Category.objects.filter(active=True).order_by("path").values_list("pk", flat=True)
    ]
    assert [v for v, s in categories if s] == [str(article.category_id)]
    units = _options(page, "unit")
    assert len(units) == Unit.objects.filter(active=True).count() + 1
    assert [v for v, s in units if s] == [str(article.unit_id)]
    assert [v for v, s in _options(page, "region") if s] == [""]  # the whole city


def test_article_form_refuses_an_id_out_of_range_as_a_form_error(client, world):
    client.force_login(world.dispatcher)
    response = client.post(
        "/knowledge/new/",
        {"title": "问题", "answer": "回答", "category": "99999999999999999999"},
    )
    assert response.status_code == 400
    assert 'class="field has-error"' in response.content.decode()


def test_list_filter_keeps_the_chosen_category(client, world):
    published(world)
    client.force_login(world.dispatcher)
    chosen = Category.objects.filter(level__lte=2, active=True).order_by("path").first()
    page = client.get("/knowledge/", {"category": chosen.pk}).content.decode()
    assert [v for v, s in _options(page, "category") if s] == [str(chosen.pk)]
