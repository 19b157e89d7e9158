"""三率, score, ranking and freezing, checked against hand-computed numbers."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from assessment.models import AssessmentPolicy, AssessmentRun, UnitScore
from assessment.services import assessment_compute, assessment_publish, rank_group
from cases import services
from cases.models import Reply, Revisit
from civic.errors import ConflictError, PermissionDeniedError
from tests.cases.factories import file_case, world  # noqa: F401

MARCH = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)  # Tuesday 10:00 Beijing


def _handled(w, *, late_contact=False):
    """Dispatched to the department, signed, contacted (in time or late), replied."""
    case, _code = file_case(w)
    case = services.case_dispatch(actor=w.dispatcher, case=case, lead_unit=w.department)
    case = services.case_sign(actor=w.handler, case=case)
    if late_contact:
        with time_machine.travel(case.contact_due_at + dt.timedelta(hours=1)):
            case = services.case_contact(actor=w.handler, case=case)
    else:
        case = services.case_contact(actor=w.handler, case=case)
    services.case_reply(actor=w.handler, case=case, text="已处理。", result=Reply.Result.RESOLVED)
    case.refresh_from_db()
    return case


def _revisit(w, case, *, resolved, satisfaction, reopen=False):
    services.revisit_record(
        actor=w.operator,
        case=case,
        contacted=True,
        resolved=resolved,
        satisfaction=satisfaction,
        method=Revisit.Method.PHONE,
        reopen=reopen,
    )
    case.refresh_from_db()
    return case


@pytest.fixture
def policy(db):
    return AssessmentPolicy.objects.create(effective_from=dt.date(2026, 1, 1), min_cases=1)


def _score(run, unit):
    return UnitScore.objects.get(run=run, unit=unit)


def test_rates_and_score_match_hand_computation(world, policy):  # noqa: F811
    w = world
    with time_machine.travel(MARCH, tick=False):
        a = _handled(w)
        _revisit(w, a, resolved=True, satisfaction=Revisit.Satisfaction.SATISFIED)
        b = _handled(w)
        _revisit(w, b, resolved=False, satisfaction=Revisit.Satisfaction.BASICALLY)
        c = _handled(w, late_contact=True)
        _revisit(w, c, resolved=True, satisfaction=Revisit.Satisfaction.DISSATISFIED)
        _handled(w)  # replied, not yet revisited
        exempt = _handled(w)
        services.case_set_assessable(
            actor=w.dispatcher, case=exempt, assessable=False, reason="诉求不合理"
        )
        # Extension approved: response still judged against the contact deadline.
        ext = _handled(w)
        run = assessment_compute(month="2026-03", actor=w.dispatcher)
    s = _score(run, w.department)
    assert (s.cases, s.exempt, s.responded) == (5, 1, 4)
    assert (s.revisited, s.resolved, s.satisfied, s.basically, s.dissatisfied) == (3, 2, 1, 1, 1)
    assert s.response_rate == Decimal("0.8000")
    assert s.resolution_rate == Decimal("0.6667")
    # (1 + 0.5 × 1) / 3
    assert s.satisfaction_rate == Decimal("0.5000")
    # 0.1×0.8 + 0.45×0.6667 + 0.45×0.5 = 0.605015 → 60.50
    assert s.score == Decimal("60.50")
    assert ext.assessable


def test_basically_satisfied_credit_follows_policy(world, policy):  # noqa: F811
    policy.basically_credit = Decimal("0.6")
    policy.save()
    w = world
    with time_machine.travel(MARCH, tick=False):
        _revisit(w, _handled(w), resolved=True, satisfaction=Revisit.Satisfaction.BASICALLY)
        run = assessment_compute(month="2026-03", actor=w.dispatcher)
    assert _score(run, w.department).satisfaction_rate == Decimal("0.6000")


def test_reopened_case_uses_latest_answered_revisit(world, policy):  # noqa: F811
    w = world
    with time_machine.travel(MARCH, tick=False):
        case = _handled(w)
        case = _revisit(
            w, case, resolved=False, satisfaction=Revisit.Satisfaction.DISSATISFIED, reopen=True
        )
    with time_machine.travel(MARCH + dt.timedelta(days=2), tick=False):
        case = services.case_sign(actor=w.handler, case=case)
        case = services.case_contact(actor=w.handler, case=case)
        services.case_reply(
            actor=w.handler, case=case, text="再次处理。", result=Reply.Result.RESOLVED
        )
        case.refresh_from_db()
        _revisit(w, case, resolved=True, satisfaction=Revisit.Satisfaction.SATISFIED)
        run = assessment_compute(month="2026-03", actor=w.dispatcher)
    s = _score(run, w.department)
    assert (s.cases, s.revisited, s.resolved, s.satisfied, s.dissatisfied) == (1, 1, 1, 1, 0)


def test_zero_case_units_are_listed_as_too_few(world, policy):  # noqa: F811
    w = world
    with time_machine.travel(MARCH, tick=False):
        run = assessment_compute(month="2026-03", actor=w.dispatcher)
    s = _score(run, w.other_department)
    assert s.cases == 0 and s.response_rate is None and s.score is None
    assert not s.ranked and s.rank is None and s.board == ""


def _row(name, score, cases=10):
    from civic.models import Unit

    return UnitScore(unit=Unit(name=name), cases=cases, score=Decimal(score))


def test_ties_share_a_rank_and_the_board_edge_takes_all_tied():
    policy = AssessmentPolicy(board_size=2, min_cases=5)
    rows = [
        _row("a", 90),
        _row("b", 80),
        _row("c", 80),
        _row("d", 70),
        _row("e", 60),
        _row("f", 50),
        _row("g", 99, cases=4),
    ]
    rank_group(rows, policy)
    got = {r.unit.name: (r.rank, r.board) for r in rows}
    assert got == {
        "a": (1, "red"),
        "b": (2, "red"),
        "c": (2, "red"),
        "d": (4, ""),
        "e": (5, "black"),
        "f": (6, "black"),
        "g": (None, ""),  # too few cases: listed, not ranked
    }


def test_small_group_never_puts_a_unit_on_both_boards():
    policy = AssessmentPolicy(board_size=10, min_cases=1)
    rows = [_row("a", 80), _row("b", 80), _row("c", 70)]
    rank_group(rows, policy)
    boards = {r.unit.name: r.board for r in rows}
    # N shrinks to 1 (half of 3); a and b tie for first and are both red; c is black.
    assert boards == {"a": "red", "b": "red", "c": "black"}


def test_published_month_is_frozen_and_recompute_makes_a_new_revision(world, policy):  # noqa: F811
    w = world
    with time_machine.travel(MARCH, tick=False):
        _revisit(w, _handled(w), resolved=True, satisfaction=Revisit.Satisfaction.SATISFIED)
        first = assessment_compute(month="2026-03", actor=w.dispatcher)
        assessment_publish(run=first, actor=w.dispatcher)
        frozen = list(first.scores.values_list("unit_id", "cases", "score"))
        _handled(w, late_contact=True)
        second = assessment_compute(month="2026-03", actor=w.dispatcher)
    assert (second.revision, second.status) == (2, AssessmentRun.Status.DRAFT)
    assert list(first.scores.values_list("unit_id", "cases", "score")) == frozen
    assert _score(second, w.department).cases == 2
    with pytest.raises(ConflictError):
        assessment_publish(run=first, actor=w.dispatcher)


def test_only_dispatchers_compute_and_publish(world, policy):  # noqa: F811
    with pytest.raises(PermissionDeniedError):
        assessment_compute(month="2026-03", actor=world.handler)


def test_assess_command_creates_a_draft(world, policy):  # noqa: F811
    with time_machine.travel(MARCH, tick=False):
        _handled(world)
    call_command("assess", "--month", "2026-03")
    run = AssessmentRun.objects.get()
    assert run.status == "draft" and _score(run, world.department).cases == 1
