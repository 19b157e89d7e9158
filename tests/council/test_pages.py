"""HTML pages: the worker's planning and recording, the residents' notices, minutes and
proposals, and permissions by community."""

import pytest
from django.urls import reverse

from council import services
from council.models import Meeting, Proposal
from tests.council.factories import held_meeting, planned_meeting

pytestmark = pytest.mark.django_db


def test_worker_plans_a_meeting_on_the_page(client, cw):
    client.force_login(cw.worker)
    r = client.post(
        reverse("council:plan"),
        {
            "community": cw.community.pk,
            "title": "停车难议事",
            "starts_at": "2026-12-05T19:30",
            "place": "社区活动室",
            "format": "courtyard",
            "notice": "",
        },
    )
    meeting = Meeting.objects.get(title="停车难议事")
    assert r.status_code == 302 and r.url == reverse("council:meeting", args=[meeting.pk])
    page = client.get(r.url)
    assert "停车难议事" in page.content.decode()


def test_plan_form_offers_only_own_communities(client, cw):
    client.force_login(cw.worker)
    r = client.post(
        reverse("council:plan"),
        {
            "community": cw.other_community.pk,
            "title": "x",
            "starts_at": "2026-12-05T19:30",
            "place": "p",
            "format": "online",
        },
    )
    assert r.status_code == 400
    assert not Meeting.objects.exists()


def test_illegal_action_becomes_a_message_not_a_500(client, cw):
    meeting = planned_meeting(cw)
    client.force_login(cw.worker)
    r = client.post(reverse("council:action", args=[meeting.pk, "publish"]), follow=True)
    assert r.status_code == 200
    assert "msg-error" in r.content.decode()


def test_recording_page_records_attendance_and_votes(client, cw):
    meeting = held_meeting(cw, invited=3, attending=0)
    ids = list(meeting.participants.values_list("id", flat=True))
    client.force_login(cw.worker)
    url = reverse("council:record", args=[meeting.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"op": "attendance", "attended": [str(i) for i in ids[:2]]})
    client.post(url, {"op": "agenda", "title": "绿化", "description": ""})
    item = meeting.agenda_items.get()
    client.post(
        url,
        {"op": "deliberation", "agenda_item": item.pk, "party": "residents", "summary": "支持"},
    )
    r = client.post(
        url,
        {
            "op": "vote",
            "agenda_item": item.pk,
            "text": "补种树木",
            "votes_for": 2,
            "votes_against": 0,
            "votes_abstain": 0,
        },
        follow=True,
    )
    assert item.resolutions.get().outcome == "passed"
    assert "补种树木" in r.content.decode()
    r = client.post(
        url,
        {
            "op": "vote",
            "agenda_item": item.pk,
            "text": "t",
            "votes_for": 3,
            "votes_against": 0,
            "votes_abstain": 0,
        },
        follow=True,
    )
    assert "msg-error" in r.content.decode()
    assert item.resolutions.count() == 1


def test_worker_of_another_community_cannot_open_or_edit(client, cw):
    meeting = held_meeting(cw)
    client.force_login(cw.other_worker)
    assert client.get(reverse("council:meeting", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("council:record", args=[meeting.pk])).status_code == 404
    r = client.post(reverse("council:record", args=[meeting.pk]), {"op": "agenda", "title": "x"})
    assert r.status_code == 404
    assert client.post(reverse("council:action", args=[meeting.pk, "close"])).status_code == 404
    assert not meeting.agenda_items.exists()


def test_street_official_cannot_open_the_recording_page(client, cw):
    meeting = held_meeting(cw)
    client.force_login(cw.street_official)
    assert client.get(reverse("council:meeting", args=[meeting.pk])).status_code == 200
    assert client.get(reverse("council:record", args=[meeting.pk])).status_code == 404


def test_residents_see_notices_and_only_published_minutes(client, cw):
    notice_only = planned_meeting(cw, title="下周议事")
    draft = held_meeting(cw, title="纪要草稿会")
    services.meeting_minute(actor=cw.worker, meeting=draft, text="草稿内容")
    published = held_meeting(cw, title="已公开会")
    services.meeting_minute(actor=cw.worker, meeting=published, text="公开内容")
    services.meeting_publish(actor=cw.worker, meeting=published)

    client.force_login(cw.resident)
    index = client.get(reverse("council:index")).content.decode()
    assert "下周议事" in index and "已公开会" in index
    assert client.get(reverse("council:minutes", args=[draft.pk])).status_code == 404
    assert client.get(reverse("council:minutes", args=[notice_only.pk])).status_code == 404
    assert (
        "公开内容" in client.get(reverse("council:minutes", args=[published.pk])).content.decode()
    )
    assert client.get(reverse("council:record", args=[published.pk])).status_code == 404

    client.force_login(cw.other_resident)
    assert client.get(reverse("council:minutes", args=[published.pk])).status_code == 404
    assert "已公开会" not in client.get(reverse("council:index")).content.decode()


def test_published_minutes_show_versions(client, cw):
    meeting = held_meeting(cw)
    services.meeting_minute(actor=cw.worker, meeting=meeting, text="第一版")
    services.meeting_publish(actor=cw.worker, meeting=meeting)
    client.force_login(cw.worker)
    r = client.post(
        reverse("council:minutes_edit", args=[meeting.pk]), {"text": "第二版", "reason": ""}
    )
    assert r.status_code == 400  # a reason is required after publication
    client.post(
        reverse("council:minutes_edit", args=[meeting.pk]), {"text": "第二版", "reason": "补充"}
    )
    client.force_login(cw.resident)
    page = client.get(reverse("council:minutes", args=[meeting.pk])).content.decode()
    assert "第二版" in page and "第一版" not in page and 'data-testid="versions"' in page
    old = client.get(reverse("council:minutes", args=[meeting.pk]) + "?version=1")
    assert "第一版" in old.content.decode()


def test_minutes_editor_starts_from_a_draft_of_the_record(client, cw):
    meeting = held_meeting(cw, invited=2, attending=1)
    services.agenda_item_add(actor=cw.worker, meeting=meeting, title="垃圾分类")
    client.force_login(cw.worker)
    page = client.get(reverse("council:minutes_edit", args=[meeting.pk])).content.decode()
    assert "垃圾分类" in page


def test_proposal_pages(client, cw):
    meeting = planned_meeting(cw)
    client.force_login(cw.resident)
    r = client.post(reverse("council:proposals"), {"title": "修路灯", "description": "路灯坏了"})
    assert r.status_code == 302
    p = Proposal.objects.get()
    client.force_login(cw.worker)
    page = client.get(reverse("council:proposals")).content.decode()
    assert "修路灯" in page
    client.post(reverse("council:decide", args=[p.pk, "accept"]), {f"p{p.pk}-meeting": meeting.pk})
    p.refresh_from_db()
    assert p.status == Proposal.Status.ACCEPTED
    assert p.agenda_item.meeting == meeting


def test_decline_without_reason_is_refused_on_the_page(client, cw):
    p = services.proposal_submit(
        actor=cw.resident, community=cw.community, title="t", description="d"
    )
    client.force_login(cw.worker)
    r = client.post(
        reverse("council:decide", args=[p.pk, "decline"]), {f"p{p.pk}-reason": ""}, follow=True
    )
    assert "msg-error" in r.content.decode()
    p.refresh_from_db()
    assert p.status == Proposal.Status.SUBMITTED


def test_worker_changes_the_plan_on_the_page(client, cw):
    meeting = planned_meeting(cw)
    client.force_login(cw.worker)
    url = reverse("council:edit", args=[meeting.pk])
    assert client.get(url).status_code == 200
    r = client.post(
        url,
        {
            "title": "改期议事",
            "starts_at": "2026-12-06T10:00",
            "place": "社区活动室",
            "format": "building",
        },
    )
    assert r.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.title, meeting.format) == ("改期议事", "building")


def test_worker_index_lists_meetings_and_pending_proposals(client, cw):
    planned_meeting(cw, title="本周议事")
    services.proposal_submit(actor=cw.resident, community=cw.community, title="t", description="d")
    client.force_login(cw.worker)
    page = client.get(reverse("council:index")).content.decode()
    assert "本周议事" in page
    assert 'href="/council/meetings/new/"' in page
