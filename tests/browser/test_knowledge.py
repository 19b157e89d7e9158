"""An operator types a caller's problem on the console, sees a knowledge article suggested,
ticks it and answers on the spot; the case is closed and the article's use counted."""

import pytest

from cases.models import Case, Outcome, Status
from knowledge.models import ArticleUse
from tests.knowledge.factories import published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234-word")
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def test_operator_answers_a_call_on_the_spot_from_a_suggested_article(browser_page, world):
    page = browser_page
    article = published(
        world,
        title="小区停车费收费标准是多少",
        answer="根据《示范市机动车停放服务收费管理办法》，住宅小区停车费实行政府指导价。",
    )
    login(page, "operator")
    page.goto(page.base_url + "/console/")
    page.select_option("#id_kind", "consultation")
    page.select_option("#id_category", str(world.department_category.pk))
    page.select_option("#id_region", str(world.community.pk))
    page.fill("#id_reporter_name", "张三")
    page.fill("#id_reporter_phone", "13812345678")
    page.type("#id_title", "询问小区停车费标准")
    page.fill("#id_description", "来电人问小区停车费每月收多少，依据是什么。")
    box = page.locator(f"#kb-article-{article.pk}")
    box.wait_for()
    assert article.title in page.text_content("#knowledge-panel")
    page.click(f"#knowledge-hits li[data-article='{article.pk}'] summary")
    assert "政府指导价" in page.text_content(f"#knowledge-hits li[data-article='{article.pk}']")
    box.check()
    with page.expect_navigation():
        page.click("#answer-on-spot")
    case = Case.objects.get()
    assert page.url.endswith(f"/dispatch/case/{case.number}/")
    assert case.status == Status.CLOSED and case.outcome == Outcome.ANSWERED_ON_SPOT
    assert ArticleUse.objects.filter(article=article, case=case).exists()
    assert article.title in page.text_content("#knowledge-case")
