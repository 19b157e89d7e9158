"""A grid worker files a patrol report on a 390×844 phone: the page takes the phone's location,
and the report becomes a case found on patrol."""

import pytest

from cases.models import Case, Channel
from civic.models import Membership, Region
from patrol.models import GridAssignment, PatrolCheckIn
from tests.browser.test_resident_accessibility import PHONE, serious_violations
from tests.cases.factories import build_world
from tests.conftest import CHROMIUM
from tests.factories import RegionFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WHERE = {"latitude": 39.9141, "longitude": 116.4002, "accuracy": 8}


@pytest.fixture
def located_phone(live_server):
    """A phone-sized page whose browser may read the (fixed) device position."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(
            locale="zh-CN",
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            geolocation=WHERE,
            permissions=["geolocation"],
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base_url = live_server.url
        try:
            yield page
        finally:
            context.close()
            browser.close()
            connections.close_all()


def test_grid_worker_reports_what_they_found_from_a_phone(located_phone):
    world = build_world()
    grid = RegionFactory(level=Region.Level.GRID, parent=world.community, name="多福巷第一网格")
    worker = member(Membership.Role.GRID_WORKER, world.community_unit, username="grid")
    GridAssignment.objects.create(worker=worker, grid=grid)
    page = located_phone
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", "grid")
    page.fill("#id_password", "pass-1234-word")
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    page.goto(page.base_url + "/patrol/")
    page.wait_for_function("document.getElementById('patrol-location').dataset.state === 'found'")
    assert "8" in page.inner_text("#patrol-location")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(page) == []
    page.select_option("#id_category", str(world.street_category.pk))
    page.fill("#id_text", "早市摊贩占用人行道经营，行人只能走机动车道。")
    with page.expect_navigation():
        page.click("#report button[type=submit]")
    case = Case.objects.get()
    assert case.channel == Channel.PATROL
    assert (float(case.lat), float(case.lng)) == (WHERE["latitude"], WHERE["longitude"])
    assert case.number in page.inner_text(".messages")
    assert case.number in page.inner_text("#my-reports")
    with page.expect_navigation():
        page.click("#check-in button[type=submit]")
    assert PatrolCheckIn.objects.filter(worker=worker, grid=grid).count() == 1
    assert page.inner_text(".messages")
