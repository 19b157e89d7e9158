import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings.base")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018  imports every view, serializer and form now, not on first request

# What start-up loaded (modules, URL patterns, translations, models) lives as long as the
# worker. Left in the collector's view, every full collection walked all of it: ~130 ms,
# once every ~60 API requests (the p99 spikes measured in bench/latency.py). Frozen, it is
# never scanned again; with gunicorn's --preload it also stays shared between workers.
gc.freeze()
