"""civic's own WSGI start-up (views imported, start-up objects frozen) on the bench settings, so
civic and the floor view run exactly as civic is deployed."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.server.settings")

from civic.wsgi import application  # noqa: F401
