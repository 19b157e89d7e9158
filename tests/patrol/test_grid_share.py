"""The share found on patrol per grid (issue 33): each problem of the month counts once, for
the grid and the channel of its first report; a resident case naming a community counts for
its grid only when the community has one grid; scoped, month by month, on the page and the API."""

import datetime as dt
import re
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases.models import Case, Channel
from civic import calendar
from civic.models import Membership, Region, Unit
from merging import services as merging
from patrol import selectors, services
from patrol.models import GridAssignment, PatrolReport
from patrol.selectors import RESIDENT_CHANNELS
from tests.cases.factories import file_case
from tests.factories import RegionFactory, UnitFactory, member

pytestmark = pytest.mark.django_db

MONTH = dt.date(2025, 3, 1)
START, END = calendar.month_bounds(MONTH)
HERE = {"lat": "39.914100", "lng": "116.400200"}


def day(n: int, hour: int = 10) -> dt.datetime:
    return START + dt.timedelta(days=n, hours=hour)


class City:
    """The world's two streets with grids: 多福巷社区 has one grid (A); 南池子社区, in the same
    street, has two (B1, B2); 吉祥社区 in the other street has one (C)."""

    def __init__(self, world):
        self.world = world
        self.a = RegionFactory(level=Region.Level.GRID, parent=world.community, name="多福巷网格")
        self.two = RegionFactory(
            level=Region.Level.COMMUNITY, parent=world.street, name="南池子社区"
        )
        self.b1 = RegionFactory(level=Region.Level.GRID, parent=self.two, name="南池子一网格")
        self.b2 = RegionFactory(level=Region.Level.GRID, parent=self.two, name="南池子二网格")
        self.c = RegionFactory(
            level=Region.Level.GRID, parent=world.other_community, name="吉祥网格"
        )
        self.worker = member(Membership.Role.GRID_WORKER, world.community_unit, username="grid")
        for grid in (self.a, self.b1, self.b2, self.c):
            GridAssignment.objects.create(worker=self.worker, grid=grid)

    def patrol(self, grid: Region, at: dt.datetime) -> Case:
        return services.patrol_report_create(
            actor=self.worker,
            grid=grid,
            category=self.world.street_category,
            text="井盖破损下沉",
            at=at,
            **HERE,
        ).case

    def resident(self, region: Region, at: dt.datetime, **kwargs) -> Case:
        return file_case(self.world, region=region, received_at=at, **kwargs)[0]

    def merge(self, main: Case, *others: Case) -> None:
        merging.merge_cases(actor=self.world.dispatcher, main=main, others=list(others))


@pytest.fixture
def city(world):
    """The month's scenario; the expected figures are worked out by hand in each test."""
    c = City(world)
    w = world
    c.patrol(c.a, day(1))
    c.patrol(c.a, day(2))
    c.patrol(c.b1, day(3))
    c.patrol(c.b2, day(4))
    c.resident(w.community, day(5))
    c.resident(w.community, day(5, 11))
    c.resident(w.community, day(6), by=w.operator, channel=Channel.HOTLINE)
    c.resident(c.two, day(6))  # a community with two grids: the street's, no grid's
    c.resident(c.two, day(7))
    c.resident(c.b2, day(7))  # placed on the grid itself
    c.resident(w.community, day(8), by=w.dispatcher, channel=Channel.PROACTIVE)  # neither
    # Merged pairs count once, by the first report, whichever case is the main one.
    patrol_first = c.patrol(c.a, day(10))
    c.merge(c.resident(w.community, day(11)), patrol_first)
    resident_first = c.resident(w.community, day(12))
    c.merge(c.patrol(c.a, day(13)), resident_first)
    # The month's bounds: the first instant is in, the last second before it and the next
    # month's first instant are out.
    c.resident(w.community, START)
    c.resident(w.community, START - dt.timedelta(seconds=1))
    c.resident(w.community, END)
    # Found on patrol last month, reported again by a resident this month: last month's problem.
    last_month_patrol = c.patrol(c.a, START - dt.timedelta(hours=1))
    c.merge(c.resident(w.community, day(0, 9)), last_month_patrol)
    c.patrol(c.c, day(3))
    c.resident(w.other_community, day(4))
    return c


def _from_scratch(month: dt.date) -> dict[int, tuple[int, int]]:
    """Per grid (patrol, residents), case by case: each merge group's first case only, placed
    by its patrol report's grid, else its region if a grid, else its region's only grid."""
    start, end = calendar.month_bounds(month)
    groups: dict[int, list[Case]] = {}
    for case in Case.objects.select_related("region"):
        groups.setdefault(case.merged_into_id or case.pk, []).append(case)
    tally: Counter = Counter()
    for members in groups.values():
        first = min(members, key=lambda c: (c.received_at, c.pk))
        if not start <= first.received_at < end:
            continue
        report = PatrolReport.objects.filter(case=first).first()
        if report is not None:
            grid = report.grid
        elif first.region.level == Region.Level.GRID:
            grid = first.region
        else:
            children = list(first.region.children.filter(level=Region.Level.GRID))
            grid = children[0] if len(children) == 1 else None
        if grid is None:
            continue
        if first.channel == Channel.PATROL:
            tally[grid.pk, "patrol"] += 1
        elif first.channel in RESIDENT_CHANNELS:
            tally[grid.pk, "residents"] += 1
    grids = Region.objects.filter(level=Region.Level.GRID)
    return {g.pk: (tally[g.pk, "patrol"], tally[g.pk, "residents"]) for g in grids}


def _by_grid(stats) -> dict[int, tuple[int, int]]:
    return {row.grid.pk: (row.patrol, row.residents) for row in stats.grids}


def test_per_grid_counts_equal_counting_each_problem_from_scratch(city):
    for month in (MONTH, calendar.previous_month(MONTH)):
        stats = selectors.patrol_stats(user=city.world.dispatcher, month=month)
        assert _by_grid(stats) == _from_scratch(month)
    stats = selectors.patrol_stats(user=city.world.dispatcher, month=MONTH)
    assert _by_grid(stats) == {
        city.a.pk: (3, 5),  # 2 + the merged pair found first on patrol; 3 + the other pair + START
        city.b1.pk: (1, 0),
        city.b2.pk: (1, 1),
        city.c.pk: (1, 1),
    }
    rows = {row.grid.pk: row for row in stats.grids}
    assert rows[city.a.pk].patrol_share == 3 / 8
    assert rows[city.b1.pk].patrol_share == 1.0
    assert [rows[g.pk].residents_partial for g in (city.a, city.b1, city.b2, city.c)] == [
        False,
        True,
        True,
        False,
    ]
    # The two-grid community's own cases count for the street, so the street has more.
    streets = {row.street.pk: (row.patrol, row.residents) for row in stats.streets}
    assert streets[city.world.street.pk] == (5, 8)
    assert streets[city.world.other_community.parent_id] == (1, 1)
    assert (stats.patrol_total, stats.residents_total) == (6, 9)
    last = selectors.patrol_stats(user=city.world.dispatcher, month=calendar.previous_month(MONTH))
    assert _by_grid(last)[city.a.pk] == (1, 1)


def test_a_merge_undone_counts_both_cases_again(city):
    main = Case.objects.get(received_at=day(11))
    merging.unmerge_cases(actor=city.world.dispatcher, main=main)
    stats = selectors.patrol_stats(user=city.world.dispatcher, month=MONTH)
    assert _by_grid(stats)[city.a.pk] == (3, 6) == _from_scratch(MONTH)[city.a.pk]


def test_a_street_official_sees_only_the_grids_of_his_street(city):
    mine = selectors.patrol_stats(user=city.world.street_official, month=MONTH)
    assert _by_grid(mine) == {city.a.pk: (3, 5), city.b1.pk: (1, 0), city.b2.pk: (1, 1)}
    jingshan = member(
        Membership.Role.STREET_OFFICIAL,
        UnitFactory(kind=Unit.Kind.STREET, jurisdiction=city.world.other_community.parent),
    )
    theirs = selectors.patrol_stats(user=jingshan, month=MONTH)
    assert _by_grid(theirs) == {city.c.pk: (1, 1)}
    body = _client(jingshan).get(f"/patrol/stats/?month={MONTH:%Y-%m}").content.decode()
    assert city.c.code in body and city.a.code not in body and "南池子" not in body


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _page_row(body: str, grid: Region) -> dict[str, str]:
    row = re.search(rf'<tr data-grid="{re.escape(grid.code)}">(.*?)</tr>', body, re.S).group(1)
    cells = dict(re.findall(r"data-(patrol|residents|share)>(.*?)</td>", row))
    return {k: re.sub(r"<[^>]+>", "", v).strip() for k, v in cells.items()}


def test_the_page_shows_the_share_per_grid_and_marks_shared_communities(city):
    response = _client(city.world.street_official).get(f"/patrol/stats/?month={MONTH:%Y-%m}")
    assert response.status_code == 200
    body = response.content.decode()
    assert _page_row(body, city.a) == {"patrol": "3", "residents": "5", "share": "37.5 %"}
    assert _page_row(body, city.b1) == {"patrol": "1", "residents": "0*", "share": "100.0 %"}
    assert 'data-note="partial"' in body and "主动发现" in body
    previous = _client(city.world.street_official).get(
        f"/patrol/stats/?month={calendar.previous_month(MONTH):%Y-%m}"
    )
    assert _page_row(previous.content.decode(), city.a) == {
        "patrol": "1",
        "residents": "1",
        "share": "50.0 %",
    }


def test_a_page_without_shared_communities_has_no_footnote(world):
    grid = RegionFactory(level=Region.Level.GRID, parent=world.community, name="多福巷网格")
    body = _client(world.street_official).get("/patrol/stats/").content.decode()
    assert f'data-grid="{grid.code}"' in body and 'data-note="partial"' not in body
    assert _page_row(body, grid) == {"patrol": "0", "residents": "0", "share": "—"}


def test_the_api_gives_the_same_figures_per_grid(city):
    api = _client(city.world.street_official)
    body = api.get(f"/api/v1/patrol/stats/?month={MONTH:%Y-%m}").json()
    rows = {row["grid_code"]: row for row in body["grids"]}
    assert set(rows) == {city.a.code, city.b1.code, city.b2.code}
    keys = ("patrol", "residents", "patrol_share", "residents_partial", "street", "street_code")
    assert {k: rows[city.a.code][k] for k in keys} == {
        "patrol": 3,
        "residents": 5,
        "patrol_share": 0.375,
        "residents_partial": False,
        "street": "东华门街道",
        "street_code": city.world.street.code,
    }
    assert (rows[city.b2.code]["patrol"], rows[city.b2.code]["residents"]) == (1, 1)
    assert rows[city.b2.code]["residents_partial"] is True
    assert (body["patrol_total"], body["residents_total"]) == (5, 8)
    assert api.get("/api/v1/patrol/stats/?month=2025-3x").status_code == 400
    assert _client(city.worker).get("/api/v1/patrol/stats/").status_code == 403


def test_more_grids_and_merges_cost_no_more_queries(city):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.patrol_stats(user=city.world.dispatcher, month=MONTH)
        return len(ctx.captured_queries)

    before = queries()
    for n in range(4):
        community = RegionFactory(
            level=Region.Level.COMMUNITY, parent=city.world.street, name=f"新社区{n}"
        )
        grid = RegionFactory(level=Region.Level.GRID, parent=community, name=f"新网格{n}")
        GridAssignment.objects.create(worker=city.worker, grid=grid)
        city.merge(city.resident(community, day(15 + n)), city.patrol(grid, day(14 + n)))
    assert queries() == before <= 8
    stats = selectors.patrol_stats(user=city.world.dispatcher, month=MONTH)
    assert _by_grid(stats) == _from_scratch(MONTH)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_grid_table_fits_a_phone(browser_page, world):
    city = City(world)
    city.patrol(city.a, day(1))
    city.resident(world.community, day(2))
    city.patrol(city.b1, day(3))
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", "street")
    page.fill("#id_password", "pass-1234-word")
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    page.goto(page.base_url + f"/patrol/stats/?month={MONTH:%Y-%m}")
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    share = page.locator(f'tr[data-grid="{city.a.code}"] td[data-share]')
    assert share.inner_text().strip() == "50.0 %"
    assert share.evaluate("td => getComputedStyle(td, '::before').content") == '"主动发现占比"'
