"""SMS behind a pluggable backend (settings.SMS_BACKEND). The default only logs."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("civic.sms")


class LoggingSmsBackend:
    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone[:3] + "****" + phone[-4:], text)


def get_backend():
    return import_string(settings.SMS_BACKEND)()
