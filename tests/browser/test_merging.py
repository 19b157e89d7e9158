"""A dispatcher merges three reports of one streetlight into one case on the centre's case
page (confirming), sees them listed, then undoes the merge — in Debian's chromium."""

import pytest

from cases.models import Case
from tests.merging.helpers import lamp_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234-word")
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def test_dispatcher_merges_three_cases_and_undoes_it(browser_page, world):
    page = browser_page
    main = lamp_case(world, 1, state="dispatched")
    others = [lamp_case(world, n) for n in (2, 3, 4)]
    login(page, "dispatcher")

    page.goto(page.base_url + f"/dispatch/case/{main.number}/")
    for other in others:
        page.check(f"#merge-{other.number}")
    with page.expect_navigation():
        page.click("[data-merge]")
    # The confirmation step lists the three cases; nothing is merged yet.
    assert page.locator("[data-confirm-case]").count() == 3
    assert not Case.objects.filter(merged_into=main).exists()
    page.fill("#id_note", "同一盏路灯")
    with page.expect_navigation():
        page.click("[data-confirm]")

    assert page.locator(".messages li").count() >= 1
    assert page.locator("[data-merged-case]").count() == 3
    assert Case.objects.filter(merged_into=main).count() == 3

    # On a phone the page with the panel does not scroll sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_navigation():
        page.click("[data-unmerge]")
    assert page.locator("[data-confirm-case]").count() == 3
    with page.expect_navigation():
        page.click("[data-confirm]")
    assert page.locator("[data-merged-case]").count() == 0
    assert not Case.objects.filter(merged_into=main).exists()
    assert page.locator(f"[data-candidate='{others[0].number}']").count() == 1

    # The queue lists the group again; on a phone it does not scroll sideways either.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base_url + "/merging/")
    assert page.locator(f"[data-group='{main.number}']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
