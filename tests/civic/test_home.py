"""The landing page is Chinese first and shows each role its own work areas."""

import pytest
from django.urls import reverse

from civic.models import Membership
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db
Role = Membership.Role


def areas(client) -> str:
    return client.get(reverse("home")).content.decode()


def test_anonymous_visitor_sees_filing_and_tracking_in_chinese(client):
    page = areas(client)
    assert 'data-home="resident"' in page and 'href="/cases/new/"' in page
    assert 'lang="zh-hans"' in page


def test_resident_sees_own_cases(client):
    client.force_login(UserFactory())
    page = areas(client)
    assert 'href="/cases/mine/"' in page and "data-area=" not in page


@pytest.mark.parametrize(
    ("role", "expected", "absent"),
    [
        (Role.OPERATOR, {"console", "boards"}, {"queues", "inbox", "admin"}),
        (Role.DISPATCHER, {"queues", "whistles"}, {"console", "inbox"}),
        (Role.HANDLER, {"inbox"}, {"queues", "whistles", "council"}),
        (Role.STREET_OFFICIAL, {"inbox", "whistles"}, {"queues", "council"}),
        (Role.COMMUNITY_WORKER, {"inbox", "council"}, {"whistles", "queues"}),
        (Role.VIEWER, {"boards"}, {"inbox", "queues", "console"}),
    ],
)
def test_staff_see_their_work_areas(client, role, expected, absent):
    client.force_login(member(role))
    page = areas(client)
    assert 'data-home="staff"' in page
    for area in expected:
        assert f'data-area="{area}"' in page
    for area in absent:
        assert f'data-area="{area}"' not in page
