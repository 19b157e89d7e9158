"""The every-surface benchmark cannot rot: on a small factory-made city, its preparation fills
every path and each measured surface answers its documented status, one request each."""

import pytest

from bench import surfaces_bench as bench
from tests.cases.factories import case_in

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def small_city(world, settings):
    settings.ALLOWED_HOSTS = ["*"]
    case_in(world, "in_progress")
    case_in(world, "replied")
    street_case = case_in(world, "dispatched", category=world.street_category)
    street_case.assignments.update(unit=world.street_unit)
    street_case.__class__.objects.filter(pk=street_case.pk).update(lead_unit=world.street_unit)
    return world


def test_every_surface_answers_on_a_small_city(small_city):
    users, ctx = bench.prepare()
    # Prepared objects are found again, not made twice.
    assert bench.prepare()[1] == ctx
    by_role = bench.clients(users)
    problems = []
    for surface in bench.all_surfaces():
        if "{suggestion}" in surface.path and ctx["suggestion"] is None:
            continue  # a small city has no seasonal history to suggest from
        path = bench.fill(surface, ctx)
        response = bench.request(by_role[surface.role], path, surface.accept)
        if response.status_code != surface.status:
            problems.append(
                f"{path} as {surface.role}: HTTP {response.status_code} "
                f"{bench._error_summary(response)}"
            )
    assert problems == [], "\n".join(problems)
