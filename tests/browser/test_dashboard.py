"""A district leader watches the dashboard on a desktop and on a phone; a case filed meanwhile
shows up after the page polls the API — in Debian's chromium."""

import pytest
from playwright.sync_api import expect

from civic.models import Membership, Unit
from tests.cases.factories import case_in
from tests.factories import UnitFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234-word")
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def heat_map_has_its_districts(page):
    """The heat map, as the script redrew it from the API: district outlines (东城区, where the
    case is, among them) drawn before the circles, inside the picture, and a legend."""
    heat = page.locator("svg[data-chart=heat]")
    outlines = heat.locator("path.heat-district")
    assert outlines.count() >= 2
    assert "东城区" in [outlines.nth(i).text_content() for i in range(outlines.count())]
    # Painted first, so under the circles.
    assert heat.evaluate(
        "svg => svg.querySelector('path.heat-district').compareDocumentPosition("
        "svg.querySelector('circle')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    box = heat.bounding_box()
    shown = outlines.first.bounding_box()
    assert shown["width"] > 10 and shown["height"] > 10
    assert box["x"] - 1 <= shown["x"] and shown["x"] + shown["width"] <= box["x"] + box["width"] + 1
    expect(page.locator("[data-testid=heat-legend]")).to_be_visible()


def test_leader_sees_figures_and_a_new_case_after_the_poll(browser_page, world):
    page = browser_page
    unit = UnitFactory(kind=Unit.Kind.DISTRICT, name="东城区领导", jurisdiction=world.district)
    member(Membership.Role.VIEWER, unit, username="leader")
    case_in(world, "closed")
    login(page, "leader")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page.base_url + "/dashboard/")
    assert page.text_content("[data-testid=intake-today]").strip() == "1"
    assert page.locator("table.stack[data-section=intake] tbody tr").count() >= 1
    # The charts are drawn from the API once the script has fetched it.
    page.wait_for_selector("svg[data-chart=intake] rect", state="attached")
    assert no_horizontal_scroll(page)
    heat_map_has_its_districts(page)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.locator("[data-testid=table-trend]").is_visible()
    page.wait_for_selector("svg[data-chart=intake] rect", state="attached")
    heat_map_has_its_districts(page)
    assert no_horizontal_scroll(page)

    # A new case is filed meanwhile; the page picks it up on its next poll (shortened here).
    case_in(world, "received")
    page.evaluate("document.getElementById('dashboard').setAttribute('data-poll-seconds', '1')")
    # (The page's CSP forbids eval, so wait with a locator, not wait_for_function.)
    expect(page.locator("[data-testid=intake-today]")).to_have_text("2", timeout=10000)
    assert no_horizontal_scroll(page)
