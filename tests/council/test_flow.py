"""The meeting flow through the services: plan → notice → held → minuted → published → closed."""

import pytest

from civic.errors import ConflictError, DomainValidationError, PermissionDeniedError
from council import selectors, services
from council.models import ListItem, Meeting, MeetingEvent, Party, Proposal
from council.workflow import IllegalTransition
from tests.council.factories import held_meeting, planned_meeting

pytestmark = pytest.mark.django_db


def test_full_flow_from_plan_to_close_writes_an_audit_trail(cw):
    meeting = planned_meeting(cw)
    participant = services.participant_invite(
        actor=cw.worker, meeting=meeting, party=Party.PROPERTY_COMPANY, name="赵经理"
    )
    item = services.agenda_item_add(actor=cw.worker, meeting=meeting, title="楼道堆物")
    services.meeting_hold(actor=cw.worker, meeting=meeting)
    services.attendance_record(actor=cw.worker, meeting=meeting, attended_ids=[participant.id])
    services.deliberation_record(
        actor=cw.worker, agenda_item=item, party=Party.PROPERTY_COMPANY, summary="同意清理"
    )
    resolution = services.resolution_vote(
        actor=cw.worker,
        agenda_item=item,
        text="周六集中清理",
        votes_for=1,
        votes_against=0,
        votes_abstain=0,
    )
    assert resolution.outcome == "passed"
    project = services.list_item_add(
        actor=cw.worker, meeting=meeting, kind=ListItem.Kind.PROJECT, title="清理楼道"
    )
    services.project_link_add(actor=cw.worker, project=project, case_number="20261122000001")
    services.meeting_minute(actor=cw.worker, meeting=meeting, text="会议纪要")
    services.meeting_publish(actor=cw.worker, meeting=meeting)
    services.meeting_close(actor=cw.worker, meeting=meeting)

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CLOSED
    actions = list(meeting.events.values_list("action", flat=True))
    assert actions == [
        "plan",
        "publish_notice",
        "invite",
        "add_agenda_item",
        "hold",
        "attendance",
        "deliberate",
        "vote",
        "add_list_item",
        "link_project",
        "minute",
        "publish",
        "close",
    ]


def test_meeting_events_are_immutable(cw):
    meeting = planned_meeting(cw)
    event = MeetingEvent.objects.filter(meeting=meeting).first()
    event.action = "forged"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


@pytest.mark.parametrize(
    "action",
    ["publish", "close", "minute"],
)
def test_illegal_transition_from_planned_raises_conflict(cw, action):
    meeting = planned_meeting(cw)
    call = {
        "publish": lambda: services.meeting_publish(actor=cw.worker, meeting=meeting),
        "close": lambda: services.meeting_close(actor=cw.worker, meeting=meeting),
        "minute": lambda: services.meeting_minute(actor=cw.worker, meeting=meeting, text="x"),
    }[action]
    with pytest.raises(IllegalTransition):
        call()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED


def test_cannot_vote_after_minutes_are_written(cw):
    meeting = held_meeting(cw)
    item = services.agenda_item_add(actor=cw.worker, meeting=meeting, title="议题")
    services.meeting_minute(actor=cw.worker, meeting=meeting, text="纪要")
    with pytest.raises(ConflictError):
        services.resolution_vote(
            actor=cw.worker,
            agenda_item=item,
            text="x",
            votes_for=1,
            votes_against=0,
            votes_abstain=0,
        )


def test_edits_after_publication_are_new_versions(cw):
    meeting = held_meeting(cw)
    services.meeting_minute(actor=cw.worker, meeting=meeting, text="第一稿")
    services.meeting_publish(actor=cw.worker, meeting=meeting)
    services.minutes_revise(actor=cw.worker, meeting=meeting, text="更正稿", reason="更正人数")
    versions = list(meeting.minutes.order_by("number").values_list("number", "text"))
    assert versions == [(1, "第一稿"), (2, "更正稿")]
    assert selectors.current_minutes(meeting).text == "更正稿"
    with pytest.raises(DomainValidationError):
        services.minutes_revise(actor=cw.worker, meeting=meeting, text="再改", reason=" ")


def test_minutes_cannot_be_revised_after_close(cw):
    meeting = held_meeting(cw)
    services.meeting_minute(actor=cw.worker, meeting=meeting, text="纪要")
    services.meeting_publish(actor=cw.worker, meeting=meeting)
    services.meeting_close(actor=cw.worker, meeting=meeting)
    with pytest.raises(ConflictError):
        services.minutes_revise(actor=cw.worker, meeting=meeting, text="x", reason="y")


def test_meeting_must_belong_to_a_community(cw):
    with pytest.raises(DomainValidationError):
        planned_meeting(cw, community=cw.street)


def test_notice_needs_text(cw):
    meeting = planned_meeting(cw, notice=False, notice_text="")
    with pytest.raises(DomainValidationError):
        services.meeting_publish_notice(actor=cw.worker, meeting=meeting)


def test_attendance_rejects_participants_of_another_meeting(cw):
    meeting = held_meeting(cw)
    other = planned_meeting(cw)
    stranger = services.participant_invite(
        actor=cw.worker, meeting=other, party=Party.RESIDENTS, name="路人"
    )
    with pytest.raises(DomainValidationError):
        services.attendance_record(actor=cw.worker, meeting=meeting, attended_ids=[stranger.id])


def test_project_link_only_for_projects(cw):
    meeting = held_meeting(cw)
    need = services.list_item_add(
        actor=cw.worker, meeting=meeting, kind=ListItem.Kind.NEED, title="加装电梯"
    )
    with pytest.raises(DomainValidationError):
        services.project_link_add(actor=cw.worker, project=need, case_number="1")


def test_linked_case_status_is_none_until_cases_exist(cw):
    from council.hooks import linked_case_status

    assert linked_case_status("no-such-number") is None


# --- proposals ------------------------------------------------------------------------------


def test_resident_proposes_and_worker_accepts_onto_agenda(cw):
    proposal = services.proposal_submit(
        actor=cw.resident, community=cw.community, title="增设充电桩", description="电动车充电难"
    )
    meeting = planned_meeting(cw)
    item = services.proposal_accept(actor=cw.worker, proposal=proposal, meeting=meeting)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED
    assert proposal.agenda_item == item
    assert item.meeting == meeting and item.title == "增设充电桩"
    with pytest.raises(ConflictError):
        services.proposal_decline(actor=cw.worker, proposal=proposal, reason="重复")


def test_declining_needs_a_reason(cw):
    proposal = services.proposal_submit(
        actor=cw.resident, community=cw.community, title="t", description="d"
    )
    with pytest.raises(DomainValidationError):
        services.proposal_decline(actor=cw.worker, proposal=proposal, reason="")
    services.proposal_decline(actor=cw.worker, proposal=proposal, reason="属物业职责，已转物业")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED
    assert proposal.decline_reason == "属物业职责，已转物业"


def test_resident_cannot_propose_for_another_community(cw):
    with pytest.raises(PermissionDeniedError):
        services.proposal_submit(
            actor=cw.resident, community=cw.other_community, title="t", description="d"
        )


def test_proposal_cannot_be_accepted_onto_another_communitys_meeting(cw):
    proposal = services.proposal_submit(
        actor=cw.resident, community=cw.community, title="t", description="d"
    )
    other = services.meeting_plan(
        actor=cw.other_worker,
        community=cw.other_community,
        title="x",
        starts_at=planned_meeting(cw).starts_at,
        place="p",
        format=Meeting.Format.ONLINE,
    )
    with pytest.raises(DomainValidationError):
        services.proposal_accept(actor=cw.worker, proposal=proposal, meeting=other)


def test_proposals_go_to_a_community_not_a_grid(cw):
    cw.resident.home_region = cw.community.children.get()
    cw.resident.save()
    with pytest.raises(DomainValidationError):
        services.proposal_submit(
            actor=cw.resident, community=cw.resident.home_region, title="t", description="d"
        )


def test_minutes_of_a_meeting_held_without_notice_reach_residents(cw):
    from council.rules import can_view_meeting, can_view_minutes

    meeting = planned_meeting(cw, notice=False)
    services.meeting_hold(actor=cw.worker, meeting=meeting)
    services.meeting_minute(actor=cw.worker, meeting=meeting, text="纪要")
    assert not selectors.meetings_visible_to(cw.resident).filter(pk=meeting.pk).exists()
    services.meeting_publish(actor=cw.worker, meeting=meeting)
    meeting.refresh_from_db()
    assert selectors.meetings_visible_to(cw.resident).filter(pk=meeting.pk).exists()
    assert can_view_meeting.test(cw.resident, meeting)
    assert can_view_minutes.test(cw.resident, meeting)
    assert not can_view_minutes.test(cw.other_resident, meeting)
