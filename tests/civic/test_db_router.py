"""The database router (civic/db_router.py): reads of the lag-tolerant surfaces from a streaming
replica, everything else and everyone who just wrote from the primary.

Without DATABASE_REPLICA_URL (make run, the test suite) nothing changes: these tests say so on
SQLite and PostgreSQL. With it set, the test database mirrors the `replica` alias
(TEST["MIRROR"]), so the routing itself is checked on a second connection to the same
database; tests/ops/test_replica.py checks it against a real standby.
"""

import json

import pytest
import time_machine
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver

from cases.models import Case
from civic import db_router
from civic.db_router import REPLICA_SURFACES, STICKY_COOKIE, ReplicaRouter
from tests.cases.factories import file_case
from tests.ops.servers import case_body

HAS_REPLICA = "replica" in settings.DATABASES


def needs_replica(test):
    """Committed rows (the mirror is a second connection) and both aliases allowed."""
    test = pytest.mark.django_db(transaction=True, databases=["default", "replica"])(test)
    return pytest.mark.skipif(not HAS_REPLICA, reason="set DATABASE_REPLICA_URL")(test)


def _url_names(patterns=None, namespace="") -> set[str]:
    names = set()
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if hasattr(p, "url_patterns"):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            names |= _url_names(p.url_patterns, inner)
        elif p.name:
            names.add(namespace + p.name)
    return names


def test_every_replica_surface_is_a_url_of_the_site():
    """A renamed route must not silently leave the replica (or a typo route nothing)."""
    assert not REPLICA_SURFACES - _url_names(), REPLICA_SURFACES - _url_names()


def test_writes_and_migrations_go_to_the_primary_only():
    router = ReplicaRouter()
    assert router.db_for_write(Case) == "default"
    assert router.allow_migrate("replica", "cases") is False
    assert router.allow_migrate("default", "cases") is None


@pytest.mark.django_db
@pytest.mark.skipif(HAS_REPLICA, reason="checks the setup without DATABASE_REPLICA_URL")
def test_without_a_replica_every_read_uses_the_primary_and_no_cookie_is_set(world):
    case, _code = file_case(world)
    client = Client()
    with CaptureQueriesContext(connection) as primary:
        page = client.get("/public/cases/")
    assert page.status_code == 200 and case.number in page.content.decode()
    assert any('"cases_case"' in q["sql"] for q in primary.captured_queries)
    assert list(settings.DATABASES) == ["default"]
    assert ReplicaRouter().db_for_read(Case) == "default"
    body = json.loads(case_body(world.department_category.pk, world.community.pk, 1))
    filed = client.post("/api/v1/cases/", body, content_type="application/json")
    assert filed.status_code == 201
    assert STICKY_COOKIE not in filed.cookies and STICKY_COOKIE not in page.cookies


# --- with a replica configured ----------------------------------------------------------------


def _get(client: Client, url: str):
    """The response, and how many reads of the site's tables went to each connection."""
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        response = client.get(url)

    def tables(captured):
        return sum(
            1
            for q in captured.captured_queries
            if ' FROM "' in q["sql"] and '"django_session"' not in q["sql"]
        )

    return response, tables(replica), tables(primary)


@needs_replica
def test_a_visitor_reads_the_public_list_from_the_replica(world):
    case, _code = file_case(world)
    response, on_replica, on_primary = _get(Client(), "/public/cases/")
    assert response.status_code == 200 and case.number in response.content.decode()
    assert on_replica > 0 and on_primary == 0
    assert STICKY_COOKIE not in response.cookies


@needs_replica
def test_pages_not_listed_read_the_primary(world):
    client = Client()
    client.force_login(world.dispatcher)
    response, on_replica, on_primary = _get(client, "/dispatch/")
    assert response.status_code == 200 and on_replica == 0 and on_primary > 0


@needs_replica
def test_whoever_wrote_reads_the_primary_until_the_cookie_expires(world):
    client = Client()
    body = json.loads(case_body(world.department_category.pk, world.community.pk, 1))
    with time_machine.travel("2026-05-04 10:00 +0800", tick=False):
        filed = client.post("/api/v1/cases/", body, content_type="application/json")
        assert filed.status_code == 201
        cookie = filed.cookies[STICKY_COOKIE]
        assert cookie["max-age"] == settings.REPLICA_STICKY_SECONDS and cookie["httponly"]
        response, on_replica, on_primary = _get(client, "/public/cases/")
        assert filed.json()["number"] in response.content.decode()
        assert on_replica == 0 and on_primary > 0
    later = f"2026-05-04 10:00:{settings.REPLICA_STICKY_SECONDS + 1:02d} +0800"
    with time_machine.travel(later, tick=False):
        _response, on_replica, on_primary = _get(client, "/public/cases/")
        assert on_replica > 0 and on_primary == 0


@needs_replica
def test_a_forged_cookie_does_not_pin_reads_to_the_primary(world):
    client = Client()
    client.cookies[STICKY_COOKIE] = "1"
    _response, on_replica, on_primary = _get(client, "/public/cases/")
    assert on_replica > 0 and on_primary == 0


@needs_replica
def test_a_query_failing_on_the_replica_is_answered_from_the_primary(world):
    case, _code = file_case(world)
    replica = connections["replica"]
    with replica.cursor() as cursor:  # the replica's session no longer finds the site's tables
        cursor.execute("SET search_path TO pg_catalog")
    try:
        response = Client(raise_request_exception=False).get("/public/cases/")
    finally:
        with replica.cursor() as cursor:
            cursor.execute("RESET search_path")
    assert response.status_code == 200 and case.number in response.content.decode()


@needs_replica
def test_the_test_mirror_counts_as_a_replica_without_lag(world):
    status = db_router.replica_status(force=True)
    assert status.usable and status.lag_seconds == 0.0, status
