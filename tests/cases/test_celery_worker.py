"""A real Celery worker on a real Redis broker, against the real (PostgreSQL) test database."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cases.models import Case, DeadlineEffect, SupervisionOrder
from civic import clock
from civic.celery import app
from civic.models import Notification
from tests.cases.factories import case_in
from tests.ops.servers import database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    # send_task goes to the real broker on purpose: the warning that eager mode skips it is expected
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]


def start_worker(name: str, broker: str | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civic.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker or os.environ["CELERY_BROKER_URL"],
        "CACHE_URL": "locmemcache://",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "civic",
            "worker",
            "--pool=solo",
            "-n",
            f"{name}@%h",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for(predicate, timeout=40.0) -> bool:
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> str:
    worker.send_signal(sig)
    try:
        out, _ = worker.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        out, _ = worker.communicate()
    return out.decode(errors="replace")


@pytest.fixture
def purge():
    app.control.purge()
    yield
    app.control.purge()


def _old_case(world) -> Case:
    with clock.override(clock.now() - dt.timedelta(days=30)):
        return case_in(world, "dispatched")


def test_worker_marks_overdue_and_notifies_exactly_once(world, purge):
    case = _old_case(world)
    worker = start_worker("w1")
    try:
        for _ in range(3):  # the sweep sent three times: effects still once
            app.send_task("cases.tasks.sweep_deadlines")
        assert wait_for(lambda: Case.objects.get(pk=case.pk).is_overdue)
        time.sleep(2)
    finally:
        log = stop(worker)
    assert (
        SupervisionOrder.objects.filter(case=case, reason="overdue", deadline="handle").count() == 1
    ), log
    assert (
        Notification.objects.filter(user=world.handler, kind="overdue").count() == 3
    )  # sign, contact, handle


def test_killed_worker_loses_and_duplicates_nothing(world, purge):
    cases = [_old_case(world) for _ in range(5)]
    worker = start_worker("victim")
    time.sleep(3)
    app.send_task("cases.tasks.sweep_deadlines")
    time.sleep(0.5)
    stop(worker, signal.SIGKILL)  # mid-task or right before it: acks_late keeps the message
    worker = start_worker("survivor")
    try:
        app.send_task("cases.tasks.sweep_deadlines")
        assert wait_for(
            lambda: all(Case.objects.get(pk=c.pk).is_overdue for c in cases), timeout=60
        )
        time.sleep(2)
    finally:
        stop(worker)
    for case in cases:
        assert (
            DeadlineEffect.objects.filter(case=case, deadline="handle", effect="overdue").count()
            == 1
        )
        assert (
            SupervisionOrder.objects.filter(case=case, reason="overdue", deadline="handle").count()
            == 1
        )
        assert SupervisionOrder.objects.filter(case=case, reason="escalated").count() == 1


def test_two_workers_with_overlapping_sweeps_produce_each_effect_once(world, purge):
    cases = [_old_case(world) for _ in range(8)]
    workers = [start_worker("a"), start_worker("b")]
    try:
        time.sleep(3)
        for _ in range(6):
            app.send_task("cases.tasks.sweep_deadlines")
        assert wait_for(
            lambda: all(Case.objects.get(pk=c.pk).is_overdue for c in cases), timeout=60
        )
        time.sleep(3)
    finally:
        for w in workers:
            stop(w)
    assert DeadlineEffect.objects.filter(effect="overdue").count() == 8 * 3
    assert SupervisionOrder.objects.filter(reason="overdue").count() == 8 * 3
    assert SupervisionOrder.objects.filter(reason="escalated").count() == 8


def test_intake_works_with_the_broker_down_and_the_sweep_catches_up(
    world, purge, settings, django_capture_on_commit_callbacks
):
    # Enqueueing after commit fails quietly when the broker is unreachable.
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    app.conf.task_always_eager = False
    app._pool = None
    try:
        with django_capture_on_commit_callbacks(execute=True):
            case = _old_case(world)  # dispatch notices try to enqueue their email: broker down
        assert Case.objects.filter(pk=case.pk).exists()
        pending = Notification.objects.filter(email_state="pending").count()
        assert pending >= 1
    finally:
        app.conf.broker_url = os.environ["CELERY_BROKER_URL"]
        app.conf.task_always_eager = True
        app._pool = None
    worker = start_worker("back")
    try:
        app.send_task("cases.tasks.sweep_deadlines")
        assert wait_for(lambda: Case.objects.get(pk=case.pk).is_overdue, timeout=60)
        # The sweep re-queued the notices whose email was stuck while the broker was down.
        assert wait_for(
            lambda: Notification.objects.filter(email_state="pending").count() == 0, timeout=60
        )
    finally:
        stop(worker)
