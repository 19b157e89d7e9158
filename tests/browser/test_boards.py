"""The boards render in a real browser, with the trend chart, and without CSP violations."""

import pytest

from tests.assessment.test_pages import published  # noqa: F401
from tests.cases.factories import world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_boards_and_unit_trend_render_in_a_browser(browser_page, published):  # noqa: F811
    _w, _run = published
    page = browser_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(page.base_url + "/boards/")
    group = page.locator('[data-group="departments"]')
    # One ranked department: the board size shrinks to 0, so neither board lists it.
    assert group.locator('[data-board="red"] tbody tr').inner_text().strip() in ("None.", "无。")
    group.locator("summary").click()
    group.locator('[data-table="ranked"] a', has_text="市城管委").click()
    page.wait_for_selector("svg.trend-chart circle.dot")
    assert page.locator("svg.trend-chart circle.dot").count() == 1
    box = page.locator("svg.trend-chart").bounding_box()
    assert box and box["width"] > 100
    assert page.locator('[data-table="cases"] tbody tr').count() == 2
    assert not [e for e in errors if "Content Security Policy" in e], errors
