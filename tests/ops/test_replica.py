"""Reads from a real PostgreSQL streaming standby (civic/db_router.py, docs/operations.md).

A private primary (wal_level=replica) and a hot standby made from it with `pg_basebackup -R`,
each on its own free port. The schema and a small city (with a published assessment month) are
loaded into the primary from the test database and reach the standby by replication. civic then
runs in a subprocess with DATABASE_URL=primary and DATABASE_REPLICA_URL=standby and is driven
through Django's test client, one JSON command a line, so that the test can pause the standby's
replay, stop it and start it between requests. Each answer says how many table queries the
request sent to the standby, counted on its connection in that process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from civic.db_router import REPLICA_SURFACES
from tests.assessment.test_pages import published  # noqa: F401  (fixture)
from tests.ops.servers import ReplicatedCluster, StandbyCluster, case_body, database_url

pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
STICKY_SECONDS = 3
MAX_LAG_SECONDS = 10
CHECK_SECONDS = 2  # civic.db_router.CHECK_SECONDS
NO_QUERIES = {"open311:discovery"}  # a routed surface that reads no table at all

# The subprocess: one command a line on stdin, one "@@"-prefixed JSON answer a line on stdout
# (logs go to stderr). Clients keep their cookies, as browsers do.
DRIVER = r"""
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from civic import db_router

clients = {}
replica, primary = connections["replica"], connections["default"]

def answer(**reply):
    print("@@" + json.dumps(reply), flush=True)

def table_queries(log, since):
    # Reads of the site's tables; who is logged in (session, user) is always read on the primary.
    return sum(
        1 for q in list(log)[since:]
        if ' FROM "' in q["sql"] and '"django_session"' not in q["sql"]
        and '"civic_user"' not in q["sql"]
    )

answer(ready=True)
for line in sys.stdin:
    cmd = json.loads(line)
    op = cmd["op"]
    if op == "login":
        client = clients.setdefault(cmd["client"], Client(raise_request_exception=False))
        client.force_login(get_user_model().objects.get(username=cmd["user"]))
        answer(ok=True)
    elif op in ("get", "post"):
        client = clients.setdefault(cmd["client"], Client(raise_request_exception=False))
        replica.force_debug_cursor = primary.force_debug_cursor = True
        before, before_primary = len(replica.queries_log), len(primary.queries_log)
        if op == "get":
            response = client.get(cmd["url"])
        else:
            response = client.post(cmd["url"], cmd["json"], content_type="application/json")
        body = b"".join(response) if response.streaming else response.content
        answer(
            status=response.status_code,
            body=body.decode(errors="replace"),
            replica_queries=table_queries(replica.queries_log, before),
            primary_queries=table_queries(primary.queries_log, before_primary),
        )
        replica.queries_log.clear()
        primary.queries_log.clear()
    elif op == "replica_sql":  # a failure made on this process's own standby connection
        with replica.cursor() as cursor:
            cursor.execute(cmd["sql"])
        answer(ok=True)
    elif op == "status":
        status = db_router.replica_status(force=True)
        answer(usable=status.usable, lag=status.lag_seconds, reason=status.reason)
"""


class Civic:
    """civic in a subprocess, reading from the standby."""

    def __init__(self, primary: ReplicatedCluster, standby: StandbyCluster):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "civic.settings.test",
            "DATABASE_URL": primary.url,
            "DATABASE_REPLICA_URL": standby.url,
            "REPLICA_STICKY_SECONDS": str(STICKY_SECONDS),
            "REPLICA_MAX_LAG_SECONDS": str(MAX_LAG_SECONDS),
            "CELERY_BROKER_URL": "memory://",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "THROTTLE_INTAKE": "100000/min",
            "THROTTLE_ANON": "100000/min",
            "LOG_LEVEL": "WARNING",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-c", DRIVER], cwd=ROOT, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert self._read()["ready"]

    def _read(self) -> dict:
        for line in self.process.stdout:
            if line.startswith("@@"):
                return json.loads(line[2:])
        raise AssertionError(f"civic exited: {self.process.stderr.read()[-3000:]}")

    def send(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def get(self, client: str, url: str) -> dict:
        return self.send(op="get", client=client, url=url)

    def close(self) -> str:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.process.stderr.read()


def _pg(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def _behind(primary: ReplicatedCluster, standby: StandbyCluster) -> int:
    with _pg(primary.url) as p, _pg(standby.url) as s:
        (lsn,) = p.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        (diff,) = s.execute(
            "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())", [lsn]
        ).fetchone()
    return int(diff)


def _wait_replayed(primary, standby, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while _behind(primary, standby) > 0:
        assert time.monotonic() < deadline, "the standby did not catch up"
        time.sleep(0.1)


def _back_on_the_standby(civic: Civic, url: str, seconds: float = 20) -> dict:
    """The first answer read from the standby again (each process measures it every
    CHECK_SECONDS, and a standby just started needs a moment to accept connections)."""
    deadline = time.monotonic() + seconds
    while True:
        got = civic.get("reader", url)
        if got["replica_queries"] > 0:
            return got
        assert time.monotonic() < deadline, civic.send(op="status")
        time.sleep(0.5)


def _numbers(url: str) -> set[str]:
    with _pg(url) as conn:
        return {n for (n,) in conn.execute("SELECT number FROM cases_case")}


@pytest.fixture
def clusters():
    primary = ReplicatedCluster("civic_replica", prefix="civic-replica-")
    standby = StandbyCluster(primary)
    try:
        try:
            primary.init()
            standby.init()
        except FileNotFoundError as exc:  # no server binaries: CI must have them
            pytest.fail(str(exc))
        yield primary, standby
    finally:
        standby.remove()
        primary.remove()


def _surfaces(w, case_number: str) -> dict[str, tuple[str, str]]:
    """Every routed surface: (client, URL). `centre` is the dispatcher, `reader` anonymous."""
    unit, month, code = w.department.pk, "2026-03", w.department_category.code
    return {
        "cases_public:list": ("reader", "/public/cases/"),
        "cases_public:map": ("reader", "/public/map/"),
        "cases_public:points": ("reader", "/public/cases.geojson"),
        "cases_public:nearby": ("reader", f"/public/nearby.json?region={w.community.pk}&q=路面"),
        "cases_public:feed": ("reader", f"/public/feed/{w.community.code}/"),
        "assessment:boards": ("reader", "/boards/"),
        "assessment:boards_export": ("reader", f"/boards/{month}/scores.csv"),
        "assessment:unit": ("reader", f"/boards/units/{unit}/?month={month}"),
        "assessment:unit_cases_export": ("reader", f"/boards/units/{unit}/{month}/cases.csv"),
        "assessment:unit_trend_export": ("reader", f"/boards/units/{unit}/trend.csv"),
        "assessment-board-list": ("reader", f"/api/v1/assessment/boards/?month={month}"),
        "open311:discovery": ("reader", "/open311/v2/discovery.json"),
        "open311:services": ("reader", "/open311/v2/services.json"),
        "open311:service": ("reader", f"/open311/v2/services/{code}.json"),
        "open311:requests": ("reader", "/open311/v2/requests.json"),
        "open311:request": ("reader", f"/open311/v2/requests/{case_number}.json"),
        "themes:hot_topics": ("centre", "/themes/hot-topics/"),
        "hot-topic-list": ("centre", f"/api/v1/hot-topics/?month={month}"),
        "dashboard:dashboard": ("centre", "/dashboard/"),
        "api-dashboard": ("centre", "/api/v1/dashboard/"),
        "patrol:stats": ("centre", "/patrol/stats/"),
        "patrol-stats": ("centre", "/api/v1/patrol/stats/"),
        "knowledge:stats": ("centre", "/knowledge/stats/"),
    }


@pytest.mark.django_db(transaction=True)
def test_reads_follow_the_standby_and_fall_back_to_the_primary(published, clusters, tmp_path):  # noqa: F811
    w, _run = published
    primary, standby = clusters
    # The test database (schema, city, published month) into the primary; the standby, made
    # before, gets all of it by streaming replication.
    dump = tmp_path / "civic.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), database_url()], check=True)
    subprocess.run(["pg_restore", "--no-owner", "-d", primary.url, str(dump)], check=True)
    _wait_replayed(primary, standby)
    cases = _numbers(primary.url)
    assert cases and _numbers(standby.url) == cases  # (a) writes on the primary replicated

    surfaces = _surfaces(w, sorted(cases)[0])
    assert set(surfaces) == REPLICA_SURFACES, "a routed surface the test does not request"
    civic = Civic(primary, standby)
    try:
        assert civic.send(op="login", client="centre", user=w.dispatcher.username)["ok"]
        # Every routed surface answers from the standby; pages not listed read the primary.
        read_there = {}
        for name, (client, url) in surfaces.items():
            got = civic.get(client, url)
            assert (got["status"], name) == (200, name), got["body"][:500]
            read_there[name] = (got["replica_queries"], got["primary_queries"])
        assert {n for n, (r, _p) in read_there.items() if r == 0} <= NO_QUERIES, read_there
        assert not any(p for _r, p in read_there.values()), read_there  # nothing on the primary
        not_routed = civic.get("centre", "/dispatch/")
        assert not_routed["status"] == 200 and not_routed["replica_queries"] == 0

        # (b) A public read goes to the standby: with its replay paused, a case filed on the
        # primary is missing from the public list a visitor sees.
        first = civic.send(op="post", client="filer", url="/api/v1/cases/",
                           json=json.loads(case_body(w.department_category.pk, w.community.pk, 1)))  # fmt: skip
        assert first["status"] == 201, first["body"]
        _wait_replayed(primary, standby)
        with _pg(standby.url) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
        second = civic.send(op="post", client="filer", url="/api/v1/cases/",
                            json=json.loads(case_body(w.department_category.pk, w.community.pk, 2)))  # fmt: skip
        assert second["status"] == 201, second["body"]
        filed_at = time.monotonic()
        number = json.loads(second["body"])["number"]
        assert number in _numbers(primary.url) and number not in _numbers(standby.url)
        url = "/public/cases/"  # unfiltered: a search would echo the number it looks for
        visitor = civic.get("reader", url)
        assert visitor["status"] == 200 and visitor["replica_queries"] > 0
        assert number not in visitor["body"]

        # (c) Read-your-writes: whoever filed it reads the primary and sees it...
        mine = civic.get("filer", url)
        assert mine["status"] == 200 and number in mine["body"]
        assert mine["replica_queries"] == 0
        # ... for REPLICA_STICKY_SECONDS, then reads the standby again.
        time.sleep(max(0.0, filed_at + STICKY_SECONDS + 0.5 - time.monotonic()))
        later = civic.get("filer", url)
        assert later["replica_queries"] > 0 and number not in later["body"]

        # Lag bound: once the standby's last replayed transaction is older than
        # REPLICA_MAX_LAG_SECONDS, everyone reads the primary.
        time.sleep(max(0.0, filed_at + MAX_LAG_SECONDS + CHECK_SECONDS + 1 - time.monotonic()))
        behind = civic.get("reader", url)
        assert behind["replica_queries"] == 0 and number in behind["body"]
        status = civic.send(op="status")
        assert not status["usable"] and status["lag"] > MAX_LAG_SECONDS, status

        with _pg(standby.url) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
        _wait_replayed(primary, standby)
        caught_up = _back_on_the_standby(civic, url)
        assert number in caught_up["body"]

        # A query that fails on the standby is answered again from the primary, not a 500.
        civic.send(op="replica_sql", sql="SET search_path TO pg_catalog")
        failed_there = civic.get("reader", url)
        assert failed_there["status"] == 200 and number in failed_there["body"]
        civic.send(op="replica_sql", sql="RESET search_path")

        # (d) The standby stopped: every routed surface still answers 200, from the primary.
        standby.stop()
        for name, (client, url_) in surfaces.items():
            got = civic.get(client, url_)
            assert (got["status"], name) == (200, name), got["body"][:500]
            assert got["replica_queries"] == 0
        assert number in civic.get("reader", url)["body"]
        # ... and reads go back to it once it is up again.
        standby.start()
        _back_on_the_standby(civic, url)
    finally:
        log = civic.close()
    assert "reads leave the replica" in log, log[-3000:]
