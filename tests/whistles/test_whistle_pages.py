"""Issue 30: whistle pages say 报到 (never 举报), look like the rest of the site, confirm every
action with a success message, and fit a phone."""

import re

import pytest
from django.utils import translation

from tests.assessment.test_board_pages_readable import assert_tables_stack
from tests.cases.factories import case_in
from tests.whistles.test_whistle_http import _blow, _unresolved, _web
from whistles.models import ResidentWhistleRequest, Whistle, WhistleLogEntry, WhistleSummons

SUCCESS = b'class="msg-success"'


def test_check_in_is_worded_report_for_duty_never_denounce(world):
    w = _blow(world)
    handler = _web(world.handler)
    page = handler.get(f"/whistles/{w.pk}/").content.decode()
    assert "举报" not in page
    assert re.search(
        r'<button type="submit" class="button primary" data-test="report-for-duty">', page
    )
    handler.post(f"/whistles/{w.pk}/report/", {"reporters": "李四", "committed_action": "修补"})
    page = handler.get(f"/whistles/{w.pk}/").content.decode()
    assert 'data-kind="report"' in page and "举报" not in page
    with translation.override("zh-hans"):
        assert "举报" not in str(WhistleLogEntry.Kind.REPORT.label)


def test_every_whistle_action_confirms_with_a_success_message(world):
    case = case_in(world, "in_progress")
    street = _web(world.street_official)
    blown = street.post(
        "/whistles/new/",
        {"case": case.pk, "reason": "塌陷", "place": "多福巷", "units": [world.department.pk]},
        follow=True,
    )
    assert SUCCESS in blown.content
    w = Whistle.objects.get()
    handler = _web(world.handler)
    reported = handler.post(
        f"/whistles/{w.pk}/report/", {"reporters": "李四", "committed_action": "修补"}, follow=True
    )
    assert SUCCESS in reported.content
    assert w.summonses.get().state == WhistleSummons.State.ON_TIME
    logged = handler.post(f"/whistles/{w.pk}/log/", {"text": "已围挡"}, follow=True)
    assert SUCCESS in logged.content
    closed = street.post(f"/whistles/{w.pk}/close/", {"outcome": "已修复"}, follow=True)
    assert SUCCESS in closed.content
    # A refused action says so, and is not reported as a success.
    again = handler.post(f"/whistles/{w.pk}/log/", {"text": "  "}, follow=True)
    assert SUCCESS not in again.content and b'class="msg-error"' in again.content


def test_resident_requests_and_street_decisions_confirm_with_a_success_message(world):
    resident = _web(world.resident)
    street = _web(world.street_official)
    first = _unresolved(world)
    sent = resident.post(
        f"/whistles/requests/new/?case={first.pk}", {"reason": "没修好"}, follow=True
    )
    assert SUCCESS in sent.content
    req = ResidentWhistleRequest.objects.get()
    declined = street.post(
        f"/whistles/requests/{req.pk}/",
        {"decision": "decline", "decline_reason": "已复查"},
        follow=True,
    )
    assert SUCCESS in declined.content

    second = _unresolved(world)
    resident.post(f"/whistles/requests/new/?case={second.pk}", {"reason": "还是没修好"})
    req = ResidentWhistleRequest.objects.get(case=second)
    accepted = street.post(
        f"/whistles/requests/{req.pk}/",
        {"decision": "accept", "units": [world.department.pk], "place": "多福巷"},
        follow=True,
    )
    assert SUCCESS in accepted.content
    assert Whistle.objects.filter(case=second).exists()


def _forms_and_buttons_are_styled(body: str) -> None:
    forms = re.findall(r'<form method="post"[^>]*>', body)
    assert forms
    for form in forms:
        assert re.search(r'class="[^"]*\bform\b', form), form
    buttons = re.findall(r"<button[^>]*>", body)
    for button in buttons:
        if "link" in button or 'name="language"' in button:
            continue  # the header's language switch and log-out link
        assert re.search(r'class="[^"]*\bbutton\b', button), button
    assert 'class="button primary"' in body
    for textarea in re.findall(r"<textarea[^>]*>", body):
        assert re.search(r'rows="[3-9]"', textarea), textarea


def test_whistle_pages_use_the_site_styles(world):
    case = case_in(world, "in_progress")
    street = _web(world.street_official)
    _forms_and_buttons_are_styled(street.get(f"/whistles/new/?case={case.pk}").content.decode())
    w = _blow(world)
    detail = street.get(f"/whistles/{w.pk}/").content.decode()
    _forms_and_buttons_are_styled(detail)
    assert 'class="card"' in detail and "cases/whistle.css" in detail
    _forms_and_buttons_are_styled(_web(world.handler).get(f"/whistles/{w.pk}/").content.decode())
    unresolved = _unresolved(world)
    resident = _web(world.resident)
    new = resident.get(f"/whistles/requests/new/?case={unresolved.pk}").content.decode()
    _forms_and_buttons_are_styled(new)
    resident.post(f"/whistles/requests/new/?case={unresolved.pk}", {"reason": "没修好"})
    req = ResidentWhistleRequest.objects.get()
    _forms_and_buttons_are_styled(street.get(f"/whistles/requests/{req.pk}/").content.decode())


def test_whistle_tables_become_cards_on_a_phone(world):
    w = _blow(world)
    _web(world.handler).post(
        f"/whistles/{w.pk}/report/", {"reporters": "李四", "committed_action": "修补"}
    )
    street = _web(world.street_official)
    assert assert_tables_stack(street.get("/whistles/").content.decode()) == 2
    assert assert_tables_stack(street.get(f"/whistles/{w.pk}/").content.decode()) == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_whistle_pages_fit_a_390px_phone_without_horizontal_scroll(browser_page):
    from tests.cases.factories import build_world

    world = build_world()
    w = _blow(world)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", "street")
    page.fill("#id_password", "pass-1234-word")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    for path in ("/whistles/", f"/whistles/{w.pk}/", "/whistles/new/"):
        page.goto(page.base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)


def test_a_street_blows_the_whistle_for_a_case_from_its_page_by_number(world):
    case = case_in(world, "dispatched")
    case.assignments.update(unit=world.street_unit)  # the street leads this one
    street = _web(world.street_official)
    page = street.get(f"/inbox/{case.number}/").content.decode()
    assert f"/whistles/new/?case={case.number}" in page
    form = street.get(f"/whistles/new/?case={case.number}")
    assert form.status_code == 200 and f'data-whistle-case="{case.number}"' in form.content.decode()
    blown = street.post(
        "/whistles/new/",
        {"case": case.number, "reason": "塌陷", "place": "多福巷", "units": [world.department.pk]},
        follow=True,
    )
    assert SUCCESS in blown.content
    assert Whistle.objects.get().case == case
    board = street.get("/whistles/").content.decode()
    assert case.number in board


def test_an_unknown_case_number_is_a_form_error_and_blows_nothing(world):
    street = _web(world.street_official)
    page = street.get("/whistles/new/?case=2099010100001")
    assert page.status_code == 200 and 'aria-invalid="true"' in page.content.decode()
    response = street.post(
        "/whistles/new/",
        {
            "case": "2099010100001",
            "reason": "塌陷",
            "place": "多福巷",
            "units": [world.department.pk],
        },
    )
    assert response.status_code == 200 and not Whistle.objects.exists()
    assert 'id="case-error"' in response.content.decode()


def test_the_summons_list_is_grouped_and_never_offers_the_street_itself(world):
    street = _web(world.street_official)
    page = street.get("/whistles/new/").content.decode()
    choices = re.search(
        r"<div class=\"unit-choices\" data-filter-list>(.*?)</fieldset>", page, re.S
    )
    offered = re.findall(r'name="units" value="(\d+)"', choices.group(1))
    assert str(world.department.pk) in offered
    assert str(world.street_unit.pk) not in offered  # the street does not summon itself
    assert choices.group(1).count("data-group") >= 2
