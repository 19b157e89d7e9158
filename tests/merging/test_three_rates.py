"""How merged cases count in the 三率, computed by the assessment service itself: each merged
case counts as one case of the unit, with the main case's response (its contact time and
deadline are the main case's) and its own reporter's revisit answer (resolved, satisfied)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from assessment.models import UnitScore
from assessment.services import assessment_compute
from cases import services
from cases.models import Reply, Revisit
from merging.services import merge_cases

from .helpers import lamp_case

pytestmark = pytest.mark.django_db
MID_MONTH = dt.datetime(2025, 9, 10, 2, 0, tzinfo=dt.UTC)  # Wed 10 Sep 2025 10:00 Beijing


def revisit(world, case, *, resolved, satisfaction):
    services.revisit_record(
        actor=world.operator,
        case=case,
        contacted=True,
        resolved=resolved,
        satisfaction=satisfaction,
        method=Revisit.Method.PHONE,
    )


def test_every_reporter_of_a_merged_group_counts_in_the_three_rates(world):
    with time_machine.travel(MID_MONTH, tick=True):
        main = lamp_case(world, 1, state="in_progress")  # contacted within its deadline
        followers = [lamp_case(world, n) for n in (2, 3, 4)]
        merge_cases(actor=world.dispatcher, main=main, others=followers, note="同一盏路灯")
        services.case_reply(
            actor=world.handler, case=main, text="路灯已修复。", result=Reply.Result.RESOLVED
        )
        revisit(world, main, resolved=True, satisfaction=Revisit.Satisfaction.SATISFIED)
        revisit(world, followers[0], resolved=True, satisfaction=Revisit.Satisfaction.SATISFIED)
        revisit(world, followers[1], resolved=True, satisfaction=Revisit.Satisfaction.BASICALLY)
        revisit(world, followers[2], resolved=False, satisfaction=Revisit.Satisfaction.DISSATISFIED)
        run = assessment_compute(month="2025-09", actor=world.dispatcher)

    score = UnitScore.objects.get(run=run, unit=world.department)
    # Four reporters, four cases of the unit — not one.
    assert score.cases == 4
    # Response: the main case's contact, carried by every merged case.
    assert score.responded == 4
    assert score.response_rate == Decimal("1.0000")
    # Resolution and satisfaction: each reporter's own answer at their own revisit.
    assert score.revisited == 4
    assert score.resolved == 3
    assert score.satisfied == 2 and score.basically == 1 and score.dissatisfied == 1
    assert score.resolution_rate == Decimal("0.7500")
    k = run.policy.basically_credit
    assert score.satisfaction_rate == ((2 + k) / Decimal(4)).quantize(Decimal("0.0001"))


def test_a_late_main_case_makes_every_merged_case_late(world):
    with time_machine.travel(MID_MONTH, tick=False) as t:
        main = lamp_case(world, 1, state="signed")
        follower = lamp_case(world, 2)
        merge_cases(actor=world.dispatcher, main=main, others=[follower], note="")
        main.refresh_from_db()
        t.move_to(main.contact_due_at + dt.timedelta(hours=1))
        services.case_contact(actor=world.handler, case=main)
        run = assessment_compute(month="2025-09", actor=world.dispatcher)
    score = UnitScore.objects.get(run=run, unit=world.department)
    assert score.cases == 2 and score.responded == 0
