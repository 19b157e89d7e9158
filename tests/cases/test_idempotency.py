"""Idempotency-Key on API intake belongs to one client: a retry by that client returns its own
case, and nobody else's request is ever answered with it (issue 31, finding 2)."""

import pytest

from cases.models import Case
from tests.cases.test_api import new_case

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"


def file(api_client, world, *, key="k-1", user=None, address="203.0.113.7", **fields):
    api_client.force_authenticate(user)
    return api_client.post(
        URL,
        new_case(world, **fields),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
        REMOTE_ADDR=address,
    )


def test_two_residents_with_the_same_key_each_get_their_own_case(api_client, world):
    first = file(api_client, world, user=world.resident, title="路灯不亮")
    second = file(api_client, world, user=world.other_resident, title="井盖丢失")
    assert first.status_code == 201 and second.status_code == 201, second.content
    assert first.data["number"] != second.data["number"]
    assert second.data["access_code"]  # a new case, not a replay
    assert Case.objects.get(number=second.data["number"]).title == "井盖丢失"
    assert Case.objects.count() == 2


def test_the_same_request_from_another_client_is_still_a_new_case(api_client, world):
    # The same key and the same body: still two clients, two cases (no number leaks across).
    numbers = {
        file(api_client, world, user=world.resident).data["number"],
        file(api_client, world, user=world.other_resident).data["number"],
        file(api_client, world, address="198.51.100.1").data["number"],
        file(api_client, world, address="198.51.100.2").data["number"],
    }
    assert len(numbers) == 4 and Case.objects.count() == 4


def test_an_anonymous_client_and_a_resident_at_one_address_do_not_share_keys(api_client, world):
    anonymous = file(api_client, world)
    resident = file(api_client, world, user=world.resident)
    assert anonymous.status_code == resident.status_code == 201
    assert anonymous.data["number"] != resident.data["number"]


@pytest.mark.parametrize("who", ["anonymous", "resident"])
def test_a_retry_by_the_same_client_returns_the_same_case(api_client, world, who):
    user = world.resident if who == "resident" else None
    first = file(api_client, world, user=user)
    retry = file(api_client, world, user=user)
    assert first.status_code == 201 and retry.status_code == 200
    assert retry.data["number"] == first.data["number"]
    assert retry.data["access_code"] == ""  # stored as an HMAC: never shown twice
    assert Case.objects.count() == 1


@pytest.mark.parametrize("who", ["anonymous", "resident"])
def test_the_same_key_with_another_body_is_a_422(api_client, world, who):
    user = world.resident if who == "resident" else None
    first = file(api_client, world, user=user, title="路灯不亮")
    other = file(api_client, world, user=user, title="井盖丢失")
    assert first.status_code == 201
    assert other.status_code == 422, other.content
    body = other.json()
    assert set(body) == {"message", "extra"} and body["message"]
    assert first.data["number"] not in other.content.decode()
    assert Case.objects.count() == 1


def test_keys_are_per_client_and_not_global(api_client, world):
    # The same client may use a key another client used, and vice versa, in any order.
    a1 = file(api_client, world, user=world.resident, key="shared")
    b1 = file(api_client, world, user=world.other_resident, key="shared", title="井盖丢失")
    a2 = file(api_client, world, user=world.resident, key="shared")
    b2 = file(api_client, world, user=world.other_resident, key="shared", title="井盖丢失")
    assert (a1.status_code, b1.status_code, a2.status_code, b2.status_code) == (201, 201, 200, 200)
    assert a2.data["number"] == a1.data["number"] and b2.data["number"] == b1.data["number"]
    assert a1.data["number"] != b1.data["number"]
