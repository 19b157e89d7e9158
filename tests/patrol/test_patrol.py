"""Grid workers' patrol (issue 33): a report from the phone becomes a case (channel patrol) the
centre dispatches like any other; check-ins; statistics per grid and street, scoped."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, Channel, Status
from civic import calendar
from civic.errors import DomainValidationError
from civic.models import Membership, Region
from patrol import selectors, services
from patrol.models import GridAssignment, PatrolCheckIn, PatrolReport
from tests.cases.factories import file_case
from tests.factories import RegionFactory, UnitFactory, member

pytestmark = pytest.mark.django_db

HERE = {"lat": "39.914100", "lng": "116.400200"}


@pytest.fixture
def grid(world):
    return RegionFactory(level=Region.Level.GRID, parent=world.community, name="多福巷第一网格")


@pytest.fixture
def worker(world, grid):
    user = member(Membership.Role.GRID_WORKER, world.community_unit, username="grid")
    GridAssignment.objects.create(worker=user, grid=grid)
    return user


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _report(world, worker, grid, **overrides):
    data = {
        "grid": grid.pk,
        "category": world.street_category.pk,
        "text": "早市摊贩占用人行道经营，行人只能走机动车道。",
        "accuracy_m": "12",
        **HERE,
        **overrides,
    }
    return _client(worker).post("/patrol/", data)


def test_a_patrol_report_becomes_a_case_found_on_patrol_ready_for_dispatch(world, worker, grid):
    response = _report(world, worker, grid)
    assert response.status_code == 302
    report = PatrolReport.objects.get()
    case = report.case
    assert (case.channel, case.status, case.region) == (
        Channel.PATROL,
        Status.RECEIVED,
        world.community,
    )
    assert (case.lat, case.lng) == (Decimal(HERE["lat"]), Decimal(HERE["lng"]))
    assert case.title.startswith("早市摊贩占用人行道")
    assert (report.grid, report.worker, report.accuracy_m) == (grid, worker, 12)
    # Dispatched like any case.
    case_services.case_dispatch(actor=world.dispatcher, case=case, lead_unit=world.street_unit)
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    # The worker sees it in the recent reports, with its message shown.
    page = _client(worker).get("/patrol/")
    assert case.number in page.content.decode()


def test_a_report_without_the_phones_location_is_refused_with_a_field_message(world, worker, grid):
    response = _report(world, worker, grid, lat="", lng="")
    assert response.status_code == 400
    assert (
        "location" in str(response.context["report_form"].errors).lower()
        or response.context["report_form"].errors
    )
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"text": ""},
        {"text": "长" * 501},
        {"category": "999999999999999999999"},
        {"lat": "95", "lng": "116.4"},
        {"lat": "NaN", "lng": "116.4"},
    ],
)
def test_bad_report_input_is_a_form_error_never_a_case(world, worker, grid, overrides):
    response = _report(world, worker, grid, **overrides)
    assert response.status_code == 400
    assert response.context["report_form"].errors
    assert not Case.objects.exists()


def test_only_a_grid_worker_reports_and_only_in_their_own_grid(world, worker, grid):
    other_grid = RegionFactory(level=Region.Level.GRID, parent=world.other_community)
    response = _report(world, worker, other_grid)
    assert response.status_code == 400  # not one of the choices offered
    assert not Case.objects.exists()
    for user in (world.resident, world.handler, world.operator):
        assert _client(user).get("/patrol/").status_code == 403
    with pytest.raises(DomainValidationError) as refused:
        services.patrol_report_create(
            actor=worker, grid=other_grid, category=world.street_category,
            text="井盖破损", **HERE,
        )  # fmt: skip
    assert list(refused.value.extra["fields"]) == ["grid"]
    assert not Case.objects.exists()


def test_check_in_records_where_the_worker_is(world, worker, grid):
    response = _client(worker).post(
        "/patrol/check-in/",
        {"checkin-grid": grid.pk, "checkin-lat": HERE["lat"], "checkin-lng": HERE["lng"]},
    )
    assert response.status_code == 302
    check_in = PatrolCheckIn.objects.get()
    assert (check_in.worker, check_in.grid, str(check_in.lat)) == (worker, grid, HERE["lat"])
    refused = _client(worker).post("/patrol/check-in/", {"checkin-grid": grid.pk})
    assert refused.status_code == 400
    assert PatrolCheckIn.objects.count() == 1


def test_statistics_compare_patrol_with_residents_per_street_and_count_coverage_per_grid(
    world, worker, grid
):
    for text in ("井盖破损下沉", "路灯不亮"):
        services.patrol_report_create(
            actor=worker, grid=grid, category=world.street_category, text=text, **HERE
        )
    services.patrol_check_in(actor=worker, grid=grid, **HERE)
    file_case(world)  # a resident's case in the same street (web)
    file_case(world, by=world.operator, channel=Channel.HOTLINE)
    file_case(world, region=world.other_community)  # another street
    stats = selectors.patrol_stats(user=world.dispatcher, month=timezone.localdate())
    by_name = {row.street.name: row for row in stats.streets}
    assert (by_name["东华门街道"].patrol, by_name["东华门街道"].residents) == (2, 2)
    assert by_name["东华门街道"].patrol_share == 0.5
    assert (by_name["景山街道"].patrol, by_name["景山街道"].residents) == (0, 1)
    assert (stats.patrol_total, stats.residents_total) == (2, 3)
    (row,) = [g for g in stats.grids if g.grid == grid]
    assert (row.workers, row.reports, row.check_ins) == (1, 2, 1)
    start, _end = calendar.month_bounds(timezone.localdate())
    weeks = max((timezone.now() - start).total_seconds() / (7 * 86400), 1 / 7)
    assert row.reports_per_week == round(2 / weeks, 1)
    assert row.check_ins_per_week == round(1 / weeks, 1)


def test_statistics_are_scoped_to_the_officials_street(world, worker, grid):
    services.patrol_report_create(
        actor=worker, grid=grid, category=world.street_category, text="井盖破损", **HERE
    )
    other_street_official = member(
        Membership.Role.STREET_OFFICIAL,
        UnitFactory(kind="street", jurisdiction=world.other_community.parent),
    )
    mine = selectors.patrol_stats(user=world.street_official, month=timezone.localdate())
    theirs = selectors.patrol_stats(user=other_street_official, month=timezone.localdate())
    assert [s.street.name for s in mine.streets] == ["东华门街道"]
    assert [g.grid for g in mine.grids] == [grid]
    assert [s.street.name for s in theirs.streets] == ["景山街道"]
    assert theirs.grids == [] and theirs.patrol_total == 0
    page = _client(world.street_official).get("/patrol/stats/").content.decode()
    assert "多福巷第一网格" in page and "景山街道" not in page
    for user in (world.resident, world.handler, worker):
        assert _client(user).get("/patrol/stats/").status_code == 403


def test_last_months_figures_are_read_by_month(world, worker, grid):
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=15)
    at = timezone.make_aware(dt.datetime.combine(last_month, dt.time(10)))
    services.patrol_report_create(
        actor=worker, grid=grid, category=world.street_category, text="井盖破损", at=at, **HERE
    )
    now = selectors.patrol_stats(user=world.dispatcher, month=timezone.localdate())
    then = selectors.patrol_stats(user=world.dispatcher, month=last_month)
    assert (now.patrol_total, then.patrol_total) == (0, 1)
    page = _client(world.dispatcher).get(f"/patrol/stats/?month={last_month:%Y-%m}")
    assert page.status_code == 200 and "data-share>100.0" in page.content.decode().replace(" ", "")


def test_api_report_check_in_and_stats(world, worker, grid):
    api = _client(worker)
    created = api.post(
        "/api/v1/patrol/reports/",
        {"grid": grid.pk, "category": world.street_category.pk, "text": "垃圾满溢", **HERE},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert Case.objects.get(number=created.json()["case"]).channel == Channel.PATROL
    bad = api.post(
        "/api/v1/patrol/reports/",
        {"grid": grid.pk, "category": world.street_category.pk, "text": "", "lat": 1e308},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert {"text", "lat", "lng"} <= set(bad.json()["extra"]["fields"])
    assert (
        api.post(
            "/api/v1/patrol/check-ins/", {"grid": grid.pk, **HERE}, content_type="application/json"
        ).status_code
        == 201
    )
    assert (
        _client(world.resident)
        .post("/api/v1/patrol/reports/", {}, content_type="application/json")
        .status_code
        == 403
    )
    stats = _client(world.dispatcher).get("/api/v1/patrol/stats/").json()
    assert stats["patrol_total"] == 1
    for month in ("2026-13", "0001-01", "9999-12"):
        assert (
            _client(world.dispatcher).get(f"/api/v1/patrol/stats/?month={month}").status_code == 400
        )
    for month in ("0001-01", "9999-12"):  # the page falls back to this month
        assert _client(world.dispatcher).get(f"/patrol/stats/?month={month}").status_code == 200
    assert _client(worker).get("/api/v1/patrol/stats/").status_code == 403
