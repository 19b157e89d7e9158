"""A Redis cache that is down is a cache miss, not a 500 (the soak's Redis restart found 28).

The cache here is what production configures for CACHE_URL=redis://… (civic/settings/caches.py),
pointed at a port nothing listens on: every cache call fails to connect.
"""

import re
import socket

import pytest
from django.core.cache import cache
from django.test import override_settings

from cases import tasks
from cases.models import Case, Status
from civic.settings.caches import cache_settings
from open311.services import open311_client_create
from tests.cases.factories import case_in
from tests.cases.test_api import new_case
from tests.cases.test_web import _token, filing

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when this returns: nothing listens


def _redis_down(url: str) -> dict:
    config = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url}
    return {"default": cache_settings(config, connect_timeout=0.2, timeout=0.2)}


@pytest.fixture
def redis_down(settings):
    settings.CASE_COUNT_CACHE_SECONDS = 30  # the unit list's total goes through the cache
    with override_settings(CACHES=_redis_down(f"redis://127.0.0.1:{_closed_port()}/0")):
        assert cache.add("probe", 1) is None  # really down: the error was ignored
        yield


def test_the_production_config_ignores_redis_errors_and_bounds_the_wait():
    config = _redis_down("redis://127.0.0.1:6379/1")["default"]
    assert config["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert config["OPTIONS"]["SOCKET_TIMEOUT"] <= 1
    local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    assert cache_settings(local, connect_timeout=1, timeout=1) == local


def test_api_intake_and_tracking_work_with_the_cache_down(api_client, world, redis_down):
    created = api_client.post(f"{API}/cases/", new_case(world), format="json")
    assert created.status_code == 201, created.content
    tracked = api_client.post(
        f"{API}/track/",
        {"number": created.data["number"], "access_code": created.data["access_code"]},
        format="json",
    )
    assert tracked.status_code == 200, tracked.content


def test_the_web_form_files_with_sessions_from_the_database(client, world, redis_down):
    page = client.get("/cases/new/")
    assert page.status_code == 200
    response = client.post("/cases/new/", {**filing(world), "form_token": _token(page)})
    assert response.status_code == 302, response.content
    filed = client.get(response["Location"])
    number = re.search(rb"data-case-number>(\d+)<", filed.content).group(1).decode()
    assert Case.objects.filter(number=number).exists()


def test_dispatch_and_the_unit_list_work_with_the_cache_down(api_client, world, redis_down):
    case = case_in(world, "received")
    api_client.force_authenticate(world.dispatcher)
    dispatched = api_client.post(
        f"{API}/cases/{case.number}/dispatch/", {"lead_unit": world.department.pk}, format="json"
    )
    assert dispatched.status_code == 200, dispatched.content
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED
    api_client.force_authenticate(world.handler)
    listed = api_client.get(f"{API}/cases/")
    assert listed.status_code == 200 and listed.data["count"] == 1


def test_open311_posts_fail_closed_with_a_429_not_a_500(client, world, redis_down):
    _client, key = open311_client_create(name="App")
    data = {
        "api_key": key,
        "service_code": world.department_category.code,
        "address_id": world.community.code,
        "description": "路灯不亮",
    }
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 429
    [error] = response.json()
    assert error["code"] == 429 and error["description"]
    assert not Case.objects.exists()


def test_the_sweep_runs_without_its_lock(world, redis_down):
    assert isinstance(tasks.sweep_deadlines(), dict)
