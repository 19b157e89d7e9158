"""Queues that cannot starve deadlines (issue 32): real Celery workers on a real Redis broker,
against the real (PostgreSQL) test database, routed by civic/celery_routes.py.

The long analytics task is the real monthly retraining of the dispatch router on the shipped
labelled messages (data/, 9,142 texts): minutes of CPU on the 2-core CI box, longer than either
test runs. Its model file appears only when it finishes, so "the file is not there yet" says it
is still running. Each sweep is sent as beat sends it (by name, through the routes) for a case
whose deadlines passed a month ago, and is done when the case is flagged overdue in the
database.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cases.models import Case, DeadlineEffect
from civic import clock
from civic.celery import app
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

SWEEP = "cases.tasks.sweep_deadlines"
RETRAIN = "routing.tasks.retrain_router"
# Beat sends the sweep every minute; a sweep started within this many seconds is on time.
PROMPT_SECONDS = 5.0


class Worker:
    """`celery worker` in its own session (so that it and anything it forks can be stopped
    together), logging to a file (a pipe nobody reads would fill and block it)."""

    def __init__(self, name: str, tmp: Path, queues: str | None):
        self.log = tmp / f"{name}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "civic.settings.test",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DATABASE_URL": database_url(),
            "CACHE_URL": "locmemcache://",
            # The retraining writes its model here, never into the repository's var/.
            "ROUTER_MODEL_PATH": str(tmp / "router" / "router.joblib"),
        }
        command = [
            sys.executable, "-m", "celery", "-A", "civic", "worker", "--pool=solo",
            "-n", f"{name}@%h", "--without-mingle", "--without-gossip", "-l", "INFO",
        ]  # fmt: skip
        if queues:
            command += ["-Q", queues]
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        assert wait_for(lambda: " ready." in self.text() or self.proc.poll() is not None, timeout)
        assert self.proc.poll() is None, self.text()[-3000:]

    def stop(self) -> None:
        """Cold shutdown (SIGQUIT): the task in progress is abandoned (the solo pool cannot kill
        it, so it ends as failed and its message is acknowledged); nothing is left for a later
        worker. SIGKILL only if that does not end the process."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGQUIT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)


def wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return bool(predicate())


def waiting(queue: str) -> int:
    """Messages in `queue` that no worker has taken yet."""
    with app.connection_for_read() as conn:
        return conn.default_channel.queue_declare(queue=queue).message_count


def overdue_case(world) -> Case:
    """A dispatched case filed a month ago: its sign, contact and handle deadlines have passed."""
    with clock.override(clock.now() - dt.timedelta(days=30)):
        return case_in(world, "dispatched")


def flagged(case: Case) -> bool:
    return Case.objects.filter(pk=case.pk, is_overdue=True).exists()


@pytest.fixture
def purge():
    app.control.purge()
    yield
    app.control.purge()


@pytest.fixture
def workers(tmp_path, purge):
    started: list[Worker] = []

    def start(name: str, queues: str | None) -> Worker:
        worker = Worker(name, tmp_path, queues)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    app.control.purge()  # what the stopped workers left queued (the sweeps' notices, backlog)


def test_sweep_runs_on_time_while_the_analytics_worker_is_busy(world, workers, tmp_path):
    analytics = workers("analytics", "analytics")
    deadlines = workers("deadlines", "deadlines")
    analytics.wait_ready()
    deadlines.wait_ready()
    # Analytics work queued back to back, as the first night of a month queues it: the
    # retraining runs, the assessment, the reports and the hot topics wait behind it.
    backlog = [
        RETRAIN,
        "assessment.tasks.assess_previous_month",
        "reports.tasks.generate_monthly_reports",
        "themes.tasks.warm_hot_topics",
    ]
    for name in backlog:
        app.send_task(name)
    assert wait_for(lambda: waiting("analytics") == len(backlog) - 1, 30), analytics.text()
    model = tmp_path / "router" / "router.joblib"

    latencies = []
    for _round in range(5):
        case = overdue_case(world)
        sent = time.monotonic()
        app.send_task(SWEEP)
        assert wait_for(lambda case=case: flagged(case), 30), deadlines.text()[-3000:]
        latencies.append(time.monotonic() - sent)
        time.sleep(max(0.0, 2.0 - (time.monotonic() - sent)))  # beat's minute, shortened

    # Every sweep ran within seconds, and all the while the retraining was still running with
    # the rest of the analytics work queued behind it.
    assert not model.exists(), analytics.text()[-3000:]
    assert waiting("analytics") == len(backlog) - 1
    assert max(latencies) < PROMPT_SECONDS, latencies
    print(f"sweep latency with separate queues (s): {[round(s, 2) for s in latencies]}")


def test_control_one_worker_for_every_queue_makes_the_sweep_wait(world, workers, tmp_path):
    """Without the routing mattering (one worker, one task at a time, every queue) the sweep
    waits behind the analytics task: the layout of the first test is what keeps it on time."""
    single = workers("single", None)  # no -Q: every declared queue, as `make run` starts it
    single.wait_ready()
    app.send_task(RETRAIN)
    assert wait_for(lambda: waiting("analytics") == 0, 30), single.text()
    model = tmp_path / "router" / "router.joblib"

    case = overdue_case(world)
    sent = time.time()
    app.send_task(SWEEP)
    window = 3 * PROMPT_SECONDS
    wait_for(lambda: flagged(case), window)

    if flagged(case):  # a fast machine: the retraining ended within the window ...
        # ... and only then did the sweep run.
        swept = DeadlineEffect.objects.filter(case=case, effect="overdue").earliest("at").at
        assert model.exists()
        assert swept.timestamp() >= model.stat().st_mtime > sent
    else:
        assert not model.exists(), single.text()[-3000:]  # the retraining still runs
        assert waiting("deadlines") == 1  # the sweep, untouched for three times the limit
    print(f"control: sweep not run within {window:.0f} s behind the retraining")
