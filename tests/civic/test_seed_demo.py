import hashlib

import pytest
from django.core.management import call_command

from cases.models import Case, CaseEvent
from civic.models import Category, Membership, Region, Unit, User

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _checksum() -> str:
    parts = [
        *Region.objects.order_by("code").values_list("code", "name", "level", "parent__code"),
        *Unit.objects.order_by("code").values_list("code", "name", "kind", "jurisdiction__code"),
        *Category.objects.order_by("code").values_list("code", "name", "level", "handling_level"),
        *Membership.objects.order_by("user__username", "unit__code").values_list(
            "user__username", "unit__code", "role"
        ),
        *Case.objects.order_by("number").values_list("number", "status"),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def test_seed_demo_builds_the_demo_city_and_is_idempotent():
    call_command("seed_demo")
    assert Region.objects.filter(level=Region.Level.DISTRICT).count() >= 3
    assert Region.objects.filter(level__in=["street", "township"]).count() >= 20
    assert Region.objects.filter(level__in=["community", "village"]).count() >= 60
    assert Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).count() >= 15
    assert Unit.objects.filter(kind=Unit.Kind.ENTERPRISE).count() >= 5
    assert Category.objects.filter(level=1).count() == 15
    assert Category.objects.filter(level=3).count() == 517
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles >= {r.value for r in Membership.Role}
    assert User.objects.get(username="admin").is_superuser
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == {"received", "dispatched", "signed", "in_progress", "replied", "closed"}
    assert Case.objects.filter(return_count__gt=0).exists()
    assert Case.objects.filter(extension_count__gt=0).exists()
    assert Case.objects.filter(reopen_count__gt=0).exists()
    before, events = _checksum(), CaseEvent.objects.count()
    call_command("seed_demo")
    assert _checksum() == before and CaseEvent.objects.count() == events
