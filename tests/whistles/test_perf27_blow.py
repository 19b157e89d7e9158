"""The whistle page at city scale (issue 27): the units to summon are read as plain values and
grouped once, whatever their number; what the page offers does not change."""

import re

import pytest
from django.test import Client

from civic.models import Unit
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def _offered(body: str) -> list[tuple[str, list[tuple[str, bool]]]]:
    part = re.search(r"data-filter-list>(.*?)</fieldset>", body, re.S).group(1)
    groups = []
    for label, units in re.findall(
        r'<strong class="unit-group">(.*?)</strong>(.*?)</div>', part, re.S
    ):
        found = re.findall(r'value="(\d+)"( checked)?', units)
        groups.append((label, [(pk, bool(checked)) for pk, checked in found]))
    return groups


def test_units_are_grouped_by_kind_with_the_chosen_ones_checked(
    world, django_assert_max_num_queries
):
    extra = [UnitFactory(kind=Unit.Kind.DEPARTMENT) for _ in range(30)]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.street_official)
    client.get("/whistles/new/")
    with django_assert_max_num_queries(6):
        groups = _offered(client.get("/whistles/new/").content.decode())
    summonable = (
        Unit.objects.filter(active=True)
        .exclude(kind=Unit.Kind.CENTRE)
        .exclude(pk=world.street_unit.pk)
        .order_by("kind", "name")
    )
    expected: dict[str, list] = {}
    for unit in summonable:
        expected.setdefault(str(unit.get_kind_display()), []).append((str(unit.pk), False))
    assert groups == list(expected.items())
    # A refused post shows the page again with the units that were ticked still ticked.
    chosen = {str(extra[0].pk), str(world.department.pk)}
    body = client.post("/whistles/new/", {"units": sorted(chosen), "reason": ""}).content
    ticked = {pk for _label, units in _offered(body.decode()) for pk, on in units if on}
    assert ticked == chosen
