"""Every demo account logs in through the real login page and sees its own navigation;
the language switcher turns the page English and back."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "civic-demo-2026"
# username → (entries that must show, entries that must not)
EXPECTED = {
    "operator": ({"console", "boards"}, {"queues", "inbox", "file", "admin"}),
    "dispatcher": ({"queues", "whistles"}, {"console", "inbox", "file"}),
    "handler": ({"inbox"}, {"queues", "whistles", "council", "file"}),
    "street": ({"inbox", "whistles"}, {"queues", "council", "file"}),
    "community": ({"inbox", "council"}, {"whistles", "queues", "file"}),
    "viewer": ({"boards"}, {"inbox", "queues", "console", "file"}),
    "resident": ({"file", "track", "my-cases"}, {"inbox", "queues", "console", "admin"}),
    "resident2": ({"file", "my-cases"}, {"inbox", "queues"}),
    "admin": ({"admin"}, {"inbox", "queues", "console"}),
}


def nav_entries(page) -> set[str]:
    return set(
        page.eval_on_selector_all("nav.main-nav [data-nav]", "els => els.map(e => e.dataset.nav)")
    )


def log_in(page, username):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(page.base_url + "/")


def log_out(page):
    page.click("header form.inline button[type=submit]")
    page.wait_for_url(page.base_url + "/")


def test_each_demo_role_sees_its_navigation(browser_page):
    # The structure step makes every demo account; demo cases are not needed for navigation.
    call_command("seed_demo", "--only", "structure")
    page = browser_page
    page.goto(page.base_url + "/")
    assert {"file", "track"} <= nav_entries(page)
    for username, (present, absent) in EXPECTED.items():
        log_in(page, username)
        entries = nav_entries(page)
        assert present <= entries, (username, entries)
        assert not (absent & entries), (username, entries)
        assert page.locator("header .who").is_visible()
        log_out(page)
        assert page.locator("header a[href='/accounts/login/']").is_visible()


def test_language_switcher_turns_the_page_english_and_back(browser_page):
    page = browser_page
    page.goto(page.base_url + "/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert page.locator("nav.main-nav [data-nav=file]").inner_text().strip() == "我要反映"
    page.click(".lang-switch button[value=en]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("nav.main-nav [data-nav=file]").inner_text().strip() == "File a complaint"
    page.click(".lang-switch button[value=zh-hans]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "zh-hans"
