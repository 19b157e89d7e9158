"""Per-client rate limits (civic.throttling): counted per fixed window, through the public API."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache

from civic.throttling import WindowScopedRateThrottle

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 23, 8, 0, 10, tzinfo=dt.UTC)  # 10 s into a minute


@pytest.fixture
def tracking_three_per_minute(monkeypatch):
    rates = {**WindowScopedRateThrottle.THROTTLE_RATES, "tracking": "3/min"}
    monkeypatch.setattr(WindowScopedRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    yield
    cache.clear()


def _track(client, ip="203.0.113.7"):
    return client.post(
        "/api/v1/track/",
        {"number": "2026112300001", "access_code": "WRONG123"},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def test_a_client_over_its_rate_waits_for_the_next_window(client, tracking_three_per_minute):
    with time_machine.travel(START, tick=False) as clock:
        codes = [_track(client).status_code for _ in range(4)]
        assert codes == [404, 404, 404, 429]
        refused = _track(client)
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) == 50  # the rest of the minute
        assert _track(client, ip="198.51.100.1").status_code == 404  # others are not affected
        clock.shift(49)
        assert _track(client).status_code == 429
        clock.shift(1)  # the next minute
        assert [_track(client).status_code for _ in range(4)] == [404, 404, 404, 429]


def test_the_count_is_one_number_per_client_and_window(client, tracking_three_per_minute):
    """Not a list of timestamps: the cost stays the same at any rate."""
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            _track(client)
        window = int(START.timestamp() // 60)
        entries = [cache.get(f"throttle_tracking_203.0.113.7:{window}")]
    assert entries == [5]
