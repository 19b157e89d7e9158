"""The deadline sweep: warning, overdue, supervision, escalation, revisit expiry — each once."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from cases.models import Case, CaseEvent, DeadlineEffect, Status, SupervisionOrder
from cases.sweep import sweep
from civic import calendar
from civic.models import Notification
from tests.cases.factories import case_in

pytestmark = pytest.mark.django_db
START = dt.datetime(2025, 9, 29, 2, 0, tzinfo=dt.UTC)  # Mon 29 Sep 2025 10:00 Beijing


def notices(user, kind):
    return Notification.objects.filter(user=user, kind=kind).count()


def test_warning_then_overdue_then_escalation_across_national_day(world, working_calendar):
    with time_machine.travel(START, tick=False) as t:
        case = case_in(world, "in_progress")
        due = case.handle_due_at
        # 7 working days from Mon 29 Sep: 30 Sep, 9, 10, 11 (Sat, worked), 13, 14, 15 Oct.
        assert timezone.localtime(due).date() == dt.date(2025, 10, 15)
        t.move_to(START + (due - START) * 0.5)
        assert sweep().get("handle_warning") is None
        t.move_to(START + (due - START) * 0.8)
        assert sweep()["handle_warning"] == 1
        assert sweep().get("handle_warning") is None  # once
        assert notices(world.handler, "deadline_warning") == 1
        t.move_to(due + dt.timedelta(minutes=1))
        counts = sweep()
        assert counts["handle_overdue"] == 1
        case.refresh_from_db()
        assert case.is_overdue
        assert (
            SupervisionOrder.objects.filter(case=case, reason="overdue", deadline="handle").count()
            == 1
        )
        assert notices(world.dispatcher, "overdue") >= 1
        assert sweep().get("handle_overdue") is None
        # Escalation: 3 working days past the deadline (16, 17, 20 Oct).
        t.move_to(due + dt.timedelta(days=2))
        assert sweep().get("escalated") is None
        t.move_to(calendar.add_working_days(due, 3) + dt.timedelta(minutes=1))
        assert sweep()["escalated"] == 1
        assert sweep().get("escalated") is None
    assert SupervisionOrder.objects.filter(case=case, reason="escalated").count() == 1
    assert CaseEvent.objects.filter(case=case, action="escalated").count() == 1
    assert notices(world.dispatcher, "escalated") == 1


def test_unsigned_case_is_flagged_on_its_sign_deadline(world, working_calendar):
    with time_machine.travel(START, tick=False) as t:
        case = case_in(world, "dispatched")
        t.move_to(case.sign_due_at + dt.timedelta(minutes=1))
        counts = sweep()
    assert counts["sign_overdue"] == 1
    assert SupervisionOrder.objects.filter(case=case, deadline="sign").count() == 1
    case.refresh_from_db()
    assert not case.is_overdue  # the case is overdue only when its handling deadline passes


def test_approved_extension_moves_the_deadline_and_is_watched_afresh(world, working_calendar):
    from cases import services

    with time_machine.travel(START, tick=False) as t:
        case = case_in(world, "in_progress")
        t.move_to(case.handle_due_at + dt.timedelta(minutes=1))
        sweep()
        request = services.extension_request_create(
            actor=world.handler,
            case=case,
            reason="施工",
            extra_working_days=3,
            resident_informed=True,
        )
        services.extension_request_decide(
            actor=world.dispatcher, extension_request=request, approve=True
        )
        case.refresh_from_db()
        assert not case.is_overdue
        t.move_to(case.handle_due_at + dt.timedelta(minutes=1))
        assert sweep()["handle_overdue"] == 1
    assert (
        DeadlineEffect.objects.filter(case=case, effect="overdue", deadline="handle").count() == 2
    )


def test_revisit_window_expires_as_not_reached(world, working_calendar):
    with time_machine.travel(START, tick=False) as t:
        case = case_in(world, "replied")
        t.move_to(case.revisit_due_at - dt.timedelta(minutes=1))
        assert sweep().get("revisit_not_reached") is None
        t.move_to(case.revisit_due_at + dt.timedelta(minutes=1))
        assert sweep()["revisit_not_reached"] == 1
        assert sweep().get("revisit_not_reached") is None
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.outcome == "not_reached"


def test_closed_and_replied_cases_are_left_alone(world):
    closed = case_in(world, "closed")
    with time_machine.travel(timezone.now() + dt.timedelta(days=60), tick=False):
        sweep()
    assert not DeadlineEffect.objects.filter(case=closed).exists()


def test_sweep_command(world, capsys):
    case_in(world, "dispatched")
    with time_machine.travel(timezone.now() + dt.timedelta(days=30), tick=False):
        call_command("sweep_deadlines")
    assert "handle_overdue 1" in capsys.readouterr().out


def test_dispatch_and_reply_notify_unit_and_resident(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case_in(world, "replied")
    assert notices(world.handler, "dispatched") == 1
    assert notices(world.resident, "reply") == 1


def test_notices_page(client, world):
    case_in(world, "dispatched")
    client.force_login(world.handler)
    page = client.get("/notifications/")
    import re

    assert page.status_code == 200, re.findall(r"data-unread=\"\d+\"", page.content.decode())
    assert re.findall(r"data-unread=\"(\d+)\"", page.content.decode()) == ["1"]
    client.post("/notifications/")
    assert Notification.objects.filter(user=world.handler, read_at__isnull=True).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_sweeps_produce_each_effect_once(world):
    cases = [case_in(world, "dispatched") for _ in range(6)]
    later = timezone.now() + dt.timedelta(days=30)
    results = []

    def run():
        try:
            with time_machine.travel(later, tick=False):
                results.append(sweep())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # SKIP LOCKED: a sweep leaves rows another sweep holds to the next run, so one more run
    # (the next minute's) completes the work; nothing may be done twice or lost.
    with time_machine.travel(later, tick=False):
        results.append(sweep())
    assert sum(r.get("handle_overdue", 0) for r in results) == 6
    assert sum(r.get("contact_overdue", 0) for r in results) == 6
    assert sum(r.get("sign_overdue", 0) for r in results) == 6
    assert SupervisionOrder.objects.filter(reason="overdue", deadline="handle").count() == 6
    assert CaseEvent.objects.filter(action="overdue", data__deadline="handle").count() == 6
    # Sign, contact and handling deadlines all passed: each case is in exactly one digest
    # notice per deadline, however the overlapping sweeps split the batches.
    notes = list(
        Notification.objects.filter(user=world.handler, kind="overdue").values_list(
            "body", flat=True
        )
    )
    for case in cases:
        assert sum(case.number in body.split("\n") for body in notes) == 3
    assert all(Case.objects.get(pk=c.pk).is_overdue for c in cases)
