"""The reporter reads the same trail of their case on its page and through the API; the staff's
working notes and internal steps are in neither (issue 31, finding 8)."""

import re

import pytest

from cases import services
from cases.models import ReturnRequest
from public import services as public
from tests.cases.factories import case_in

pytestmark = pytest.mark.django_db

INTERNAL_WORDS = ("内部备注居民情绪激动", "非本单位职责", "驳回理由属本单位", "无理诉求")


@pytest.fixture
def case(world):
    case = case_in(world, "signed")
    services.case_note_add(actor=world.handler, case=case, note="内部备注居民情绪激动")
    services.return_request_create(actor=world.handler, case=case, reason="非本单位职责")
    services.return_request_decide(
        actor=world.dispatcher,
        return_request=ReturnRequest.objects.get(case=case),
        accept=False,
        note="驳回理由属本单位",
    )
    services.case_set_assessable(
        actor=world.dispatcher, case=case, assessable=False, reason="无理诉求"
    )
    public.public_text_moderate(
        actor=world.dispatcher, case=case, title="路面塌陷", reply="", hidden=False
    )
    services.case_contact(actor=world.handler, case=case, note="已电话联系")
    return case


def _page_actions(client, number) -> list[str]:
    page = client.get(f"/cases/{number}/").content.decode()
    timeline = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<strong data-action="([\w-]+)">', timeline)


def test_reporter_api_events_equal_the_page_and_hold_no_staff_notes(
    client, api_client, world, case
):
    client.force_login(world.resident)
    api_client.force_authenticate(world.resident)
    response = api_client.get(f"/api/v1/cases/{case.number}/events/")
    assert response.status_code == 200
    events = response.json()
    assert [e["action"] for e in events] == _page_actions(client, case.number)
    actions = {e["action"] for e in events}
    assert {"create", "dispatch", "sign", "contact"} <= actions
    assert actions.isdisjoint(
        {"note", "request_return", "return_rejected", "set_assessable", "moderate"}
    )
    body = response.content.decode()
    for word in INTERNAL_WORDS:
        assert word not in body


@pytest.mark.parametrize("who", ["handler", "dispatcher"])
def test_staff_still_read_the_whole_trail(api_client, world, case, who):
    api_client.force_authenticate(getattr(world, who))
    events = api_client.get(f"/api/v1/cases/{case.number}/events/").json()
    actions = [e["action"] for e in events]
    assert {"note", "request_return", "return_rejected", "set_assessable", "moderate"} <= set(
        actions
    )
    assert "内部备注居民情绪激动" in [e["note"] for e in events]
