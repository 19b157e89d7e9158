"""The one Celery app, configured from CELERY_* settings (cookiecutter-django's layout)."""

import os

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

# The embedded broker writes each message whole before a worker may read it (see the module).
TRANSPORT_ALIASES["filesystem"] = "civic.celery_filesystem:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings.base")

app = Celery("civic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
