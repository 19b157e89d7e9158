"""The region and unit admin lists and the API schema at city scale (issue 27): the lists
select each row's parent (and jurisdiction) with the rows, whatever their number; the schema is
generated once per process and served the same as drf-spectacular's own view."""

import pytest
from django.test import Client, RequestFactory
from drf_spectacular.views import SpectacularAPIView

from civic.models import Region, Unit
from tests.factories import RegionFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def _queries_for(admin_client, url, django_assert_max_num_queries, limit):
    admin_client.get(url)
    with django_assert_max_num_queries(limit):
        response = admin_client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_region_and_unit_lists_do_not_query_per_row(
    world, admin_client, django_assert_max_num_queries
):
    for n in range(25):
        region = RegionFactory(level=Region.Level.COMMUNITY, parent=world.street, name=f"社区甲{n}")
        UnitFactory(kind=Unit.Kind.COMMUNITY, jurisdiction=region, parent=world.street_unit)
    regions = _queries_for(admin_client, "/admin/civic/region/", django_assert_max_num_queries, 10)
    assert "社区甲24" in regions and world.street.name in regions  # the parent column
    units = _queries_for(admin_client, "/admin/civic/unit/", django_assert_max_num_queries, 10)
    assert "社区甲24" in units and world.street_unit.name in units


@pytest.mark.parametrize(
    "accept", ["application/vnd.oai.openapi", "application/vnd.oai.openapi+json"]
)
def test_the_schema_is_generated_once_and_equals_spectaculars(
    accept, django_assert_max_num_queries
):
    client = Client()
    first = client.get("/api/schema/", HTTP_ACCEPT=accept)
    assert first.status_code == 200
    request = RequestFactory().get("/api/schema/", HTTP_ACCEPT=accept)
    reference = SpectacularAPIView.as_view()(request)
    reference.render()
    assert first.content == reference.content
    assert first["Content-Type"] == reference["Content-Type"]
    assert first["Content-Disposition"] == reference["Content-Disposition"]
    import time

    started = time.perf_counter()
    again = client.get("/api/schema/", HTTP_ACCEPT=accept)
    assert again.content == first.content
    assert time.perf_counter() - started < 0.1  # served, not generated again (~0.5 s)
