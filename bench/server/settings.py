"""civic's settings plus the benchmark's floor view (bench/server/urls.py); used only by
bench/intake_bench.py's gunicorn, so civic and the floor run on the same server setup."""

from civic.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.server.urls"

# No collectstatic before a bench: without a folder WhiteNoise warns once per worker. The measured
# paths are API and form views; WhiteNoise looks each request up in its file table either way.
STATIC_ROOT = None
