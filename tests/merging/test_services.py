"""并案 rules: candidates, merge and its checks, following the main case, each reporter's own
reply and revisit, inboxes and the sweep, undo, and the audit trail."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone, translation

from cases import selectors as case_selectors
from cases import services
from cases.errors import IllegalTransition, NotAllowed
from cases.models import Assignment, Case, CaseEvent, Reply, Revisit, Status
from cases.sweep import sweep
from civic.errors import DomainValidationError
from civic.models import Notification
from merging import selectors
from merging.services import merge_cases, unmerge_cases
from tests.cases.factories import case_in, file_case
from tests.factories import CategoryFactory, category_leaf

from .helpers import lamp_case, reload

pytestmark = pytest.mark.django_db


def fields_of(error: DomainValidationError) -> dict:
    return error.extra["fields"]


# --- candidates ------------------------------------------------------------------------------


def test_candidates_are_open_cases_about_the_same_problem_best_first(world):
    main = lamp_case(world, 1)
    same = lamp_case(world, 2)
    # The same light, in other words, under a sibling category and reported from a point
    # 150 m away in the next community.
    sibling = CategoryFactory(level=3, parent=world.department_category.parent, name="路灯")
    near = lamp_case(
        world,
        3,
        title="路灯坏了",
        description="多福巷口路灯晚上不亮，很黑。",
        category=sibling,
        region=world.other_community,
        lat="39.915000",
        lng="116.401000",
    )
    Case.objects.filter(pk=main.pk).update(lat="39.914000", lng="116.400000")
    main.refresh_from_db()
    # Not candidates: closed, another category far away, already merged.
    closed = lamp_case(world, 4, state="closed")
    elsewhere = lamp_case(
        world, 5, category=category_leaf(name="噪音扰民"), region=world.other_community
    )
    other_main = lamp_case(world, 6)
    merged = lamp_case(world, 7)
    merge_cases(actor=world.dispatcher, main=other_main, others=[merged], note="")

    with translation.override("en"):
        found = selectors.merge_candidates(main)
    numbers = [c.case.number for c in found]

    assert numbers[0] == same.number
    assert near.number in numbers
    for excluded in (closed, elsewhere, merged, main):
        assert excluded.number not in numbers
    best = found[0]
    assert best.score > found[numbers.index(near.number)].score
    assert "Same category" in best.reasons and "Same community" in best.reasons
    near_reasons = found[numbers.index(near.number)].reasons
    assert "Same category group" in near_reasons
    assert any(r.endswith("m apart") for r in near_reasons)
    assert found[numbers.index(near.number)].distance_m < 300


def test_cases_received_long_apart_are_not_candidates(world):
    old = lamp_case(world, 1)
    Case.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=45))
    main = lamp_case(world, 2)
    assert selectors.merge_candidates(main) == []


def test_queue_groups_likely_duplicates_with_the_furthest_along_as_main(world):
    first = lamp_case(world, 1)
    dispatched = lamp_case(world, 2, state="dispatched")
    third = lamp_case(world, 3)
    lamp_case(
        world, 4, title="出租车拒载", description="出租车司机拒载乘客。"
    )  # same bucket, other text
    groups = selectors.duplicate_groups()
    assert len(groups) == 1
    group = groups[0]
    assert group.main == dispatched
    assert {c.number for c in group.cases} == {first.number, third.number}


# --- merge rules -----------------------------------------------------------------------------


def test_only_a_dispatcher_merges(world):
    main, other = lamp_case(world, 1), lamp_case(world, 2)
    for actor in (world.operator, world.handler, world.resident):
        with pytest.raises(NotAllowed):
            merge_cases(actor=actor, main=main, others=[other], note="")
    assert reload(other).merged_into_id is None


def test_merge_refuses_bad_choices_with_field_messages(world):
    main = lamp_case(world, 1, state="dispatched")
    closed = lamp_case(world, 2, state="closed")
    with pytest.raises(DomainValidationError) as e:
        merge_cases(actor=world.dispatcher, main=main, others=[], note="")
    assert "cases" in fields_of(e.value)
    with pytest.raises(DomainValidationError) as e:
        merge_cases(actor=world.dispatcher, main=main, others=[main], note="")
    assert "cases" in fields_of(e.value)
    with pytest.raises(DomainValidationError) as e:
        merge_cases(actor=world.dispatcher, main=main, others=[closed], note="")
    assert closed.number in fields_of(e.value)["cases"][0]
    with pytest.raises(DomainValidationError) as e:
        merge_cases(
            actor=world.dispatcher, main=main, others=[lamp_case(world, 3)], note="长" * 2001
        )
    assert "note" in fields_of(e.value)
    # A received main cannot take a dispatched case (the main case must lead the way).
    received = lamp_case(world, 4)
    with pytest.raises(DomainValidationError) as e:
        merge_cases(actor=world.dispatcher, main=received, others=[main], note="")
    assert main.number in fields_of(e.value)["cases"][0]
    # A replied main is past merging.
    replied = lamp_case(world, 5, state="replied")
    with pytest.raises(DomainValidationError) as e:
        merge_cases(actor=world.dispatcher, main=replied, others=[lamp_case(world, 6)], note="")
    assert "main" in fields_of(e.value)


def test_no_chains_of_merged_cases(world):
    a, b, c, d = (lamp_case(world, n) for n in range(1, 5))
    merge_cases(actor=world.dispatcher, main=a, others=[b], note="")
    with pytest.raises(DomainValidationError) as e:  # b already follows a
        merge_cases(actor=world.dispatcher, main=c, others=[b], note="")
    assert b.number in fields_of(e.value)["cases"][0]
    with pytest.raises(DomainValidationError) as e:  # a leads a group of its own
        merge_cases(actor=world.dispatcher, main=c, others=[a], note="")
    assert a.number in fields_of(e.value)["cases"][0]
    with pytest.raises(DomainValidationError) as e:  # b cannot lead either
        merge_cases(actor=world.dispatcher, main=b, others=[d], note="")
    assert "main" in fields_of(e.value)


def test_merge_is_audited_on_every_case(world):
    main = lamp_case(world, 1)
    others = [lamp_case(world, 2), lamp_case(world, 3)]
    merge_cases(actor=world.dispatcher, main=main, others=others, note="同一盏路灯")
    event = CaseEvent.objects.get(case=main, action="merge")
    assert event.actor == world.dispatcher and event.note == "同一盏路灯"
    assert sorted(event.data["cases"]) == sorted(o.number for o in others)
    with translation.override("en"):
        assert event.label == "Cases merged"
    for other in others:
        event = CaseEvent.objects.get(case=other, action="merge")
        assert event.actor == world.dispatcher and event.data["main"] == main.number


# --- following the main case -----------------------------------------------------------------


def test_merged_cases_take_the_main_case_state_at_once(world):
    main = lamp_case(world, 1, state="signed")
    follower = lamp_case(world, 2)
    merge_cases(actor=world.dispatcher, main=main, others=[follower], note="")
    main, follower = reload(main), reload(follower)
    assert follower.merged_into == main
    assert follower.status == Status.SIGNED
    assert follower.lead_unit == world.department
    assert follower.handle_due_at == main.handle_due_at
    assert follower.contact_due_at == main.contact_due_at
    lead = Assignment.objects.get(
        case=follower, role=Assignment.Role.LEAD, state=Assignment.State.ACTIVE
    )
    assert lead.unit == world.department and lead.signed_at == main.signed_at


def test_a_dispatched_follower_moves_to_the_main_case_unit(world):
    main = lamp_case(world, 1, state="dispatched")
    follower = lamp_case(world, 2)
    follower = services.case_dispatch(
        actor=world.dispatcher, case=follower, lead_unit=world.other_department
    )
    merge_cases(actor=world.dispatcher, main=main, others=[follower], note="")
    follower = reload(follower)
    assert follower.lead_unit == world.department
    assert Assignment.objects.get(case=follower, unit=world.other_department).state == "replaced"


def test_followers_follow_dispatch_sign_contact_and_extension(world):
    main = lamp_case(world, 1)
    followers = [lamp_case(world, 2), lamp_case(world, 3)]
    merge_cases(actor=world.dispatcher, main=main, others=followers, note="")

    services.case_dispatch(actor=world.dispatcher, case=main, lead_unit=world.department)
    for f in followers:
        f = reload(f)
        assert f.status == Status.DISPATCHED and f.lead_unit == world.department
        assert f.handle_due_at == reload(main).handle_due_at
        assert CaseEvent.objects.filter(case=f, action="merge_follow").exists()

    services.case_sign(actor=world.handler, case=main)
    services.case_contact(actor=world.handler, case=main, note="已联系")
    assert {reload(f).status for f in followers} == {Status.IN_PROGRESS}
    assert reload(followers[0]).contacted_at == reload(main).contacted_at

    request = services.extension_request_create(
        actor=world.handler,
        case=main,
        reason="需要更换电缆",
        extra_working_days=5,
        resident_informed=True,
    )
    services.extension_request_decide(
        actor=world.dispatcher, extension_request=request, approve=True
    )
    main = reload(main)
    for f in followers:
        assert reload(f).handle_due_at == main.handle_due_at


def test_followers_follow_a_redispatch(world):
    main = lamp_case(world, 1, state="dispatched")
    follower = lamp_case(world, 2)
    merge_cases(actor=world.dispatcher, main=main, others=[follower], note="")
    services.case_redispatch(
        actor=world.dispatcher, case=main, lead_unit=world.other_department, note="派错了"
    )
    follower = reload(follower)
    assert follower.lead_unit == world.other_department
    active = Assignment.objects.get(
        case=follower, role=Assignment.Role.LEAD, state=Assignment.State.ACTIVE
    )
    assert active.unit == world.other_department


def test_every_reporter_gets_the_reply_and_is_revisited_on_their_own(
    world, django_capture_on_commit_callbacks
):
    main = lamp_case(world, 1, state="in_progress")
    followers = [lamp_case(world, 2), lamp_case(world, 3)]
    merge_cases(actor=world.dispatcher, main=main, others=followers, note="")
    services.case_reply(
        actor=world.handler, case=main, text="路灯已修复。", result=Reply.Result.RESOLVED
    )
    main = reload(main)
    for f in followers:
        f = reload(f)
        assert f.status == Status.REPLIED
        assert f.replies.get().text == "路灯已修复。"
        revisit = f.revisits.get()
        assert revisit.state == Revisit.State.PENDING and revisit.unit == world.department
        assert f.revisit_due_at == main.revisit_due_at
        # The reporter hears of the reply on their own case.
        assert Notification.objects.filter(user=f.reporter, kind="reply").exists()

    # The main reporter is satisfied: only the main case closes.
    services.revisit_record(
        actor=world.operator,
        case=main,
        contacted=True,
        resolved=True,
        satisfaction=Revisit.Satisfaction.SATISFIED,
    )
    assert reload(main).status == Status.CLOSED
    assert {reload(f).status for f in followers} == {Status.REPLIED}
    # Each other reporter answers for themselves.
    services.revisit_record(
        actor=world.operator,
        case=followers[0],
        contacted=True,
        resolved=False,
        satisfaction=Revisit.Satisfaction.DISSATISFIED,
    )
    first = reload(followers[0])
    assert first.status == Status.CLOSED
    assert first.revisits.get().satisfaction == Revisit.Satisfaction.DISSATISFIED
    assert reload(followers[1]).status == Status.REPLIED


def test_followers_follow_a_reopen_and_are_asked_once_about_the_new_reply(world):
    main = lamp_case(world, 1, state="in_progress")
    follower = lamp_case(world, 2)
    merge_cases(actor=world.dispatcher, main=main, others=[follower], note="")
    services.case_reply(actor=world.handler, case=main, text="已修复。", result="resolved")
    services.revisit_record(
        actor=world.operator,
        case=main,
        contacted=True,
        resolved=False,
        satisfaction=Revisit.Satisfaction.DISSATISFIED,
        reopen=True,
    )
    main, follower = reload(main), reload(follower)
    assert main.status == Status.DISPATCHED
    assert follower.status == Status.DISPATCHED
    assert follower.handle_due_at == main.handle_due_at and follower.revisit_due_at is None
    services.case_sign(actor=world.handler, case=main)
    services.case_contact(actor=world.handler, case=main)
    services.case_reply(actor=world.handler, case=main, text="已更换灯杆。", result="resolved")
    follower = reload(follower)
    assert follower.status == Status.REPLIED
    assert [r.text for r in follower.replies.order_by("created_at", "id")] == [
        "已修复。",
        "已更换灯杆。",
    ]
    pending = follower.revisits.get(state=Revisit.State.PENDING)
    assert pending.due_at == follower.revisit_due_at


def test_a_follower_closes_with_a_main_case_settled_at_intake(world):
    main, follower = lamp_case(world, 1), lamp_case(world, 2)
    merge_cases(actor=world.dispatcher, main=main, others=[follower], note="")
    services.case_close_without_dispatch(
        actor=world.dispatcher, case=main, outcome="answered_on_spot", note="已当场解答"
    )
    follower = reload(follower)
    assert follower.status == Status.CLOSED and follower.outcome == "answered_on_spot"


def test_a_merged_case_is_not_handled_on_its_own(world):
    main = lamp_case(world, 1, state="dispatched")
    follower = lamp_case(world, 2)
    merge_cases(actor=world.dispatcher, main=main, others=[follower], note="")
    with pytest.raises(IllegalTransition) as e:
        services.case_sign(actor=world.handler, case=follower)
    assert e.value.extra["merged_into"] == main.number
    assert reload(follower).status == Status.DISPATCHED  # rolled back
    with pytest.raises(IllegalTransition):
        services.case_redispatch(
            actor=world.dispatcher, case=follower, lead_unit=world.other_department, note="x"
        )


def test_a_follower_reopened_by_its_own_reporter_leaves_the_group(world):
    main = lamp_case(world, 1, state="in_progress")
    follower = lamp_case(world, 2)
    merge_cases(actor=world.dispatcher, main=main, others=[follower], note="")
    services.case_reply(actor=world.handler, case=main, text="已修复。", result="resolved")
    services.revisit_record(
        actor=world.operator,
        case=follower,
        contacted=True,
        resolved=False,
        satisfaction=Revisit.Satisfaction.DISSATISFIED,
        reopen=True,
    )
    follower = reload(follower)
    assert follower.merged_into is None
    assert follower.status == Status.DISPATCHED
    assert CaseEvent.objects.filter(case=follower, action="unmerge").exists()
    assert reload(main).status == Status.REPLIED


# --- inboxes and the sweep -------------------------------------------------------------------


def test_merged_cases_leave_the_unit_inbox_and_return_on_undo(world):
    main = lamp_case(world, 1, state="dispatched")
    follower = lamp_case(world, 2, state="dispatched")
    inbox = case_selectors.inbox_for_units([world.department.id])
    assert {main.pk, follower.pk} <= set(inbox.values_list("pk", flat=True))
    merge_cases(actor=world.dispatcher, main=main, others=[follower], note="")
    pks = set(case_selectors.inbox_for_units([world.department.id]).values_list("pk", flat=True))
    assert main.pk in pks and follower.pk not in pks
    assert follower.pk not in set(case_selectors.queue_overdue().values_list("pk", flat=True))
    unmerge_cases(actor=world.dispatcher, main=main, note="不是同一问题")
    pks = set(case_selectors.inbox_for_units([world.department.id]).values_list("pk", flat=True))
    assert follower.pk in pks


def test_merged_received_cases_leave_the_undispatched_queue(world):
    main, follower = lamp_case(world, 1), lamp_case(world, 2)
    merge_cases(actor=world.dispatcher, main=main, others=[follower], note="")
    queue = set(case_selectors.queue_undispatched().values_list("pk", flat=True))
    assert main.pk in queue and follower.pk not in queue


def test_the_sweep_watches_the_main_case_only(world):
    main = lamp_case(world, 1, state="in_progress")
    follower = lamp_case(world, 2)
    merge_cases(actor=world.dispatcher, main=main, others=[follower], note="")
    with time_machine.travel(reload(main).handle_due_at + dt.timedelta(days=10), tick=False):
        counts = sweep()
    assert counts["handle_overdue"] == 1
    assert CaseEvent.objects.filter(case=main, action="overdue").exists()
    assert not CaseEvent.objects.filter(case=follower, action__in=["overdue", "escalated"]).exists()
    assert not follower.supervision_orders.exists()


# --- undo ------------------------------------------------------------------------------------


def test_undo_releases_the_named_cases_keeping_the_main_case_state(world):
    main = lamp_case(world, 1, state="signed")
    a, b = lamp_case(world, 2), lamp_case(world, 3)
    merge_cases(actor=world.dispatcher, main=main, others=[a, b], note="")
    released = unmerge_cases(actor=world.dispatcher, main=main, cases=[a], note="另一处路灯")
    assert [c.pk for c in released] == [a.pk]
    a, b = reload(a), reload(b)
    assert a.merged_into is None and a.status == Status.SIGNED
    assert a.lead_unit == world.department and a.handle_due_at == reload(main).handle_due_at
    assert b.merged_into_id == main.pk
    event = CaseEvent.objects.get(case=a, action="unmerge")
    assert event.actor == world.dispatcher and event.note == "另一处路灯"
    assert CaseEvent.objects.get(case=main, action="unmerge").data["cases"] == [a.number]
    # A released case is handled on its own again.
    services.case_contact(actor=world.handler, case=a)
    assert reload(a).status == Status.IN_PROGRESS and reload(main).status == Status.SIGNED


def test_undo_of_a_received_group_leaves_cases_received(world):
    main, follower = lamp_case(world, 1), lamp_case(world, 2)
    merge_cases(actor=world.dispatcher, main=main, others=[follower], note="")
    unmerge_cases(actor=world.dispatcher, main=main, note="")
    follower = reload(follower)
    assert follower.merged_into is None and follower.status == Status.RECEIVED
    services.case_dispatch(actor=world.dispatcher, case=follower, lead_unit=world.department)


def test_undo_refuses_a_case_not_in_the_group_and_non_dispatchers(world):
    main, follower, stranger = lamp_case(world, 1), lamp_case(world, 2), lamp_case(world, 3)
    merge_cases(actor=world.dispatcher, main=main, others=[follower], note="")
    with pytest.raises(DomainValidationError) as e:
        unmerge_cases(actor=world.dispatcher, main=main, cases=[stranger], note="")
    assert stranger.number in fields_of(e.value)["cases"][0]
    with pytest.raises(NotAllowed):
        unmerge_cases(actor=world.operator, main=main, note="")
    with pytest.raises(DomainValidationError):
        unmerge_cases(actor=world.dispatcher, main=stranger, note="")


def test_other_cases_are_untouched_by_following(world):
    main = lamp_case(world, 1)
    bystander, _code = file_case(world)
    services.case_dispatch(actor=world.dispatcher, case=main, lead_unit=world.department)
    assert reload(bystander).status == Status.RECEIVED
    assert case_in(world, "dispatched").merged_into_id is None
