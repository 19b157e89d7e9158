"""Reply suggestions on the unit's reply form: ranking, who sees them, masking."""

import re

import pytest

from cases import services
from civic.models import Category
from reply_quality import selectors
from tests.cases.factories import case_in
from tests.factories import CategoryFactory

from .factories import closed_case

ROAD = "多福巷路面塌陷"
ROAD_TEXT = "多福巷门口路面塌陷一个大坑，晚上很危险，请尽快修复路面。"


@pytest.fixture
def sibling_category(world):
    """Another leaf under the department category's second level."""
    return CategoryFactory(
        level=3,
        parent=world.department_category.parent,
        name="人行道破损",
        handling_level=Category.HandlingLevel.DEPARTMENT,
    )


def test_similar_closed_cases_same_category_first_then_by_similarity(world, sibling_category):
    same = closed_case(
        world,
        title="东四路面塌陷",
        description="东四十条路面塌陷，有大坑，很危险。",
        reply="已修复塌陷路面。",
    )
    sibling = closed_case(
        world,
        category=sibling_category,
        title=ROAD,
        description=ROAD_TEXT,
        reply="人行道塌陷已修复。",
    )
    closed_case(
        world,
        title="幼儿园入学报名",
        description="咨询公办幼儿园入学报名时间和材料。",
        reply="请关注教育局公告。",
    )
    other_level = closed_case(
        world,
        category=world.street_category,
        title=ROAD,
        description=ROAD_TEXT,
        reply="街道已处理。",
    )
    case_in(world, "in_progress", title=ROAD, description=ROAD_TEXT)  # open: never suggested
    case = case_in(world, "in_progress", title=ROAD, description=ROAD_TEXT)

    found = selectors.similar_closed_cases(case)

    numbers = [s.number for s in found]
    assert numbers == [same.number, sibling.number]
    assert found[0].same_category and not found[1].same_category
    assert found[1].similarity > found[0].similarity  # category first, then similarity
    assert other_level.number not in numbers
    assert all(0 < s.percent <= 100 for s in found)


def test_suggested_replies_mask_personal_data(world):
    closed_case(
        world,
        title=ROAD,
        description=ROAD_TEXT,
        reporter_name="李四海",
        reply=(
            "李四海您好，我委已联系您（电话13912345678），多福巷12号3单元501室门口的塌陷"
            "已修复，身份证110101199001011234已登记。"
        ),
    )
    case = case_in(world, "in_progress", title=ROAD, description=ROAD_TEXT)
    (suggestion,) = selectors.similar_closed_cases(case)
    text = suggestion.reply
    assert "13912345678" not in text and "139****5678" in text
    assert "110101199001011234" not in text
    assert "12号" not in text and "501室" not in text and "多福巷***" in text
    assert "李四海" not in text and "李**" in text


def test_panel_shows_suggestions_to_the_lead_units_handler(client, world):
    closed_case(world, title=ROAD, description=ROAD_TEXT, reply="塌陷路面已修复，请放心。")
    case = case_in(world, "in_progress", title=ROAD, description=ROAD_TEXT)
    client.force_login(world.handler)
    page = client.get(f"/inbox/{case.number}/").content.decode()
    assert 'id="reply-quality"' in page
    assert "data-use-reply" in page and "塌陷路面已修复，请放心。" in page
    assert re.search(r'data-similarity="\d+"', page)
    assert "reply_quality/reply_panel.js" in page


def test_panel_hidden_from_a_co_units_handler_and_after_the_reply(client, world):
    case = case_in(world, "in_progress", title=ROAD, description=ROAD_TEXT)
    services.co_unit_add(actor=world.dispatcher, case=case, unit=world.other_department)
    client.force_login(world.other_handler)
    response = client.get(f"/inbox/{case.number}/")
    assert response.status_code == 200
    assert 'id="reply-quality"' not in response.content.decode()
    replied = case_in(world, "replied")
    client.force_login(world.handler)
    assert 'id="reply-quality"' not in client.get(f"/inbox/{replied.number}/").content.decode()


def test_draft_check_endpoint_for_handlers_only(client, world):
    case = case_in(world, "in_progress", title=ROAD, description=ROAD_TEXT)
    data = {"case": case.number, "text": "留言已收悉。", "result": "resolved"}
    client.force_login(world.handler)
    ok = client.post("/quality/check/", data)
    assert ok.status_code == 200
    assert ok.json()["flagged"] is True
    assert [w["code"] for w in ok.json()["warnings"]] == ["relevance", "completeness"]
    bad = client.post("/quality/check/", {"case": case.number, "text": "", "result": "x"})
    assert bad.status_code == 400
    assert set(bad.json()["extra"]["fields"]) == {"text", "result"}
    assert client.post("/quality/check/", {**data, "case": "0000"}).status_code == 404
    for user in (world.other_handler, world.resident, world.dispatcher):
        client.force_login(user)
        assert client.post("/quality/check/", data).status_code == 403
    client.logout()
    assert client.post("/quality/check/", data).status_code == 403


def test_reply_without_script_is_sent_as_before(client, world):
    case = case_in(world, "in_progress", title=ROAD, description=ROAD_TEXT)
    client.force_login(world.handler)
    response = client.post(
        f"/inbox/{case.number}/reply/", {"text": "留言已收悉。", "result": "resolved"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "replied"


def test_panel_lists_matching_knowledge_articles_with_their_basis(client, world):
    from tests.knowledge.factories import published

    article = published(
        world,
        title="道路塌陷由谁修复",
        answer="城市道路塌陷由道路养护单位负责修复，市民可拨打12345反映。",
        policy_document="《城市道路管理条例》",
        policy_article="第二十四条",
    )
    case = case_in(world, "in_progress", title=ROAD, description=ROAD_TEXT)
    (hit,) = selectors.matching_articles(case)
    assert hit.pk == article.pk and 0 < hit.percent <= 100
    assert hit.basis == "《城市道路管理条例》 第二十四条"
    client.force_login(world.handler)
    page = client.get(f"/inbox/{case.number}/").content.decode()
    assert f'data-article="{article.pk}"' in page
    assert "《城市道路管理条例》 第二十四条" in page


def test_an_article_filed_higher_in_the_cases_branch_matches_and_another_branch_does_not(world):
    from tests.factories import CategoryFactory
    from tests.knowledge.factories import published

    top = world.department_category.parent.parent
    general = published(
        world, title="道路塌陷由谁修复", answer="道路塌陷由养护单位修复。", category=top
    )
    other_top = CategoryFactory(level=1, name="卫生计生")
    published(world, title="道路塌陷由谁修复（卫生）", answer="与卫生无关。", category=other_top)
    case = case_in(world, "in_progress", title=ROAD, description=ROAD_TEXT)
    assert [hit.pk for hit in selectors.matching_articles(case)] == [general.pk]
