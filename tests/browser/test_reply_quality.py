"""A handler starts from a suggested reply, spoils it, is warned by the quality check, and sends
anyway — in Debian's chromium."""

import pytest
from django.utils import timezone

from cases.models import Case
from reply_quality.models import ReplyCheck
from tests.cases.factories import case_in
from tests.reply_quality.factories import closed_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "多福巷路面塌陷"
DESCRIPTION = "多福巷门口路面塌陷一个大坑，晚上很危险，请尽快修复路面。"
SUGGESTED = (
    "您好！关于您反映的多福巷路面塌陷问题，市城管委于3月5日派工作人员到现场核实，"
    "塌陷坑已于3月6日修复。下一步将加强巡查。"
)


def login(page, username):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234-word")
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def test_handler_is_warned_of_a_poor_reply_and_sends_anyway(browser_page, world):
    page = browser_page
    closed_case(world, title=TITLE, description=DESCRIPTION, reply=SUGGESTED)
    case = case_in(world, "in_progress", title=TITLE, description=DESCRIPTION)

    login(page, "handler")
    page.goto(page.base_url + f"/inbox/{case.number}/")
    textarea = page.locator("#reply-form textarea[name=text]")
    page.click("#reply-quality [data-use-reply]")
    assert textarea.input_value() == SUGGESTED

    # Edited down to an acknowledgement: the check warns before anything is sent.
    textarea.fill("网友您好，留言已收悉。")
    page.select_option("#reply-form select[name=result]", "resolved")
    page.click("#reply-form button[type=submit]")
    warnings = page.locator("#reply-quality-warnings")
    warnings.wait_for(state="visible")
    assert warnings.get_attribute("aria-live") == "polite"
    assert page.locator("#reply-quality-warnings [data-warning=completeness]").count() == 1
    assert Case.objects.get(pk=case.pk).status == "in_progress"

    with page.expect_navigation():
        page.click("#reply-quality-warnings [data-send-anyway]")
    assert "已发送答复" in page.text_content("body") or "Reply sent" in page.text_content("body")
    assert Case.objects.get(pk=case.pk).status == "replied"
    assert ReplyCheck.objects.get(reply__case=case).flagged

    # The centre reviews it on a phone: no horizontal scroll, verdict recorded.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "dispatcher")
    page.goto(page.base_url + "/quality/")
    review = ReplyCheck.objects.get(reply__case=case).review
    card = page.locator(f"[data-review='{review.pk}']")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    card.locator("input[value=poor]").check()
    card.locator("textarea[name=note]").fill("只写了已收悉")
    card.locator("input[name=confirm]").check()
    with page.expect_navigation():
        card.locator("button[type=submit]").click()
    review.refresh_from_db()
    assert review.verdict == "poor" and review.reviewed_by.username == "dispatcher"
    page.goto(page.base_url + f"/quality/units/?month={timezone.localtime(review.queued_at):%Y-%m}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
