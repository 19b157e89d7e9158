"""The patrol pages at city scale (issue 27): the report page reads the worker's grids once;
the street statistics count the month's cases per community (an index range each), and the
counts equal those taken from scratch."""

from collections import Counter

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import Case, Channel
from civic.models import Membership, Region
from patrol import selectors, services
from patrol.models import GridAssignment
from patrol.selectors import RESIDENT_CHANNELS
from tests.cases.factories import file_case
from tests.factories import RegionFactory, member

pytestmark = pytest.mark.django_db
HERE = {"lat": "39.914100", "lng": "116.400200"}


@pytest.fixture
def grids(world):
    return [
        RegionFactory(level=Region.Level.GRID, parent=world.community, name=f"第{n}网格")
        for n in (1, 2)
    ]


@pytest.fixture
def worker(world, grids):
    user = member(Membership.Role.GRID_WORKER, world.community_unit, username="grid")
    for grid in grids:
        GridAssignment.objects.create(worker=user, grid=grid)
    return user


def test_the_patrol_page_reads_the_grids_once_for_both_forms(
    world, worker, grids, django_assert_max_num_queries
):
    client = Client()
    client.force_login(worker)
    client.get("/patrol/")
    with django_assert_max_num_queries(8):  # session, user, roles, grids, notifications, reports
        body = client.get("/patrol/").content.decode()
    for grid in grids:  # both forms offer both grids, with the empty choice first
        assert body.count(f'<option value="{grid.pk}">{grid.name}</option>') == 2
    assert body.count('<option value="" selected>---------</option>') == 3  # + category
    assert client.post("/patrol/", {"grid": "999999", **HERE}).status_code == 400


def _from_scratch(street: Region, month) -> tuple[int, int]:
    start, end = selectors.calendar.month_bounds(month)
    by_channel = Counter(
        Case.objects.filter(
            received_at__gte=start, received_at__lt=end, region__path__startswith=street.path
        ).values_list("channel", flat=True)
    )
    residents = sum(n for channel, n in by_channel.items() if channel in RESIDENT_CHANNELS)
    return by_channel[Channel.PATROL], residents


def test_street_counts_equal_counting_from_scratch(world, worker, grids):
    for grid in grids:
        services.patrol_report_create(
            actor=worker, grid=grid, category=world.street_category, text="井盖破损", **HERE
        )
    file_case(world)
    file_case(world, by=world.operator, channel=Channel.HOTLINE)
    file_case(world, region=world.other_community)
    file_case(world, region=grids[0])  # a case placed on a grid counts for its street too
    month = timezone.localdate()
    for user in (world.dispatcher, world.street_official):
        stats = selectors.patrol_stats(user=user, month=month)
        assert stats.streets
        for row in stats.streets:
            assert (row.patrol, row.residents) == _from_scratch(row.street, month)
    street_view = selectors.patrol_stats(user=world.street_official, month=month)
    assert [(s.patrol, s.residents) for s in street_view.streets] == [(2, 3)]


def test_the_street_statistics_page_keeps_a_bounded_number_of_queries(
    world, worker, grids, django_assert_max_num_queries
):
    for _ in range(3):
        file_case(world)
    client = Client()
    client.force_login(world.street_official)
    client.get("/patrol/stats/")
    with django_assert_max_num_queries(11):
        assert client.get("/patrol/stats/").status_code == 200
