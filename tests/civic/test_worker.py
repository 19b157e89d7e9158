"""The embedded default really runs background work: a Celery worker with its one beat on kombu's
filesystem transport (no broker installed) runs the heartbeat task the beat sends."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def test_worker_with_beat_on_the_filesystem_transport_runs_the_heartbeat(tmp_path):
    celery = Path(sys.executable).with_name("celery")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "civic.settings.base",
        "CELERY_BROKER_URL": "filesystem://",
        "CIVIC_VAR_DIR": str(tmp_path),  # its own queue folders: never a running `make run`'s
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "HEARTBEAT_SECONDS": "2",
        "SWEEP_INTERVAL_SECONDS": "3600",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [
                str(celery),
                "-A",
                "civic",
                "worker",
                "--beat",
                "--pool=solo",
                "--loglevel=INFO",
                "--schedule",
                str(tmp_path / "beat-schedule"),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "civic heartbeat" not in log.read_text():
            assert worker.poll() is None, log.read_text()
            time.sleep(0.5)
        text = log.read_text()
        assert "civic heartbeat" in text, text[-3000:]
        assert (tmp_path / "celery" / "queue").is_dir()  # folders made before the worker polls
    finally:
        worker.terminate()
        worker.wait(timeout=20)
