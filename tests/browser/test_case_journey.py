"""A resident files and tracks a complaint; an operator dispatches it; the unit handles and
replies; the resident answers the revisit — in Debian's chromium."""

import re

import pytest

from cases.models import Case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234-word")
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()


def logout(page):
    page.click("header form.inline button")
    page.wait_for_load_state()


def test_complaint_journey(browser_page, world):
    page = browser_page
    # 1. A resident (not logged in) files a complaint.
    page.goto(page.base_url + "/cases/new/")
    page.select_option("#id_category", str(world.department_category.pk))
    page.fill("#id_title", "多福巷路面塌陷")
    page.fill("#id_description", "多福巷12号门口路面塌陷，晚上很危险。")
    page.select_option("#id_region", str(world.community.pk))
    page.fill("#id_reporter_name", "张三")
    page.fill("#id_reporter_phone", "13812345678")
    page.click("form.case-form button[type=submit]")
    number = page.text_content("[data-case-number]").strip()
    code = page.text_content("[data-access-code]").strip()
    assert re.fullmatch(r"\d{13}", number)

    # 2. It can be tracked with the number and the code.
    page.goto(page.base_url + "/cases/track/")
    page.fill("#id_number", number)
    page.fill("#id_access_code", code)
    page.click("form.form button[type=submit]")
    assert "多福巷路面塌陷" in page.text_content("h1")

    # 3. An operator dispatches it to the proposed unit in one click.
    page.context.clear_cookies()
    login(page, "operator")
    page.goto(page.base_url + f"/dispatch/case/{number}/")
    assert world.department.name in page.text_content("[data-proposal]")
    page.click("#dispatch button[type=submit]")
    assert Case.objects.get(number=number).status == "dispatched"

    # 4. The unit signs, contacts the resident and replies.
    page.context.clear_cookies()
    login(page, "handler")
    page.goto(page.base_url + "/inbox/")
    page.click(f"tr[data-number='{number}'] a")
    page.click("#sign button[type=submit]")
    page.fill("#contact textarea", "已电话联系市民")
    page.click("#contact button[type=submit]")
    # A complete reply (what, when, who, next step) passes the quality check and is sent.
    page.fill(
        "#reply textarea[name=text]",
        "经现场核查，市城管委工作人员已于今天修复路面，下一步将加强巡查。",
    )
    page.select_option("#reply select[name=result]", "resolved")
    with page.expect_navigation():
        page.click("#reply button[type=submit]")
    assert Case.objects.get(number=number).status == "replied"

    # 5. The resident tracks it again, reads the reply and answers the revisit.
    page.context.clear_cookies()
    page.goto(page.base_url + "/cases/track/")
    page.fill("#id_number", number)
    page.fill("#id_access_code", code)
    page.click("form.form button[type=submit]")
    assert "修复路面" in page.content()
    page.check("#revisit input[name=contacted][value=yes]")
    page.check("#revisit input[name=resolved][value=yes]")
    page.check("#revisit input[name=satisfaction][value=satisfied]")
    page.click("#revisit button[type=submit]")
    case = Case.objects.get(number=number)
    assert case.status == "closed" and case.revisits.get().satisfaction == "satisfied"
