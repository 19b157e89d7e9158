"""The time services act at. Normally `timezone.now()`; the demo seeder replays history by
overriding it for a block (explicit, per context — no global patching of datetime)."""

import contextlib
import contextvars
import datetime as dt

from django.utils import timezone

_override: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar(
    "civic_clock", default=None
)


def now() -> dt.datetime:
    return _override.get() or timezone.now()


@contextlib.contextmanager
def override(at: dt.datetime):
    token = _override.set(at)
    try:
        yield at
    finally:
        _override.reset(token)
