"""Two people of the same unit reporting at once: the report counts once (PostgreSQL)."""

import threading

import pytest
from django.db import connection

from civic.errors import ConflictError
from civic.models import Membership
from tests.factories import member
from whistles import services as whistles
from whistles.models import WhistleLogEntry, WhistleSummons

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_reports_from_the_same_unit_count_once(world):
    second = member(Membership.Role.HANDLER, world.department, username="handler2")
    w = whistles.whistle_blow(
        actor=world.street_official, units=[world.department], reason="塌陷", place="多福巷"
    )
    barrier = threading.Barrier(2)
    results: list[str] = []

    def go(user):
        try:
            barrier.wait()
            whistles.whistle_report(
                actor=user, whistle=w, reporters=user.username, committed_action="修补"
            )
            results.append("ok")
        except ConflictError:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(u,)) for u in (world.handler, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "ok"]
    assert WhistleSummons.objects.filter(whistle=w, reported_at__isnull=False).count() == 1
    assert WhistleLogEntry.objects.filter(whistle=w, kind="report").count() == 1
