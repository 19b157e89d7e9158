"""civic's settings plus the benchmark's floor view (bench/server/urls.py); used only by
bench/intake_bench.py's gunicorn, so civic and the floor run on the same server setup."""

from civic.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.server.urls"
