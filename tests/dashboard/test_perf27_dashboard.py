"""The dashboard page at city scale (issue 27): the twelve months of the trend score with the
assessment policy in force in each month, read in one query rather than one per month."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from assessment.models import AssessmentPolicy
from assessment.services import policy_for
from dashboard import selectors

pytestmark = pytest.mark.django_db


def test_each_trend_month_uses_the_policy_in_force_then(world):
    this_month = timezone.localdate().replace(day=1)
    first = selectors._add_months(this_month, -11)
    AssessmentPolicy.objects.create(effective_from=dt.date(2000, 1, 1))
    AssessmentPolicy.objects.create(effective_from=selectors._add_months(first, 5))
    months = [selectors._add_months(first, i) for i in range(12)]
    assert selectors._policies_for(months) == {m: policy_for(m) for m in months}


def test_the_page_reads_the_policies_once(world, django_assert_max_num_queries):
    AssessmentPolicy.objects.create(effective_from=dt.date(2000, 1, 1))
    client = Client()
    client.force_login(world.dispatcher)  # the whole city
    assert client.get("/dashboard/").status_code == 200
    with django_assert_max_num_queries(22) as captured:
        assert client.get("/dashboard/").status_code == 200
    policy_reads = [q for q in captured.captured_queries if "assessmentpolicy" in q["sql"]]
    assert len(policy_reads) == 1
