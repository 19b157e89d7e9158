"""A worker records a meeting from notice to published minutes in a real browser, recording on
a phone-sized screen (390×844); a resident of the community then reads the minutes."""

import re

import pytest

from council.models import Meeting, Resolution
from tests.council.factories import council_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, username):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234-word")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def _logout(page):
    page.click("header form.inline button")


def test_worker_records_meeting_from_notice_to_published_minutes(browser_page):
    page = browser_page
    w = council_world()
    _login(page, "worker")

    # Planning and the notice (一书), on a desktop screen.
    page.goto(page.base_url + "/council/meetings/new/")
    page.fill("#id_title", "楼道堆物清理议事会")
    page.fill("#id_starts_at", "2026-12-05T19:30")
    page.fill("#id_place", "多福巷5号院")
    page.select_option("#id_format", "courtyard")
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"/council/meetings/\d+/$"))
    meeting = Meeting.objects.get(title="楼道堆物清理议事会")
    page.fill("#id_notice", "12月5日晚7点半在5号院议事，请五方代表参加。")
    page.click("[data-action=publish_notice]")
    page.wait_for_selector("[data-testid=notice]")

    # Recording on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.click("[data-action=hold]")
    page.wait_for_url(re.compile(r"/record/"))
    for party, name in [
        ("residents_committee", "王主任"),
        ("owners_committee", "李主任"),
        ("residents", "张大爷"),
        ("property_company", "赵经理"),
    ]:
        details = page.locator("#participants details.add")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        form = page.locator("form[data-form=invite]")
        form.locator("select[name=party]").select_option(party)
        form.locator("input[name=name]").fill(name)
        form.locator("button[type=submit]").click()
        page.wait_for_selector(f"text={name}")
    # Three of four attend.
    for name in ["王主任", "张大爷", "赵经理"]:
        page.get_by_label(re.compile(name)).check()
    page.click("[data-action=save-attendance]")
    page.wait_for_selector("[data-testid=attendance-count]:has-text('3')")

    page.locator("#agenda > details.add summary").click()
    page.locator("form[data-form=agenda] input[name=title]").fill("楼道堆物如何清理")
    page.locator("form[data-form=agenda] button[type=submit]").click()
    page.wait_for_selector("text=1. 楼道堆物如何清理")

    item = meeting.agenda_items.get()
    article = page.locator(f"#item-{item.pk}")
    article.locator("details.add summary").nth(0).click()
    form = page.locator("form[data-form=deliberation-1]")
    form.locator("select[name=party]").select_option("property_company")
    form.locator("input[name=speaker]").fill("赵经理")
    form.locator("textarea[name=summary]").fill("物业可在周六组织清运")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=物业可在周六组织清运")

    article = page.locator(f"#item-{item.pk}")
    article.locator("details.add summary").nth(1).click()
    form = page.locator(f"form[data-form=vote-{item.pk}]")
    # The vote form fits the phone screen: no horizontal scrolling.
    box = form.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    form.locator("textarea[name=text]").fill("本周六集中清理楼道堆物")
    form.locator("input[name=votes_for]").fill("2")
    form.locator("input[name=votes_against]").fill("0")
    form.locator("input[name=votes_abstain]").fill("1")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=resolution]")
    assert Resolution.objects.get().outcome == Resolution.Outcome.PASSED

    page.locator("#lists details.add summary").click()
    form = page.locator("form[data-form=list]")
    form.locator("select[name=kind]").select_option("project")
    form.locator("input[name=title]").fill("楼道清运")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=楼道清运")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390

    # Minutes: the editor starts from a draft of the record; publish.
    page.click("[data-action=minute]")
    assert "赵经理" in page.locator("textarea[name=text]").input_value()
    page.click("[data-action=save-minutes]")
    page.wait_for_selector("[data-testid=minutes]")
    page.goto(page.base_url + f"/council/meetings/{meeting.pk}/")
    page.click("[data-action=publish]")
    page.wait_for_selector("[data-status=published]")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PUBLISHED

    # A resident of the community reads the published minutes.
    _logout(page)
    _login(page, w.resident.username)
    page.goto(page.base_url + "/council/")
    page.click("[data-testid=published-minutes] >> text=楼道堆物清理议事会")
    minutes = page.locator("[data-testid=minutes]")
    minutes.wait_for()
    text = minutes.inner_text()
    assert "本周六集中清理楼道堆物" in text and "楼道清运" in text
    assert "物业可在周六组织清运" in text


def test_meeting_pages_fit_a_phone_keep_a_failed_vote_and_print_signatures(browser_page):
    from datetime import timedelta

    from django.utils import timezone

    from council import services
    from tests.council.factories import held_meeting, planned_meeting

    page = browser_page
    w = council_world()
    meeting = held_meeting(w, invited=5, attending=3, title="加装电梯议事会")
    item = services.agenda_item_add(
        actor=w.worker, meeting=meeting, title="电梯费用如何分摊", description="按楼层分摊"
    )
    early = planned_meeting(w, title="下周议事", starts_at=timezone.now() + timedelta(days=3))
    _login(page, "worker")
    page.set_viewport_size({"width": 390, "height": 844})

    def fits():
        return page.evaluate("document.documentElement.scrollWidth") <= 390

    # The main page: participants and agenda in view, nothing to unfold.
    page.goto(page.base_url + f"/council/meetings/{meeting.pk}/")
    assert page.locator("[data-testid=participants]").is_visible()
    assert page.locator("[data-testid=agenda] >> text=电梯费用如何分摊").is_visible()
    assert fits()

    # An early start asks first, on the same page.
    page.goto(page.base_url + f"/council/meetings/{early.pk}/")
    assert fits()
    page.click("[data-action=hold]")
    page.wait_for_selector("#hold-error")
    assert fits()
    page.check("#id_confirm_early")
    page.click("[data-action=hold]")
    page.wait_for_url(re.compile(r"/record/"))

    # A vote with more votes than attendees: the same item, open, the numbers as typed.
    page.goto(page.base_url + f"/council/meetings/{meeting.pk}/record/")
    page.locator(f"#item-{item.pk} details.add summary").nth(1).click()
    form = page.locator(f"form[data-form=vote-{item.pk}]")
    form.locator("textarea[name=text]").fill("按楼层分摊电梯费用")
    form.locator("input[name=votes_for]").fill("4")
    form.locator("input[name=votes_against]").fill("1")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=vote-error]")
    form = page.locator(f"form[data-form=vote-{item.pk}]")
    assert form.is_visible()
    assert form.locator("textarea[name=text]").input_value() == "按楼层分摊电梯费用"
    assert form.locator("input[name=votes_for]").input_value() == "4"
    assert fits()

    # The minutes: on a phone without scrolling sideways; on paper with the signature lines.
    services.meeting_minute(actor=w.worker, meeting=meeting, text="会议纪要正文")
    page.goto(page.base_url + f"/council/meetings/{meeting.pk}/minutes/")
    assert fits()
    page.emulate_media(media="print")
    signatures = page.locator("[data-testid=signatures]")
    assert signatures.is_visible()
    for role in ("chair", "recorder"):
        line = signatures.locator(f"[data-role={role}] .signature-line").first
        box = line.bounding_box()
        assert box is not None and box["width"] > 40
