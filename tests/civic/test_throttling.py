"""Per-client rate limits (civic.throttling): counted per fixed window, through the public API."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache

from civic.throttling import WindowScopedRateThrottle
from tests.cases.test_api import new_case

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 23, 8, 0, 10, tzinfo=dt.UTC)  # 10 s into a minute


@pytest.fixture
def tracking_three_per_minute(monkeypatch):
    rates = {**WindowScopedRateThrottle.THROTTLE_RATES, "tracking": "3/min"}
    monkeypatch.setattr(WindowScopedRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    yield
    cache.clear()


def _track(client, ip="203.0.113.7", **headers):
    return client.post(
        "/api/v1/track/",
        {"number": "2026112300001", "access_code": "WRONG123"},
        content_type="application/json",
        REMOTE_ADDR=ip,
        **headers,
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


def test_a_forged_x_forwarded_for_does_not_escape_the_tracking_limit(
    client, tracking_three_per_minute
):
    """Without a declared proxy the header is the client's own words: the socket decides."""
    with time_machine.travel(START, tick=False):
        codes = [_track(client, HTTP_X_FORWARDED_FOR=f"10.9.{i}.1").status_code for i in range(4)]
    assert codes == [404, 404, 404, 429]


def test_a_forged_x_forwarded_for_does_not_escape_the_intake_limit(client, world, monkeypatch):
    rates = {**WindowScopedRateThrottle.THROTTLE_RATES, "intake": "2/min"}
    monkeypatch.setattr(WindowScopedRateThrottle, "THROTTLE_RATES", rates)
    case = new_case(world)
    with time_machine.travel(START, tick=False):
        codes = [
            client.post(
                "/api/v1/cases/",
                case,
                content_type="application/json",
                REMOTE_ADDR="203.0.113.7",
                HTTP_X_FORWARDED_FOR=f"10.9.{i}.1",
            ).status_code
            for i in range(3)
        ]
    assert codes == [201, 201, 429]


def test_behind_one_trusted_proxy_the_right_most_address_is_the_client(
    client, tracking_three_per_minute, settings
):
    """The proxy appends the address it was reached from; what the client wrote before it is
    ignored, and clients behind the same proxy are counted apart."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    with time_machine.travel(START, tick=False):
        forged = [
            _track(client, ip=proxy, HTTP_X_FORWARDED_FOR=f"10.9.{i}.1, 203.0.113.7").status_code
            for i in range(4)
        ]
        neighbour = _track(client, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
        window = int(START.timestamp() // 60)
        counted = cache.get(f"throttle_tracking_203.0.113.7:{window}")
    assert forged == [404, 404, 404, 429]
    assert neighbour.status_code == 404
    assert counted == 4
