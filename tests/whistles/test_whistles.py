"""Whistle and report (吹哨报到): reports on time, late and missed; resident whistles; closing."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases.models import CaseEvent, Revisit, Status
from cases.services import revisit_record
from civic.errors import ConflictError, DomainValidationError, PermissionDeniedError
from civic.models import Notification
from tests.cases.factories import case_in
from whistles import services as whistles
from whistles.models import ResidentWhistleRequest, Whistle, WhistleSummons
from whistles.selectors import unit_report_timeliness

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def blow(world, case=None, units=None, **kw):
    return whistles.whistle_blow(
        actor=world.street_official,
        units=units or [world.department, world.other_department],
        reason="多福巷路面塌陷，需要城管、交通到场",
        place="多福巷12号",
        case=case,
        **kw,
    )


def report(world, whistle, actor=None):
    return whistles.whistle_report(
        actor=actor or world.handler,
        whistle=whistle,
        reporters="李四、王五",
        committed_action="今天下午围挡并修补路面",
    )


def test_blowing_summons_each_unit_and_notifies_it(world):
    with time_machine.travel(T0, tick=False):
        w = blow(world)
    assert w.report_due_at == T0 + dt.timedelta(minutes=30)
    assert set(w.summonses.values_list("unit_id", flat=True)) == {
        world.department.pk,
        world.other_department.pk,
    }
    assert Notification.objects.filter(user=world.handler, kind="whistle").count() == 1
    assert Notification.objects.filter(user=world.other_handler, kind="whistle").count() == 1


def test_report_deadline_is_configurable_per_whistle(world):
    with time_machine.travel(T0, tick=False):
        w = blow(world, report_minutes=90)
    assert w.report_due_at == T0 + dt.timedelta(minutes=90)


def test_report_before_deadline_is_on_time(world):
    with time_machine.travel(T0, tick=False):
        w = blow(world)
    with time_machine.travel(T0 + dt.timedelta(minutes=29), tick=False):
        s = report(world, w)
    assert s.state == WhistleSummons.State.ON_TIME
    assert s.reporters == "李四、王五"
    assert w.log.filter(kind="report", unit=world.department).exists()


def test_report_after_deadline_is_late_and_street_is_told(world):
    with time_machine.travel(T0, tick=False):
        w = blow(world)
    with time_machine.travel(T0 + dt.timedelta(minutes=31), tick=False):
        s = report(world, w)
    assert s.state == WhistleSummons.State.LATE
    for told in (world.street_official, world.dispatcher):
        assert Notification.objects.filter(
            user=told, dedupe_key=f"whistle:{w.pk}:late:{world.department.pk}"
        ).exists()


def test_no_report_by_deadline_is_missed_once_and_street_and_dispatcher_told(world):
    with time_machine.travel(T0, tick=False):
        w = blow(world)
    with time_machine.travel(T0 + dt.timedelta(minutes=29), tick=False):
        assert whistles.whistle_sweep()["missed"] == 0
        report(world, w)
    with time_machine.travel(T0 + dt.timedelta(minutes=31), tick=False):
        assert whistles.whistle_sweep()["missed"] == 1
        assert whistles.whistle_sweep()["missed"] == 0  # idempotent
    missed = w.summonses.get(unit=world.other_department)
    assert missed.state == WhistleSummons.State.MISSED
    assert w.summonses.get(unit=world.department).state == WhistleSummons.State.ON_TIME
    key = f"whistle:{w.pk}:missed:{world.other_department.pk}"
    assert Notification.objects.filter(user=world.street_official, dedupe_key=key).count() == 1
    assert Notification.objects.filter(user=world.dispatcher, dedupe_key=key).count() == 1


def test_a_missed_unit_reporting_afterwards_counts_late(world):
    with time_machine.travel(T0, tick=False):
        w = blow(world)
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        whistles.whistle_sweep()
        s = report(world, w)
    assert s.state == WhistleSummons.State.LATE


def test_a_unit_reports_once(world):
    w = blow(world)
    report(world, w)
    with pytest.raises(ConflictError):
        report(world, w)


def test_only_summoned_units_report(world):
    w = blow(world, units=[world.department])
    with pytest.raises(PermissionDeniedError):
        report(world, w, actor=world.other_handler)


def test_only_street_officials_blow(world):
    with pytest.raises(PermissionDeniedError):
        whistles.whistle_blow(actor=world.handler, units=[world.department], reason="x", place="y")


def test_blow_needs_reason_place_and_units(world):
    with pytest.raises(DomainValidationError) as err:
        whistles.whistle_blow(actor=world.street_official, units=[], reason="", place="")
    assert set(err.value.extra) == {"reason", "place", "units"}


def test_closing_a_whistle_leaves_the_case_open(world):
    case = case_in(world, "in_progress")
    w = blow(world, case=case)
    assert CaseEvent.objects.filter(case=case, action="whistle_blown").exists()
    whistles.whistle_log_add(actor=world.handler, whistle=w, text="已到场围挡")
    closed = whistles.whistle_close(actor=world.street_official, whistle=w, outcome="已修复")
    assert closed.status == Whistle.Status.CLOSED
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert CaseEvent.objects.filter(case=case, action="whistle_closed").exists()
    with pytest.raises(ConflictError):
        whistles.whistle_close(actor=world.street_official, whistle=w, outcome="again")


def test_only_the_street_closes(world):
    w = blow(world)
    with pytest.raises(PermissionDeniedError):
        whistles.whistle_close(actor=world.dispatcher, whistle=w, outcome="x")


def _unresolved_case(world):
    case = case_in(world, "replied")
    revisit_record(
        actor=world.operator,
        case=case,
        contacted=True,
        resolved=False,
        satisfaction=Revisit.Satisfaction.DISSATISFIED,
        method=Revisit.Method.PHONE,
    )
    case.refresh_from_db()
    return case


def test_resident_whistle_accepted_becomes_a_whistle_on_the_case(world):
    case = _unresolved_case(world)
    req = whistles.resident_whistle_request(actor=world.resident, case=case, reason="还是没修好")
    assert req.street == world.street_unit
    w = whistles.resident_whistle_accept(
        actor=world.street_official, request=req, units=[world.department]
    )
    req.refresh_from_db()
    assert req.state == ResidentWhistleRequest.State.ACCEPTED
    assert req.whistle == w and w.case == case
    assert Notification.objects.filter(user=world.resident, kind="whistle").exists()


def test_resident_whistle_declined_with_reason(world):
    case = _unresolved_case(world)
    req = whistles.resident_whistle_request(actor=world.resident, case=case, reason="还是没修好")
    with pytest.raises(DomainValidationError):
        whistles.resident_whistle_decline(actor=world.street_official, request=req, reason="")
    whistles.resident_whistle_decline(
        actor=world.street_official, request=req, reason="已安排复查，无需吹哨"
    )
    req.refresh_from_db()
    assert req.state == ResidentWhistleRequest.State.DECLINED
    assert req.decline_reason == "已安排复查，无需吹哨"
    with pytest.raises(ConflictError):
        whistles.resident_whistle_decline(actor=world.street_official, request=req, reason="x")


def test_resident_cannot_whistle_on_a_case_still_in_time(world):
    case = case_in(world, "in_progress")
    with pytest.raises(ConflictError):
        whistles.resident_whistle_request(actor=world.resident, case=case, reason="快点")


def test_resident_cannot_whistle_on_someone_elses_case(world):
    case = _unresolved_case(world)
    with pytest.raises(PermissionDeniedError):
        whistles.resident_whistle_request(actor=world.other_resident, case=case, reason="x")


def test_other_street_cannot_decide_resident_request(world):
    from civic.models import Membership, Unit
    from tests.factories import member

    case = _unresolved_case(world)
    req = whistles.resident_whistle_request(actor=world.resident, case=case, reason="没修好")
    other_street = Unit.objects.get(name="景山街道办事处")
    stranger = member(Membership.Role.STREET_OFFICIAL, other_street, username="jingshan")
    with pytest.raises(PermissionDeniedError):
        whistles.resident_whistle_decline(actor=stranger, request=req, reason="no")


def test_unit_report_timeliness_counts_and_median(world):
    for minutes in (10, 20, 40):
        with time_machine.travel(T0, tick=False):
            w = blow(world)
        with time_machine.travel(T0 + dt.timedelta(minutes=minutes), tick=False):
            report(world, w)
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        whistles.whistle_sweep()
    start, end = T0 - dt.timedelta(days=1), T0 + dt.timedelta(days=1)
    got = unit_report_timeliness([world.department.pk, world.other_department.pk], start, end)
    dep = got[world.department.pk]
    assert (dep["summoned"], dep["on_time"], dep["late"], dep["missed"]) == (3, 2, 1, 0)
    assert dep["median_minutes"] == pytest.approx(20.0, abs=0.1)
    other = got[world.other_department.pk]
    assert (other["summoned"], other["missed"], other["median_minutes"]) == (3, 3, None)
    assert timezone.now()  # sanity


def test_the_periodic_task_marks_misses(world):
    from whistles.tasks import sweep_whistles

    with time_machine.travel(T0, tick=False):
        blow(world)
    with time_machine.travel(T0 + dt.timedelta(minutes=31), tick=False):
        assert sweep_whistles() == {"missed": 2}
        assert sweep_whistles() == {"missed": 0}
