"""seed_demo step "assessment": the boards of the demo's past year, computed and published.

Each of the last twelve complete months is computed and published through the real services
(`assessment_compute`, `assessment_publish`, as the dispatcher), so the boards page opens on
last month with ranked streets, and every unit's trend has twelve points. Runs after the
cases steps (the bulk history of cases/demo_history.py fills those months). Idempotent: a
month with a published revision is left alone (published months are frozen).
"""

from __future__ import annotations

from django.utils import timezone

from civic.calendar import previous_month
from civic.models import User

from . import services
from .models import AssessmentRun

MONTHS = 12


def seed_demo_assessment(stdout=None) -> int:
    dispatcher = User.objects.filter(username="dispatcher").first()
    if dispatcher is None:
        if stdout:
            stdout.write("assessment: no dispatcher, skipped")
        return 0
    month = timezone.localdate().replace(day=1)
    months = []
    for _i in range(MONTHS):
        month = previous_month(month)
        months.append(month)
    published = set(
        AssessmentRun.objects.filter(
            month__in=months, status=AssessmentRun.Status.PUBLISHED
        ).values_list("month", flat=True)
    )
    made = 0
    for month in sorted(set(months) - published):
        run = services.assessment_compute(month=month, actor=dispatcher)
        services.assessment_publish(run=run, actor=dispatcher)
        made += 1
    if stdout:
        stdout.write(f"assessment: {made} months published ({len(published)} already were)")
    return made
