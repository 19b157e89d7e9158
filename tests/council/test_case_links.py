"""A project (项目清单) shows the progress of the case carrying it out. Runs once the cases app
and its test world are merged in; skipped before."""

from datetime import timedelta

import pytest
from django.utils import timezone

from council import services
from council.hooks import linked_case_status, linked_case_statuses
from council.models import ListItem, Meeting

pytestmark = pytest.mark.django_db


def test_project_shows_linked_case_status(api_client):
    factories = pytest.importorskip("tests.cases.factories")
    w = factories.build_world()
    case = factories.case_in(w, "dispatched")
    meeting = services.meeting_plan(
        actor=w.community_worker,
        community=w.community,
        title="道路塌陷议事",
        starts_at=timezone.now() + timedelta(days=1),
        place="社区活动室",
        format=Meeting.Format.COURTYARD,
    )
    services.meeting_hold(actor=w.community_worker, meeting=meeting, confirm_early=True)
    project = services.list_item_add(
        actor=w.community_worker, meeting=meeting, kind=ListItem.Kind.PROJECT, title="修路"
    )
    services.project_link_add(actor=w.community_worker, project=project, case_number=case.number)

    expected = str(case.get_status_display())
    assert linked_case_status(case.number) == expected
    assert linked_case_statuses([case.number, "nope"]) == {case.number: expected, "nope": None}
    api_client.force_authenticate(w.community_worker)
    body = api_client.get(f"/api/v1/council/meetings/{meeting.pk}/").json()
    assert body["record"]["lists"][0]["links"][0]["case_status"] == expected
