"""schemathesis over the themes endpoints only: whatever it sends, never a 5xx."""

import datetime as dt

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token

from tests.security.test_api_fuzz import keep_connection  # noqa: F401  (fixture)
from themes import services

from .helpers import file_month

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
EXAMPLES = 12
PREFIXES = ("/api/v1/themes", "/api/v1/hot-topics", "/api/v1/proactive-suggestions")


def test_themes_api_never_answers_5xx(keep_connection, world):  # noqa: F811
    from civic.wsgi import application

    file_month(world)
    services.theme_create(
        actor=world.dispatcher,
        title="道路塌陷",
        month="2026-10",
        lead_unit=world.department,
        milestones=[("摸排", dt.date(2026, 11, 1))],
    )
    token, _ = Token.objects.get_or_create(user=world.dispatcher)
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if op.path.startswith(PREFIXES)
    ]
    assert len(operations) >= 10
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case):
            with transaction.atomic():
                response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(
                    (case.method, case.formatted_path, response.status_code, response.text[:300])
                )

        run()
    assert failures == []
