"""schemathesis against the OpenAPI schema: whatever it sends, the server never answers 5xx.

Runs as an authenticated dispatcher (who sees every case) over a small seeded city, so generated
ids and numbers hit real objects as well as missing ones. Every operation of the schema is
exercised with generated valid and invalid input."""

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token

from tests.cases.factories import build_world, case_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
EXAMPLES = 12


@pytest.fixture
def keep_connection():
    """Calling the WSGI app directly would close the test's connection after each request
    (request_finished → close_old_connections); Django's own test client disconnects it too."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_api_never_answers_5xx(keep_connection):
    from civic.wsgi import application

    world = build_world()
    for state in ("received", "dispatched", "replied"):
        case_in(world, state)
    token, _ = Token.objects.get_or_create(user=world.dispatcher)
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case):
            # A savepoint per call: one failing statement must not abort the rest of the run.
            with transaction.atomic():
                response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(
                    (case.method, case.formatted_path, response.status_code, response.text[:300])
                )

        run()
    assert failures == []
