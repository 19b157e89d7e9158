"""Filing on a phone (issue 30, item 10): the filing page carries the category tree for the
step-by-step picker ("other" last in every level) without a query more; "I don't know the
category" files with the category the dispatch router suggests (cases.hooks), and without a
suggestion asks the resident to choose — a form error, never a 500."""

import json
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases import hooks
from cases.models import Case
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def _tree(body: str) -> list:
    found = re.search(r'<script id="category-tree" type="application/json">(.*?)</script>', body)
    assert found, "the page carries the category tree"
    return json.loads(found.group(1))


def _names(nodes) -> list[str]:
    return [n["name"] for n in nodes]


@pytest.fixture
def environment():
    """A first level whose "other" branch and leaves were coded first (so sort first by code)."""
    top = CategoryFactory(level=1, name="环境保护")
    other_mid = CategoryFactory(level=2, parent=top, name="其他")
    other_mid_leaf = CategoryFactory(level=3, parent=other_mid, name="其他")
    mid = CategoryFactory(level=2, parent=top, name="环境污染")
    leaves = [
        CategoryFactory(level=3, parent=mid, name=name) for name in ("其他", "其他污染", "噪声污染")
    ]
    water = CategoryFactory(level=2, parent=top, name="水污染")
    CategoryFactory(level=3, parent=water, name="河道污染")  # no "other" leaf here
    return SimpleNamespace(
        top=top,
        other_mid=other_mid,
        other_mid_leaf=other_mid_leaf,
        mid=mid,
        leaves=leaves,
        water=water,
    )


@pytest.fixture
def suggesters(monkeypatch):
    """Only the suggesters a test registers (the router's is not asked), removed after it."""
    monkeypatch.setattr(hooks, "_text_suggesters", [])
    return hooks


def _filing(world, **extra) -> dict:
    data = {
        "kind": "complaint",
        "title": "夜里工地噪声扰民",
        "description": "楼下工地每天夜里施工到两点，噪声很大。",
        "region": world.community.pk,
        "reporter_phone": "13812345678",
    }
    data.update(extra)
    return data


def test_the_page_carries_the_tree_with_leaves_under_their_levels_and_other_last(
    world, environment
):
    body = Client().get("/cases/new/").content.decode()
    tree = _tree(body)
    top = next(t for t in tree if t["id"] == environment.top.pk)
    assert _names(top["children"]) == ["环境污染", "水污染", "其他"]
    mid, _water, other_mid = top["children"]
    assert mid["id"] == environment.mid.pk and other_mid["id"] == environment.other_mid.pk
    assert _names(mid["children"]) == ["噪声污染", "其他污染", "其他"]
    assert [leaf["id"] for leaf in other_mid["children"]] == [environment.other_mid_leaf.pk]
    # The world's leaves sit under their own first and second levels.
    under = {
        leaf["id"]: (t["id"], m["id"])
        for t in tree
        for m in t["children"]
        for leaf in m["children"]
    }
    leaf = world.department_category
    assert under[leaf.pk] == (leaf.parent.parent_id, leaf.parent_id)
    # The plain select (the search, and the form without JavaScript) says the same, in order.
    select = body[
        body.index('name="category"') : body.index("</select>", body.index('name="category"'))
    ]
    assert select.index("环境保护 / 环境污染") < select.index("环境保护 / 其他")
    group = select[select.index("环境保护 / 环境污染") :]
    assert group.index("噪声污染") < group.index("其他污染") < group.index(">其他<")
    # Without JavaScript: the "don't know" box and the raw coordinates are real form fields.
    assert 'name="category_unknown"' in body
    assert 'name="lat"' in body and 'name="lng"' in body


def test_the_picker_adds_no_query_and_the_tree_shares_the_selects_one(world, environment):
    client = Client()
    with CaptureQueriesContext(connection) as cold:
        first = client.get("/cases/new/")
    assert first.status_code == 200
    category_reads = [q for q in cold.captured_queries if '"civic_category"' in q["sql"]]
    assert len(category_reads) == 1  # the select's choices and the tree: one read
    for n in range(30):
        CategoryFactory(level=3, parent=environment.mid, name=f"新增分类{n}")
    client.get("/cases/new/")  # an edit clears the copy: read again once
    with CaptureQueriesContext(connection) as warm:
        again = client.get("/cases/new/")
    assert len(warm.captured_queries) == 0
    assert len(_tree(again.content.decode())) == len(_tree(first.content.decode()))
    assert "新增分类29" in again.content.decode()


def test_dont_know_files_with_the_leaf_the_router_suggests(world, environment, suggesters):
    seen = []

    def suggest(case):
        seen.append((case.title, case.description, case.region_id, case.pk))
        return SimpleNamespace(categories=(environment.top, environment.mid, environment.leaves[2]))

    suggesters.register_text_suggester(suggest)
    client = Client()
    response = client.post("/cases/new/", _filing(world, category_unknown="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert case.category == environment.leaves[2]
    assert seen == [
        ("夜里工地噪声扰民", "楼下工地每天夜里施工到两点，噪声很大。", world.community.pk, None)
    ]
    filed = client.get(response["Location"]).content.decode()
    assert "环境保护 / 环境污染 / 噪声污染" in filed  # the resident is told, and it is checked


def test_dont_know_above_a_leaf_takes_that_levels_other_leaf(world, environment, suggesters):
    suggesters.register_text_suggester(
        lambda case: SimpleNamespace(categories=(environment.top, environment.mid, None))
    )
    response = Client().post("/cases/new/", _filing(world, category_unknown="on"))
    assert response.status_code == 302
    assert Case.objects.get().category == environment.leaves[0]  # 环境污染 / 其他
    # A first level alone: its "other" branch, then that branch's "other" leaf.
    suggesters._text_suggesters.clear()
    suggesters.register_text_suggester(
        lambda case: SimpleNamespace(categories=(environment.top, None, None))
    )
    response = Client().post("/cases/new/", _filing(world, category_unknown="on"))
    assert response.status_code == 302
    assert Case.objects.order_by("-pk").first().category == environment.other_mid_leaf
    # A second level without an "other" leaf: the first level's "other" branch.
    suggesters._text_suggesters.clear()
    suggesters.register_text_suggester(
        lambda case: SimpleNamespace(categories=(environment.top, environment.water, None))
    )
    response = Client().post("/cases/new/", _filing(world, category_unknown="on"))
    assert response.status_code == 302
    assert Case.objects.order_by("-pk").first().category == environment.other_mid_leaf


def test_a_chosen_category_wins_over_dont_know(world, environment, suggesters):
    suggesters.register_text_suggester(
        lambda case: SimpleNamespace(categories=(environment.top, environment.mid, None))
    )
    data = _filing(world, category_unknown="on", category=world.department_category.pk)
    assert Client().post("/cases/new/", data).status_code == 302
    assert Case.objects.get().category == world.department_category


@pytest.mark.parametrize("outcome", ["none", "raises", "no_other_branch", "inactive_leaf"])
def test_dont_know_without_a_usable_suggestion_asks_to_choose(
    world, environment, suggesters, outcome
):
    def suggest(case):
        if outcome == "raises":
            raise RuntimeError("model missing")
        if outcome == "no_other_branch":  # 市政管理 has no "other" leaf to fall back on
            return SimpleNamespace(categories=(None, world.department_category.parent, None))
        if outcome == "inactive_leaf":
            return SimpleNamespace(category=environment.leaves[1])
        return None

    if outcome == "inactive_leaf":
        environment.leaves[1].active = False
        environment.leaves[1].save()
    suggesters.register_text_suggester(suggest)
    response = Client().post("/cases/new/", _filing(world, category_unknown="on"))
    assert response.status_code == 400
    assert "please choose one" in response.content.decode() or "请选择" in response.content.decode()
    assert response.context["form"].errors["category"]
    assert Case.objects.count() == 0


def test_without_dont_know_the_category_is_still_required(world, suggesters):
    suggesters.register_text_suggester(lambda case: pytest.fail("not asked"))
    response = Client().post("/cases/new/", _filing(world))
    assert response.status_code == 400
    assert response.context["form"].errors["category"]
    assert Case.objects.count() == 0


def test_the_operator_console_offers_no_dont_know(client, world, suggesters):
    suggesters.register_text_suggester(lambda case: pytest.fail("not asked"))
    client.force_login(world.operator)
    assert 'name="category_unknown"' not in client.get("/console/").content.decode()
    response = client.post("/console/", _filing(world, category_unknown="on"))
    assert response.status_code == 400
    assert response.context["form"].errors["category"]
