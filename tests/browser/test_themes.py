"""A dispatcher opens the hot topics, promotes one to a theme; it shows on the public list."""

import pytest

from tests.cases.factories import build_world
from tests.themes.helpers import file_month
from themes.models import Theme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, username):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234-word")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def _logout(page):
    page.click("form[action$='/logout/'] button")
    page.wait_for_load_state()


def test_dispatcher_promotes_a_hot_topic_to_a_public_theme(browser_page):
    world = build_world()
    file_month(world)
    page = browser_page
    _login(page, "dispatcher")
    page.click("nav.main-nav [data-nav=hot-topics] a")
    page.fill("#id_month", "2026-10")
    page.click("form.month-picker button[type=submit]")
    page.wait_for_load_state()
    first = page.locator("[data-testid=hot-topics] > li").first
    assert "塌陷" in first.inner_text()
    first.locator("[data-test=promote]").click()
    page.wait_for_load_state()
    assert page.input_value("#id_lead_unit") == str(world.department.pk)
    page.fill("#id_title", "道路塌陷专项治理")
    page.fill("#id_goals", "一个月内修补全部塌陷路面")
    page.fill("#id_milestones", "2026-12-01 现场摸排\n2026-12-20 修补完成")
    page.click("[data-testid=promote-form] button[type=submit]")
    page.wait_for_url("**/themes/*/")
    theme = Theme.objects.get()
    assert theme.status == Theme.Status.ACTIVE and theme.links.count() == 4
    assert "0%" in page.inner_text("[data-testid=progress]")
    _logout(page)

    page.goto(page.base_url + "/themes/")
    assert "道路塌陷专项治理" in page.inner_text("[data-testid=themes]")
    page.click(f"a[href='/themes/{theme.pk}/']")
    page.wait_for_load_state()
    assert "现场摸排" in page.inner_text("main")
    assert "张三" not in page.content()
