"""A resident opens the public map on a phone and a desktop: counts per area zoomed out over the
districts' outlines, an area's popup zooms in level by level down to the cases, whose popup
links to each case — in Debian's chromium, in Chinese."""

import pytest
from playwright.sync_api import expect

from public import services as public
from tests.cases.factories import case_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_the_map_counts_areas_then_shows_the_cases_of_one(browser_page, world, viewport):
    first = {case_in(world, "dispatched").number for _ in range(3)}
    second = {case_in(world, "dispatched", region=world.other_community).number}
    public.area_counts_refresh()
    page = browser_page
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(page.base_url + "/public/map/")
    the_map = page.locator("#case-map")
    expect(the_map).to_have_attribute("data-mode", "areas", timeout=10000)
    page.wait_for_load_state("networkidle")  # the view fitted to the city, and its counts
    assert no_horizontal_scroll(page)
    # Under the bubbles, the districts' outlines from the site's own static file, named, in a
    # pane below the bubbles' and never in the way of a click; a legend explains the circles.
    expect(the_map).to_have_attribute("data-basemap-districts", "16")
    outlines = page.locator(".leaflet-basemap-pane path")
    assert outlines.count() == 16
    assert page.locator(".leaflet-basemap-pane path.leaflet-interactive").count() == 0
    drawn = [outlines.nth(i).bounding_box() for i in range(16)]
    assert sum(1 for b in drawn if b and b["width"] > 20 and b["height"] > 20) >= 1
    assert "东城区" in page.locator(".map-district-name").all_inner_texts()
    assert page.evaluate(
        "+getComputedStyle(document.querySelector('.leaflet-basemap-pane')).zIndex"
        " < +getComputedStyle(document.querySelector('.leaflet-overlay-pane')).zIndex"
    )
    expect(page.locator("[data-testid=map-legend]")).to_be_visible()
    assert page.locator("[data-testid=map-legend] li").count() == 4
    # Each bubble counts an area's public cases; its popup names the area and the counts.
    counts = sorted(int(t) for t in page.locator(".map-count").all_inner_texts())
    assert counts in ([4], [1, 3])  # the district, or its two streets or communities
    page.locator(".leaflet-interactive").first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("件，其中")
    assert any(
        name in popup.inner_text()
        for name in ("东城区", "东华门街道", "景山街道", "多福巷社区", "吉祥社区")
    )
    # Zoom in through the popup, level by level, until the cases themselves show.
    for _level in range(3):
        popup.locator("button").click()
        page.wait_for_timeout(800)
        if the_map.get_attribute("data-mode") == "points":
            break
        page.locator(".leaflet-interactive").first.click(force=True)
    expect(the_map).to_have_attribute("data-mode", "points")
    markers = page.locator(".leaflet-interactive")
    box = markers.first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    shown = page.locator(".leaflet-popup-content a")
    expect(shown.first).to_be_visible()
    linked = {shown.nth(i).get_attribute("href").split("/")[-2] for i in range(shown.count())}
    assert linked in (first, second)  # one place's cases: a community's
    assert no_horizontal_scroll(page)
