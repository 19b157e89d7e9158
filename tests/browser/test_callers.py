"""An operator takes a repeat call: the caller's number brings up their open case on the
console, one click records the call as a repeat of it, and the progress to read is shown."""

import pytest

from cases.models import Case, Outcome, Status
from tests.cases.factories import case_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234-word")
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def test_operator_records_a_repeat_call_from_the_caller_panel(browser_page, world):
    page = browser_page
    original = case_in(world, "in_progress", reporter_phone="13812345678")
    login(page, "operator")
    page.goto(page.base_url + "/console/")
    panel = page.locator("#caller-panel")
    assert panel.is_hidden()
    page.select_option("#id_category", str(world.department_category.pk))
    page.fill("#id_title", "再次催问道路塌陷")
    page.fill("#id_description", "上次反映的路面塌陷还没修好，再次来电催办。")
    page.select_option("#id_region", str(world.community.pk))
    page.fill("#id_reporter_name", "张三")
    page.type("#id_reporter_phone", "138 1234 5678")  # typed as the caller says it
    button = page.locator(f"[data-testid='repeat-{original.number}']")
    button.wait_for()
    assert original.number in panel.text_content()
    assert world.department.name in panel.text_content()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        button.click()
    repeat = Case.objects.exclude(pk=original.pk).get()
    assert repeat.status == Status.CLOSED and repeat.outcome == Outcome.REPEAT_REQUEST
    assert repeat.duplicate_of_id == original.pk
    assert page.url.endswith(f"/dispatch/case/{repeat.number}/")
    message = page.text_content("ul.messages")  # the progress to read to the caller
    assert repeat.number in message and original.number in message
    assert world.department.name in message
