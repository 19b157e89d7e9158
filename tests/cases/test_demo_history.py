"""The demo's year of history (seed_demo steps "history" and "assessment"): cases in every month
with their seasons, published boards for each past month, and a second run that adds nothing."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from assessment.models import AssessmentRun, UnitScore
from cases.demo_history import REF_PREFIX
from cases.models import Assignment, Case, CaseEvent, Revisit, Status
from civic.calendar import previous_month
from civic.models import Unit, User

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

STEPS = "structure,history,assessment,dashboard"


def _past_months(n: int = 12) -> list[dt.date]:
    month = timezone.localdate().replace(day=1)
    months = []
    for _i in range(n):
        month = previous_month(month)
        months.append(month)
    return sorted(months)


def _counts() -> dict:
    return {
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "assignments": Assignment.objects.count(),
        "revisits": Revisit.objects.count(),
        "runs": AssessmentRun.objects.count(),
        "scores": UnitScore.objects.count(),
    }


def test_demo_history_fills_a_year_with_seasons_and_published_boards(client):
    call_command("seed_demo", "--only", STEPS)
    history = Case.objects.filter(external_ref__startswith=REF_PREFIX)
    assert 18_000 <= history.count() <= 30_000

    # Every one of the last twelve months has its share of cases; most are closed, some open.
    rows = (
        history.values("received_at__year", "received_at__month")
        .annotate(n=Count("id"))
        .values_list("received_at__year", "received_at__month", "n")
        .order_by()
    )
    by_month = {dt.date(year, month, 1): n for year, month, n in rows}
    for month in _past_months():
        assert by_month.get(month, 0) >= 1_000, month
    statuses = dict(history.values_list("status").annotate(n=Count("id")).order_by())
    assert statuses[Status.CLOSED] > 0.9 * history.count()
    assert {Status.DISPATCHED, Status.IN_PROGRESS, Status.REPLIED} <= set(statuses)
    assert history.filter(is_overdue=True, status=Status.CLOSED).exists()

    # Seasons: heating complaints in January, none to speak of in July.
    def heating_share(month_number: int) -> float:
        cases = history.filter(received_at__month=month_number)
        heating = cases.filter(category__name="冬季采暖").count()
        return heating / cases.count()

    assert heating_share(1) > 0.05 > 0.005 > heating_share(7)

    # A closed case carries the whole trail the services would have written, in order.
    case = (
        history.filter(status=Status.CLOSED, outcome="resolved", is_overdue=False)
        .exclude(lead_unit=None)
        .first()
    )
    actions = list(case.events.order_by("at", "id").values_list("action", flat=True))
    assert [a for a in actions if a != "overdue"] == [
        "create", "dispatch", "sign", "contact", "reply", "revisit", "close"
    ]  # fmt: skip
    assert case.replies.get().unit_id == case.lead_unit_id
    assert case.revisits.get().state == Revisit.State.ANSWERED

    # Boards published for each past month, streets ranked, red and black boards filled.
    runs = AssessmentRun.objects.filter(status=AssessmentRun.Status.PUBLISHED)
    assert sorted(runs.values_list("month", flat=True)) == _past_months()
    last = runs.get(month=_past_months()[-1])
    streets = last.scores.filter(peer_group=Unit.PeerGroup.STREETS)
    assert streets.filter(ranked=True).count() >= 15
    assert streets.filter(board=UnitScore.Board.RED).exists()
    assert streets.filter(board=UnitScore.Board.BLACK).exists()
    # 三率 differ from unit to unit.
    assert streets.filter(ranked=True).values("score").distinct().count() >= 10

    # The public boards page shows last month's ranked streets; a street's page its year.
    page = client.get(reverse("assessment:boards"))
    assert page.status_code == 200 and page.context["run"] == last
    ranked_names = list(streets.filter(ranked=True).values_list("unit__name", flat=True))
    assert sum(name in page.content.decode() for name in ranked_names) == len(ranked_names)
    street = Unit.objects.get(code="S-110101-0")
    page = client.get(reverse("assessment:unit", kwargs={"pk": street.pk}))
    assert page.status_code == 200
    assert len(page.context["trend_rows"]) == 12 and len(page.context["chart"]["dots"]) == 12

    # The leader (viewer) sees the same boards and a dashboard trend filled for twelve months.
    client.force_login(User.objects.get(username="viewer"))
    assert client.get(reverse("assessment:boards")).context["run"] == last
    figures = client.get(reverse("dashboard:dashboard")).context["f"]
    assert len(figures["trend"]) == 12
    assert all(point["received"] > 0 for point in figures["trend"]), figures["trend"]
    assert all(point["closed"] > 0 for point in figures["trend"][:-1])

    # A second run adds nothing (history and boards are there already).
    before = _counts()
    call_command("seed_demo", "--only", STEPS)
    assert _counts() == before


def test_demo_history_units_are_those_dispatch_would_choose():
    call_command("seed_demo", "--only", "structure,history")
    from cases.selectors import route_proposal

    led = (
        Case.objects.filter(external_ref__startswith=REF_PREFIX, lead_unit__isnull=False)
        .select_related("category", "region", "lead_unit")
        .order_by("id")
    )
    for case in led[:: max(1, led.count() // 200)]:
        assert case.lead_unit == route_proposal(category=case.category, region=case.region)
    # Street matters go to the streets, and every street has cases in every past month.
    for month in _past_months():
        start = timezone.make_aware(dt.datetime.combine(month, dt.time()))
        end = timezone.make_aware(
            dt.datetime.combine((month + dt.timedelta(days=32)).replace(day=1), dt.time())
        )
        per_street = (
            Assignment.objects.filter(
                role=Assignment.Role.LEAD,
                dispatched_at__gte=start,
                dispatched_at__lt=end,
                unit__kind__in=[Unit.Kind.STREET, Unit.Kind.TOWNSHIP],
            )
            .values("unit")
            .annotate(n=Count("id"))
        )
        streets = Unit.objects.filter(kind__in=[Unit.Kind.STREET, Unit.Kind.TOWNSHIP]).count()
        assert len(per_street) == streets, month
    # The district government is copied on every direct dispatch to a street (Art. 11-12).
    copies = Assignment.objects.filter(role=Assignment.Role.COPY, unit__kind=Unit.Kind.DISTRICT)
    to_streets = Assignment.objects.filter(
        Q(unit__kind=Unit.Kind.STREET) | Q(unit__kind=Unit.Kind.TOWNSHIP), role=Assignment.Role.LEAD
    )
    assert copies.count() == to_streets.count() > 0
