"""Resident pages on a phone-sized screen: file a complaint after seeing a duplicate hint, and
axe-core (vendored, run in Debian chromium) finds no serious or critical violation."""

from pathlib import Path

import pytest

from cases.models import Case
from tests.cases.factories import case_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
PHONE = {"width": 390, "height": 844}


def serious_violations(page) -> list[str]:
    page.evaluate(AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def phone_page(live_server):
    from playwright.sync_api import sync_playwright

    from tests.conftest import launch_chromium

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(
            locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base_url = live_server.url
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_file_after_duplicate_hint_on_a_phone(phone_page, world):
    page = phone_page
    existing = case_in(world, "dispatched", title="多福巷路面塌陷")
    page.goto(page.base_url + "/cases/new/")
    page.select_option("#id_category", str(world.department_category.pk))
    page.select_option("#id_region", str(world.community.pk))
    page.wait_for_selector("#duplicate-hint:not([hidden])")
    assert existing.number in page.inner_html("#duplicate-list")
    # The page fits the phone: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.fill("#id_title", "多福巷又有一处塌陷")
    page.fill("#id_description", "另一处路面塌陷，在12号对面。")
    page.fill("#id_reporter_phone", "13812345678")
    page.click("form.case-form button[type=submit]")
    number = page.text_content("[data-case-number]").strip()
    assert Case.objects.filter(number=number).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/cases/new/",
        "/cases/track/",
        "/public/cases/",
        "/public/map/",
        "/public/cases/{number}/",
        "/accounts/login/",
        "/faq/",
        "/faq/?q=道路",
        "/faq/{article}/",
        "/themes/",
        "/boards/",
    ],
)
def test_resident_pages_have_no_serious_accessibility_violations(phone_page, world, path):
    from tests.knowledge.factories import published

    case = case_in(world, "replied")
    article = published(world, title="道路塌陷由谁修复", answer="由道路养护单位修复。", public=True)
    page = phone_page
    page.goto(page.base_url + path.format(number=case.number, article=article.pk))
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []


def test_logged_in_resident_pages_have_no_serious_accessibility_violations(phone_page, world):
    case = case_in(world, "replied")  # filed by world.resident, with a pending revisit
    page = phone_page
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", "resident")
    page.fill("#id_password", "pass-1234-word")
    # The form works from the keyboard. Wait for the login's own navigation to finish: a goto
    # issued while the POST is in flight aborts it (net::ERR_ABORTED, seen on a busy machine).
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" not in page.url
    for path in ("/cases/mine/", f"/cases/{case.number}/", "/notifications/", "/council/"):
        page.goto(page.base_url + path)
        page.wait_for_load_state("networkidle")
        assert serious_violations(page) == [], path
    assert page.url.endswith("/council/")


CONTRAST = """(el) => {
  // WCAG contrast ratio of an element's text against its own background.
  const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const style = getComputedStyle(el);
  const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_a_resident_reads_lists_and_a_reply_on_a_phone_without_scrolling_sideways(
    phone_page, world
):
    from django.utils import timezone

    from civic.models import Notification

    case = case_in(world, "replied")  # filed by world.resident, with a reply shown
    Notification.objects.create(
        user=world.resident, kind="reply", title="您的诉求已答复", created_at=timezone.now()
    )
    page = phone_page
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", "resident")
    page.fill("#id_password", "pass-1234-word")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for path in ("/cases/mine/", "/public/cases/", f"/cases/{case.number}/"):
        page.goto(page.base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert width <= 1, (path, width)
    # Each filter's label sits on the same line as its own control (they wrapped apart).
    page.goto(page.base_url + "/public/cases/")
    apart = page.evaluate(
        """() => [...document.querySelectorAll('.filters label[for]')].filter((label) => {
          const a = label.getBoundingClientRect();
          const b = document.getElementById(label.htmlFor).getBoundingClientRect();
          return Math.abs((a.top + a.bottom) / 2 - (b.top + b.bottom) / 2) > 8;
        }).map((label) => label.htmlFor)"""
    )
    assert apart == []
    # A list row is a card on a phone: each value carries its column's name.
    page.goto(page.base_url + "/cases/mine/")
    assert page.locator("table.stack td[data-label]").first.is_visible()
    # The unread badge in the red header is readable (it was white on near-white).
    assert page.locator("a.notices .badge").evaluate(CONTRAST) >= 4.5


def test_a_resident_typing_a_question_is_offered_a_common_answer_first(phone_page, world):
    from tests.knowledge.factories import published

    article = published(
        world, title="道路塌陷由谁修复", answer="城市道路塌陷由道路养护单位修复。", public=True
    )
    published(world, title="道路塌陷内部处理口径", answer="仅供内部。", public=False)
    page = phone_page
    page.goto(page.base_url + "/cases/new/")
    page.fill("#id_title", "道路塌陷谁来修")
    page.wait_for_selector("#faq-hint:not([hidden])")
    offered = page.inner_text("#faq-hint-list")
    assert article.title in offered and "内部" not in offered
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert serious_violations(page) == []
