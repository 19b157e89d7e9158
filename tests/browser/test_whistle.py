"""A street official blows a whistle in the browser; the department reports (报到)."""

import pytest

from tests.cases.factories import build_world
from whistles.models import Whistle, WhistleSummons

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


def test_street_blows_whistle_and_department_reports(browser_page):
    world = build_world()
    page = browser_page
    _login(page, "street")
    page.goto(page.base_url + "/whistles/")
    page.click("[data-test=blow]")
    page.fill("#id_reason", "多福巷路面塌陷，需要城管到场")
    page.fill("#id_place", "多福巷12号")
    page.check(f"input[name=units][value='{world.department.pk}']")
    page.click("form[action$='/whistles/new/'] button[type=submit]")
    page.wait_for_url("**/whistles/*/")
    whistle = Whistle.objects.get()
    # The countdown is filled in by the external script (no inline JS under CSP).
    page.wait_for_function("document.querySelector('[data-countdown]').textContent.includes(':')")
    _logout(page)

    _login(page, "handler")
    page.goto(page.base_url + "/whistles/")
    page.click(f"a[href='/whistles/{whistle.pk}/']")
    page.fill("#id_reporters", "李四、王五")
    page.fill("#id_committed_action", "今天下午围挡并修补")
    page.click("form[action$='/report/'] button[type=submit]")
    page.wait_for_load_state()
    assert "李四、王五" in page.inner_text("table")
    assert WhistleSummons.objects.get(whistle=whistle).state == WhistleSummons.State.ON_TIME


def test_typing_in_the_summons_filter_leaves_the_matching_units(browser_page):
    world = build_world()
    page = browser_page
    _login(page, "street")
    page.goto(page.base_url + "/whistles/new/")
    page.fill("input.picker-filter", "城管")
    visible = page.eval_on_selector_all(
        ".unit-choices label",
        "ls => ls.filter(l => l.getClientRects().length).map(l => l.textContent.trim())",
    )
    assert visible == [world.department.name]  # 市城管委; the other units are hidden
    page.check(f"input[name=units][value='{world.department.pk}']")
    page.fill("input.picker-filter", "")
    assert page.is_checked(f"input[name=units][value='{world.department.pk}']")
