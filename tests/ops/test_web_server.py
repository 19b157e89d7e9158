"""civic as deployed: `gunicorn civic.wsgi --preload` (docs/operations.md).

With --preload the master imports civic once and forks its workers: whatever start-up opened
(a database connection, above all) would be shared by every worker, which corrupts the
protocol as soon as two of them use it at once. Start-up must therefore open nothing, and
concurrent intake through several preloaded workers must come out whole.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from cases.models import Case, CaseEvent
from tests.ops.servers import case_body, database_url, free_port, wait_until_listening

ROOT = Path(__file__).resolve().parents[2]


def test_start_up_opens_no_database_connection_and_no_cache():
    """What the master process holds after `import civic.wsgi`, before it forks."""
    probe = (
        "import civic.wsgi\n"
        "from django.core.cache import caches\n"
        "from django.db import connections\n"
        "print([c.alias for c in connections.all() if c.connection is not None],"
        " len(caches.all(initialized_only=True)))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "civic.settings.base", "LOG_LEVEL": "ERROR"}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "[] 0"


def _post_case(base: str, category: int, region: int, i: int) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/api/v1/cases/",
        data=case_body(category, region, i),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def _wait_for_their_sessions_to_end(seconds: float = 15) -> None:
    """The workers' database sessions end a moment after the workers: the test database is
    dropped at the end of the run, which fails while another session still uses it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_preloaded_workers_take_concurrent_intake(world):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civic.settings.base",
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "THROTTLE_INTAKE": "100000/min",
        "THROTTLE_ANON": "100000/min",
        "CELERY_BROKER_URL": "memory://",
        "LOG_LEVEL": "ERROR",
    }
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "civic.wsgi", "--preload", "--workers", "3",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_listening(port)

        def client(first: int) -> None:
            for i in range(first, first + 15):
                answer = _post_case(base, world.department_category.pk, world.community.pk, i)
                with lock:
                    answers.append(answer)

        threads = [threading.Thread(target=client, args=(n * 100,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        _wait_for_their_sessions_to_end()
    assert [status for status, _ in answers] == [201] * 90
    numbers = {body["number"] for _, body in answers}
    assert len(numbers) == 90
    assert set(Case.objects.values_list("number", flat=True)) == numbers
    assert CaseEvent.objects.filter(action="create").count() == 90
