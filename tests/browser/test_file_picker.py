"""Filing on a phone (issue 30, item 10), in Debian's chromium, in Chinese: the category picked
step by step (first level → second → leaf, "other" last; the search still works and moves the
steps along), the point set by a tap on the map and by "use my location", and the case filed
with them; no horizontal scrolling, on a phone and on a desktop."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.browser.test_resident_accessibility import serious_violations
from tests.factories import CategoryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
HERE = {"latitude": 39.914, "longitude": 116.4}  # 多福巷社区 (the world's community)


@pytest.fixture
def open_page(live_server):
    """A page factory: Debian's chromium in Chinese, at a viewport, without the geolocation
    permission until a test grants it."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import launch_chromium

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        contexts = []

        def make(viewport, mobile, javascript=True):
            context = browser.new_context(
                locale="zh-CN",
                viewport=viewport,
                is_mobile=mobile,
                has_touch=mobile,
                java_script_enabled=javascript,
            )
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(15000)
            page.base_url = live_server.url
            return page

        try:
            yield make
        finally:
            for context in contexts:
                context.close()
            browser.close()
            from django.db import connections

            connections.close_all()


@pytest.fixture
def sanitation():
    top = CategoryFactory(level=1, name="市容环境")
    other = CategoryFactory(level=2, parent=top, name="其他")
    CategoryFactory(level=3, parent=other, name="其他")
    mid = CategoryFactory(level=2, parent=top, name="环境卫生")
    CategoryFactory(level=3, parent=mid, name="其他")
    leaf = CategoryFactory(level=3, parent=mid, name="垃圾清运")
    traffic = CategoryFactory(
        level=2, parent=CategoryFactory(level=1, name="交通运输"), name="道路"
    )
    for name in (
        "信号灯故障",
        "道路积水",
        "道路遗撒",
        "停车管理",
        "公交线路",
        "出租车",
        "共享单车",
    ):
        CategoryFactory(level=3, parent=traffic, name=name)  # enough leaves for a filter box
    return leaf


def no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def option_texts(page, selector) -> list[str]:
    return page.eval_on_selector_all(f"{selector} option", "os => os.map(o => o.textContent)")


def test_a_resident_picks_step_by_step_marks_the_map_and_files_on_a_phone(
    open_page, world, sanitation
):
    page = open_page(PHONE, True)
    page.goto(page.base_url + "/cases/new/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    steps = page.locator("#category-steps")
    expect(steps).to_be_visible()
    first, second, third = (page.locator(f"#category-step-{n}") for n in (1, 2, 3))
    expect(second).to_be_disabled()
    mid = sanitation.parent
    first.select_option(str(mid.parent_id))
    assert option_texts(page, "#category-step-2")[1:] == ["环境卫生", "其他"]  # other last
    second.select_option(str(mid.pk))
    assert option_texts(page, "#category-step-3")[1:] == ["垃圾清运", "其他"]
    third.select_option(str(sanitation.pk))
    expect(page.locator("#id_category")).to_have_value(str(sanitation.pk))

    # The search over every category still works, and moves the steps to what it chose.
    page.fill(".picker-filter", "道路")
    page.select_option("#id_category", str(world.department_category.pk))
    expect(first).to_have_value(str(world.department_category.parent.parent_id))
    expect(third).to_have_value(str(world.department_category.pk))
    # "Don't know" from the first step ticks the real box and empties the category.
    first.select_option("unknown")
    expect(page.locator("#id_category_unknown")).to_be_checked()
    expect(page.locator("#id_category")).to_have_value("")
    first.select_option(str(mid.parent_id))  # changed my mind: step by step after all
    second.select_option(str(mid.pk))
    third.select_option(str(sanitation.pk))
    expect(page.locator("#id_category_unknown")).not_to_be_checked()
    expect(page.locator("#id_category")).to_have_value(str(sanitation.pk))

    # The raw coordinates are folded away, still labelled; the map sets them with a tap.
    lat, lng = page.locator("#id_lat"), page.locator("#id_lng")
    expect(lat).to_be_hidden()
    expect(page.locator("label[for=id_lat]")).to_have_count(1)
    the_map = page.locator("#location-map")
    the_map.scroll_into_view_if_needed()
    expect(the_map).to_have_attribute("data-ready", "1")
    expect(the_map).to_have_attribute("data-basemap-districts", "16")
    box = the_map.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 20, box["y"] + box["height"] / 2 + 10)
    expect(lat).not_to_have_value("")
    expect(the_map).to_have_attribute("data-zoom", "11")  # closer around the tap
    tapped = (Decimal(lat.input_value()), Decimal(lng.input_value()))
    assert abs(tapped[0] - Decimal("39.91")) < 1 and abs(tapped[1] - Decimal("116.40")) < 1
    chosen = page.locator("#location-chosen")
    expect(chosen).to_contain_text(f"{tapped[0]:.5f}, {tapped[1]:.5f}")

    # "Use my location": refused first (a clear message), then allowed.
    page.click("#use-my-location")
    message = page.locator("#location-message")
    expect(message).to_be_visible()
    assert message.inner_text().strip() == page.locator("#location-picker").get_attribute(
        "data-label-denied"
    )
    page.context.grant_permissions(["geolocation"], origin=page.base_url)
    page.context.set_geolocation(HERE)
    page.click("#use-my-location")
    expect(lat).to_have_value("39.914000")
    expect(lng).to_have_value("116.400000")
    expect(chosen).to_contain_text("39.91400, 116.40000")
    expect(message).to_be_hidden()
    # The folded fields open for those who type coordinates (and show what the map set).
    page.click("#location-coordinates summary")
    expect(lat).to_be_visible()
    expect(page.get_by_label("纬度")).to_have_value("39.914000")
    assert no_horizontal_scroll(page)
    assert serious_violations(page) == []  # with the helpers shown, the map drawn

    page.fill("#id_title", "垃圾桶满了没人清")
    page.fill("#id_description", "小区门口的垃圾桶三天没有清运，气味很大。")
    page.fill("#id_reporter_phone", "13812345678")
    page.screenshot(path="/tmp/filing-phone.png", full_page=True)
    page.click("form.case-form button[type=submit]")
    number = page.locator("[data-case-number]").inner_text().strip()
    case = Case.objects.get(number=number)
    assert case.category == sanitation
    assert (case.lat, case.lng) == (Decimal("39.914000"), Decimal("116.400000"))
    assert case.region == world.community  # the community nearest the point


def test_the_filing_page_on_a_desktop(open_page, world, sanitation):
    page = open_page(DESKTOP, False)
    page.goto(page.base_url + "/cases/new/")
    page.locator("#category-step-1").select_option(str(sanitation.parent.parent_id))
    page.locator("#category-step-2").select_option(str(sanitation.parent_id))
    page.locator("#category-step-3").select_option(str(sanitation.pk))
    the_map = page.locator("#location-map")
    the_map.scroll_into_view_if_needed()
    expect(the_map).to_have_attribute("data-basemap-districts", "16")
    box = the_map.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#id_lat")).not_to_have_value("")
    expect(the_map).to_have_attribute("data-zoom", "11")
    page.wait_for_function("!document.querySelector('.leaflet-zoom-anim')")
    assert no_horizontal_scroll(page)
    page.screenshot(path="/tmp/filing-desktop.png", full_page=True)


def test_without_javascript_the_plain_form_still_files(open_page, world, sanitation):
    page = open_page(PHONE, True, javascript=False)
    page.goto(page.base_url + "/cases/new/")
    expect(page.locator("#category-steps")).to_be_hidden()
    expect(page.locator("#location-picker")).to_be_hidden()
    page.select_option("#id_category", str(sanitation.pk))
    page.fill("#id_title", "垃圾桶满了没人清")
    page.fill("#id_description", "小区门口的垃圾桶三天没有清运。")
    page.get_by_label("纬度").fill("39.914")
    page.get_by_label("经度").fill("116.4")
    page.fill("#id_reporter_phone", "13812345678")
    assert no_horizontal_scroll(page)
    page.click("form.case-form button[type=submit]")
    number = page.locator("[data-case-number]").inner_text().strip()
    case = Case.objects.get(number=number)
    assert case.category == sanitation and case.region == world.community
