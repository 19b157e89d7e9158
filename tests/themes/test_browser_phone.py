"""A theme with an overdue milestone on a phone (390 px): the badge shows, nothing scrolls
sideways (issue 30, item 20)."""

import datetime as dt

import pytest

from tests.cases.factories import build_world
from themes import hot_topics, services

from .helpers import file_month

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_theme_page_with_an_overdue_milestone_fits_a_phone(browser_page):
    world = build_world()
    file_month(world)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    theme = services.theme_promote(
        actor=world.dispatcher,
        month="2026-10",
        topic=hot_topics.analyse("2026-10").topics[0].key,
        lead_unit=world.department,
        milestones=[
            ("现场摸排，形成问题清单", yesterday),
            ("整改完成", yesterday + dt.timedelta(60)),
        ],
        activate=True,
    )
    page = browser_page
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", world.handler.username)
    page.fill("#id_password", "pass-1234-word")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    page.set_viewport_size({"width": 390, "height": 844})
    for url in (f"/themes/{theme.pk}/", "/themes/"):
        page.goto(page.base_url + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
    page.goto(page.base_url + f"/themes/{theme.pk}/")
    badges = page.locator("[data-testid=milestones] .badge.bad")
    assert badges.count() == 1 and badges.first.is_visible()
