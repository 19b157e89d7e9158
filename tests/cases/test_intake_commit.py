"""A new case filed outside a transaction (PostgreSQL): one statement that commits on its own.

The day's number counter is one row that every intake in the city locks; inside a transaction
it stays locked until COMMIT, across the round trips to the receivers. Outside one, the case and
its event are stored, and the counter free, before any receiver runs. These tests commit for
real (no test transaction around them), as a web request does.
"""

import logging
import threading

import pytest
from django.db import DatabaseError, connection, transaction

from cases.models import Case, CaseEvent, CaseNumberSequence
from cases.signals import case_event_recorded
from tests.cases.test_api import API, new_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _seen_from_another_connection(case_id: int) -> dict:
    """What a second session sees while the receivers run: the case, its event, the counter."""
    seen = {}

    def probe():
        try:
            seen["case"] = Case.objects.filter(pk=case_id).exists()
            seen["events"] = CaseEvent.objects.filter(case_id=case_id).count()
            try:
                with transaction.atomic():
                    list(CaseNumberSequence.objects.select_for_update(nowait=True))
                seen["counter_free"] = True
            except DatabaseError:
                seen["counter_free"] = False
        finally:
            connection.close()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(30)
    return seen


@pytest.fixture
def on_create():
    """Connect a receiver for `create` events for one test."""
    connected = []

    def connect(fn):
        def receiver(sender, event, **kwargs):
            if event.action == "create":
                fn(event)

        case_event_recorded.connect(receiver, weak=False, dispatch_uid=f"test-{id(fn)}")
        connected.append(f"test-{id(fn)}")

    yield connect
    for uid in connected:
        case_event_recorded.disconnect(dispatch_uid=uid)


def test_the_case_is_committed_and_the_counter_free_before_the_receivers_run(
    api_client, world, on_create
):
    api_client.post(f"{API}/cases/", new_case(world), format="json")  # the day's counter row
    seen = []
    on_create(lambda event: seen.append(_seen_from_another_connection(event.case_id)))
    response = api_client.post(f"{API}/cases/", new_case(world), format="json")
    assert response.status_code == 201
    assert seen == [{"case": True, "events": 1, "counter_free": True}]
    case = Case.objects.get(number=response.data["number"])
    assert list(case.events.values_list("action", flat=True)) == ["create"]


def test_inside_a_transaction_the_receivers_share_it_and_the_counter_waits_for_commit(
    api_client, world, on_create
):
    # An Idempotency-Key makes the view open a transaction for the case and its key.
    api_client.post(f"{API}/cases/", new_case(world), format="json")  # the day's counter row
    seen = []
    on_create(lambda event: seen.append(_seen_from_another_connection(event.case_id)))
    response = api_client.post(
        f"{API}/cases/", new_case(world), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert response.status_code == 201
    assert seen == [{"case": False, "events": 0, "counter_free": False}]
    assert Case.objects.filter(number=response.data["number"]).exists()


def test_a_receiver_failing_after_commit_is_logged_and_the_case_kept(
    api_client, world, on_create, caplog
):
    def broken(event):
        raise RuntimeError("receiver broke")

    on_create(broken)
    with caplog.at_level(logging.ERROR, logger="cases.services"):
        response = api_client.post(f"{API}/cases/", new_case(world), format="json")
    # The case is stored: answering an error would make the resident file it again.
    assert response.status_code == 201
    case = Case.objects.get(number=response.data["number"])
    assert case.events.get().action == "create"
    failures = [r for r in caplog.records if "failed after commit" in r.getMessage()]
    assert len(failures) == 1 and case.number in failures[0].getMessage()
    assert failures[0].exc_info[0] is RuntimeError
