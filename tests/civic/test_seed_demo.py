import datetime as dt
import hashlib

import pytest
from django.core.management import call_command

from assessment.models import AssessmentRun
from cases.demo_history import REF_PREFIX
from cases.models import Case, CaseEvent
from civic.models import CalendarDay, Category, Membership, Region, Unit, User
from routing.models import DispatchFeedback

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _checksum() -> str:
    parts = [
        *Region.objects.order_by("code").values_list("code", "name", "level", "parent__code"),
        *Unit.objects.order_by("code").values_list("code", "name", "kind", "jurisdiction__code"),
        *Category.objects.order_by("code").values_list("code", "name", "level", "handling_level"),
        *Membership.objects.order_by("user__username", "unit__code").values_list(
            "user__username", "unit__code", "role"
        ),
        *Unit.responsible_categories.through.objects.order_by(
            "unit__code", "category__code"
        ).values_list("unit__code", "category__code"),
        *User.objects.order_by("username").values_list(
            "username", "is_superuser", "home_region__code"
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
    # The router is trained before the demo cases, so their dispatches record its suggestions
    # (the bulk history, cases/demo_history.py, was written without dispatching: none there).
    feedback = DispatchFeedback.objects.all()
    dispatched = Case.objects.filter(dispatched_at__isnull=False)
    assert feedback.count() == dispatched.exclude(external_ref__startswith=REF_PREFIX).count()
    assert not feedback.filter(case__external_ref__startswith=REF_PREFIX).exists()
    assert feedback.filter(shown=True, taken=True).exists()
    # The console's caller history has a frequent caller to show (the demo resident's number).
    from callers.selectors import caller_history

    history = caller_history("138 0013 8000")
    assert history.open_cases and history.closed_cases and history.frequent
    names = set(Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).values_list("name", flat=True))
    for trade in ["城市管理", "住房和城乡建设", "交通委", "生态环境", "市场监督", "教育委",
                  "卫生健康", "人力资源", "交通管理", "水务", "园林绿化", "民政", "文化和旅游",
                  "商务", "规划和自然资源"]:  # fmt: skip
        assert any(trade in name for name in names), trade
    assert set(Unit.objects.filter(kind="enterprise").values_list("utility", flat=True)) == {
        "water", "power", "gas", "heating", "telecom"
    }  # fmt: skip
    assert Unit.objects.filter(kind=Unit.Kind.CENTRE).count() == 1
    # Every street unit governs its street and answers to its district government.
    for unit in Unit.objects.filter(kind__in=["street", "township"]).select_related(
        "jurisdiction__parent", "parent"
    ):
        assert unit.parent.jurisdiction == unit.jurisdiction.parent
    assert set(Category.objects.filter(level=1).values_list("name_en", flat=True)) - {""} and not (
        Category.objects.filter(level=1, name_en="").exists()
    )
    leaves = Category.objects.filter(level=3)
    assert set(leaves.values_list("handling_level", flat=True)) == {
        "street", "department", "enterprise", "community"
    }  # fmt: skip
    assert (
        not leaves.filter(handling_level="enterprise").exclude(default_urgency="utility").exists()
    )
    # Every leaf a department or utility must handle has a responsible unit.
    assert not leaves.filter(
        handling_level__in=["department", "enterprise"], responsible_units__isnull=True
    ).exists()
    for username in ["operator", "dispatcher", "handler", "street", "community", "viewer"]:
        assert User.objects.get(username=username).check_password("civic-demo-2026")
    assert (
        User.objects.filter(
            username__in=["resident", "resident2"], home_region__isnull=False
        ).count()
        == 2
    )
    # The calendar: official through 2026 (chinese-calendar), 2027 provisionally from the
    # computed statutory holidays (the Spring Festival off), offline.
    assert not CalendarDay.objects.filter(date__year__lte=2026, provisional=True).exists()
    assert CalendarDay.objects.filter(date__year=2027, provisional=True).count() == 365
    assert not CalendarDay.objects.get(date=dt.date(2027, 2, 8)).is_workday
    # A year of history behind the demo cases, and the past twelve months' boards published.
    assert Case.objects.filter(external_ref__startswith=REF_PREFIX).count() >= 18_000
    assert AssessmentRun.objects.filter(status="published").values("month").distinct().count() == 12
    before, events = _checksum(), CaseEvent.objects.count()
    runs = AssessmentRun.objects.count()
    call_command("seed_demo")
    assert _checksum() == before and CaseEvent.objects.count() == events
    assert AssessmentRun.objects.count() == runs


def test_demo_accounts_lists_every_role(capsys):
    call_command("seed_demo", "--only", "structure")
    call_command("demo_accounts")
    out = capsys.readouterr().out
    for username in ["admin", "operator", "dispatcher", "handler", "street", "community", "viewer",
                     "resident", "resident2", "civic-demo-2026"]:  # fmt: skip
        assert username in out


def test_seed_demo_refuses_an_unknown_step():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown step"):
        call_command("seed_demo", "--only", "nonsense")
