"""Dashboard: scoping, each figure against a count from scratch, roll-ups after events and
after a rebuild, the API's refusals."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from cases import services as cs
from cases.models import OPEN_STATUSES, Case, Channel, Revisit
from civic import clock
from civic.models import Membership, Region, Unit
from dashboard import services
from dashboard.models import (
    CaseTally,
    DailyTally,
    MonthlyCategory,
    MonthlyChannel,
    MonthlyTally,
    OpenSnapshot,
)
from tests.cases.factories import case_in, file_case
from tests.factories import UnitFactory, member

API = "/api/v1/dashboard/"
TZ = timezone.get_default_timezone()


def at(day: int, hour: int = 10, month: int = 3) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour), TZ)


def scratch_daily() -> Counter:
    """Every bucket counted straight from the cases, independently of the dashboard's code."""
    out: Counter = Counter()
    for case in Case.objects.select_related("category__parent__parent", "region"):
        cat = case.category
        second = cat.parent if cat.level == 3 else cat
        area = case.region.parent_id if case.region.level == Region.Level.GRID else case.region_id
        key = (area, second.pk, case.channel)
        out[(timezone.localtime(case.received_at).date(), *key, "received")] += 1
        if case.dispatched_at and case.assessable:
            day = timezone.localtime(case.dispatched_at).date()
            out[(day, *key, "dispatched")] += 1
            if (
                case.contacted_at
                and case.contact_due_at
                and case.contacted_at <= case.contact_due_at
            ):
                out[(day, *key, "responded")] += 1
            rv = (
                case.revisits.filter(state=Revisit.State.ANSWERED)
                .exclude(satisfaction="")
                .order_by("-answered_at", "-id")
                .first()
            )
            if rv:
                out[(day, *key, "revisited")] += 1
                out[(day, *key, "resolved")] += int(bool(rv.resolved))
                out[(day, *key, "satisfied")] += int(rv.satisfaction == "satisfied")
                out[(day, *key, "basically")] += int(rv.satisfaction == "basically")
        if case.status == "closed":
            out[(timezone.localtime(case.closed_at).date(), *key, "closed")] += 1
    return Counter({k: v for k, v in out.items() if v})


MEASURES = (
    "received",
    "dispatched",
    "responded",
    "revisited",
    "resolved",
    "satisfied",
    "basically",
    "closed",
)


def rolled_daily() -> Counter:
    out: Counter = Counter()
    for row in DailyTally.objects.all():
        for m in MEASURES:
            out[(row.day, row.area_id, row.category_id, row.channel, m)] += getattr(row, m)
    return Counter({k: v for k, v in out.items() if v})


def rolled_monthly() -> Counter:
    out: Counter = Counter()
    for row in MonthlyTally.objects.all():
        for m in MEASURES:
            out[(row.month, row.area_id, m)] += getattr(row, m)
    return Counter({k: v for k, v in out.items() if v})


def monthly_of(daily: Counter) -> Counter:
    out: Counter = Counter()
    for (day, area, _cat, _ch, m), n in daily.items():
        out[(day.replace(day=1), area, m)] += n
    return out


def scratch_open(when) -> dict:
    out: dict = {}
    for case in Case.objects.filter(status__in=OPEN_STATUSES):
        row = out.setdefault(case.region_id, [0, 0, 0])
        row[0] += 1
        due = case.handle_due_at
        row[1] += int(due is not None and when <= due < when + dt.timedelta(hours=24))
        row[2] += int(due is not None and due < when)
    return {k: v for k, v in out.items() if any(v)}


def rolled_open() -> dict:
    latest = OpenSnapshot.objects.order_by("-hour").first()
    rows = OpenSnapshot.objects.filter(hour=latest.hour)
    return {
        r.area_id: [r.open, r.due_soon, r.overdue]
        for r in rows
        if r.open or r.due_soon or r.overdue
    }


def rolled_by(model, field) -> Counter:
    return Counter(
        {
            (r.month, r.area_id, getattr(r, field)): r.received
            for r in model.objects.all()
            if r.received
        }
    )


def scratch_by(daily: Counter, position: int) -> Counter:
    out: Counter = Counter()
    for key, n in daily.items():
        if key[-1] == "received":
            out[(key[0].replace(day=1), key[1], key[position])] += n
    return out


def assert_rollups_match():
    daily = scratch_daily()
    assert rolled_daily() == daily
    assert rolled_monthly() == monthly_of(daily)
    assert rolled_by(MonthlyCategory, "category_id") == scratch_by(daily, 2)
    assert rolled_by(MonthlyChannel, "channel") == scratch_by(daily, 3)


def _life(world, start: dt.datetime):
    """A sequence over several days: file, dispatch, sign, contact, reply, revisit, reopen."""
    with clock.override(start):
        closed = case_in(world, "closed")
        c2, _ = file_case(world, channel=Channel.HOTLINE, by=world.operator)
    with clock.override(start + dt.timedelta(days=1)):
        c2 = cs.case_dispatch(actor=world.dispatcher, case=c2, lead_unit=world.department)
        received = case_in(world, "received", region=world.other_community)
    with clock.override(start + dt.timedelta(days=2)):
        cs.case_reopen(actor=world.dispatcher, case=closed, reason="居民再次反映")
        cs.case_close_without_dispatch(
            actor=world.operator, case=received, outcome="answered_on_spot", note="已当场解答"
        )
    with clock.override(start + dt.timedelta(days=3)):
        case_in(world, "replied", channel=Channel.APP)
    return c2


@pytest.mark.django_db
def test_rollups_equal_counts_from_scratch_after_events(world):
    _life(world, at(2))
    assert Case.objects.count() == 4
    assert_rollups_match()


@pytest.mark.django_db
def test_rollups_equal_counts_after_rebuild_and_events_after_it(world):
    _life(world, at(2))
    # From nothing: as when the dashboard is turned on over an existing history.
    CaseTally.objects.all().delete()
    for model in (DailyTally, MonthlyTally, MonthlyCategory, MonthlyChannel):
        model.objects.all().delete()
    services.tally_rebuild()
    assert CaseTally.objects.count() == Case.objects.count()
    assert_rollups_match()
    # Events after a rebuild are counted once.
    with clock.override(at(6)):
        case_in(world, "closed", channel=Channel.WECHAT)
    assert_rollups_match()


@pytest.mark.django_db
def test_periodic_rebuild_counts_a_case_written_without_events(world):
    with clock.override(at(2)):
        case_in(world, "dispatched")
        services.open_snapshot_refresh(at=at(2))
    # A bulk import: no events, so nothing counts it until the rebuild of its days.
    imported = Case.objects.first()
    Case.objects.filter(pk=imported.pk).update(channel=Channel.WECHAT)
    with clock.override(at(3)):
        result = services.dashboard_refresh(at=at(3))
    assert result["cases"] >= 1
    assert_rollups_match()
    assert rolled_open() == scratch_open(at(3))


@pytest.mark.django_db
def test_open_snapshot_moves_with_events_and_equals_a_recount(world):
    with clock.override(at(2)):
        case_in(world, "in_progress")
        services.open_snapshot_refresh(at=at(2, 11))
    with clock.override(at(2, 12)):
        case_in(world, "dispatched", region=world.other_community)
        case_in(world, "received")
        case_in(world, "closed")
    assert rolled_open() == scratch_open(at(2, 11))
    # Ten days on, the dispatched cases are overdue: the refresh sees it.
    later = at(12)
    services.open_snapshot_refresh(at=later)
    assert rolled_open() == scratch_open(later)
    assert sum(v[2] for v in rolled_open().values()) == 2


# --- scoping ---------------------------------------------------------------------------------


def _leader_of(region: Region, username: str):
    unit = UnitFactory(kind=Unit.Kind.DISTRICT, name=f"{region.name}领导", jurisdiction=region)
    return member(Membership.Role.VIEWER, unit, username=username)


@pytest.fixture
def figures_world(world):
    now = clock.now()
    case_in(world, "closed")
    case_in(world, "dispatched", region=world.other_community, channel=Channel.HOTLINE)
    case_in(world, "received", channel=Channel.HOTLINE)
    services.open_snapshot_refresh(at=now)
    return world


@pytest.mark.django_db
def test_centre_sees_the_whole_city(client, figures_world):
    client.force_login(figures_world.dispatcher)
    body = client.get(API).json()
    assert body["intake_today"] == 3
    assert body["open"]["open"] == 2
    by_channel = {r["channel"]: r["today"] for r in body["intake"]}
    assert by_channel["hotline"] == 2 and by_channel["web"] == 1


@pytest.mark.django_db
def test_street_official_sees_only_their_street(client, figures_world):
    client.force_login(figures_world.street_official)
    body = client.get(API).json()
    # The other community lies in another street.
    assert body["intake_today"] == 2
    assert {p["name"] for p in body["heat"]} == {figures_world.community.name}
    other = Region.objects.get(pk=figures_world.other_community.pk)
    assert client.get(API, {"region": other.pk}).status_code == 403


@pytest.mark.django_db
def test_district_leader_sees_only_the_district(client, figures_world):
    w = figures_world
    leader = _leader_of(w.district, "leader")
    elsewhere = Region.objects.create(
        code="OTHER-D", name="西城区", level="district", parent=w.city
    )
    case_in(w, "received", region=elsewhere)
    client.force_login(leader)
    assert client.get(API).json()["intake_today"] == 3
    client.force_login(w.dispatcher)
    assert client.get(API).json()["intake_today"] == 4
    assert client.get(API, {"region": w.street.pk}).json()["intake_today"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["resident", "handler", "community_worker"])
def test_others_are_refused_page_and_api(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(API).status_code == 403
    assert client.get("/dashboard/").status_code == 403


@pytest.mark.django_db
def test_anonymous_is_refused(client, world):
    assert client.get(API).status_code in (401, 403)
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "999999"])
def test_bad_region_is_a_400_with_field_message(client, world, value):
    client.force_login(world.dispatcher)
    response = client.get(API, {"region": value})
    assert response.status_code == 400
    assert "region" in response.json()["extra"]["fields"]
    assert client.get("/dashboard/", {"region": value}).status_code == 400


# --- figures ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_shows_figures_and_tables(client, figures_world):
    client.force_login(figures_world.viewer if figures_world.viewer else None)
    leader = _leader_of(figures_world.district, "leader2")
    client.force_login(leader)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="intake-today">3<' in html
    assert 'class="stack dash-table"' in html and "data-label=" in html
    assert "style=" not in html.split("<main", 1)[-1]


@pytest.mark.django_db
def test_rates_match_a_count_from_scratch(client, world):
    for _ in range(2):
        case_in(world, "closed")
    case_in(world, "in_progress")
    client.force_login(world.dispatcher)
    body = client.get(API).json()
    month = body["rates"]["this_month"]
    dispatched = Case.objects.filter(dispatched_at__isnull=False, assessable=True)
    responded = [c for c in dispatched if c.contacted_at and c.contacted_at <= c.contact_due_at]
    assert month["dispatched"] == dispatched.count() == 3
    assert month["response"] == round(100 * len(responded) / 3, 1)
    assert month["revisited"] == 2
    assert month["resolution"] == 100.0 and month["satisfaction"] == 100.0
    assert len(body["trend"]) == 12 and body["trend"][-1]["received"] == 3


@pytest.mark.django_db
def test_top_categories_and_growth_against_last_month(client, world):
    # On the 10th of April: March (31 days) prorated to 10 days.
    with clock.override(at(5, month=3)):
        for _ in range(31):
            case_in(world, "received", category=world.street_category)
    with clock.override(at(2, month=4)):
        for _ in range(2):
            case_in(world, "received", category=world.street_category)
        case_in(world, "received")
    client.force_login(world.dispatcher)
    with clock.override(at(10, month=4)):
        body = client.get(API).json()
    second = body["top_categories"]["second"]
    assert second[0]["name"] == world.street_category.parent.name
    assert (second[0]["count"], second[0]["previous"]) == (2, 10)
    assert second[0]["growth"] == -80.0
    assert second[1]["previous"] == 0 and second[1]["growth"] is None
    assert sum(r["count"] for r in body["top_categories"]["first"]) == 3
    assert body["intake_month"] == 3 and body["intake_today"] == 0


@pytest.mark.django_db
def test_whistles_themes_and_suggestions_figures(client, world):
    client.force_login(world.dispatcher)
    body = client.get(API).json()
    assert body["whistles"]["summoned"] == 0 and body["whistles"]["rate"] is None
    assert body["themes"] == []
    assert body["suggestions"] == {"suggested": 0, "accepted": 0, "done": 0}


@pytest.mark.django_db
def test_schema_lists_the_dashboard(client, world):
    client.force_login(world.dispatcher)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/dashboard/" in response.content


@pytest.mark.django_db
def test_heat_map_counts_by_community_inside_the_box(client, world):
    for _ in range(3):
        case_in(world, "received")
    case_in(world, "received", region=world.other_community)
    client.force_login(world.dispatcher)
    heat = {p["name"]: p for p in client.get(API).json()["heat"]}
    assert heat[world.community.name]["count"] == 3
    assert heat[world.other_community.name]["count"] == 1
    assert heat[world.community.name]["r"] > heat[world.other_community.name]["r"]
    for p in heat.values():
        assert 0 <= p["x"] <= 600 and 0 <= p["y"] <= 400
    page = client.get("/dashboard/").content.decode()
    heat_svg = page[
        page.index('data-chart="heat"') : page.index("</svg>", page.index('data-chart="heat"'))
    ]
    assert heat_svg.count("<circle ") == 2  # (the legend below has its own sample circles)


@pytest.mark.django_db
def test_whistle_timeliness_counts_this_months_summonses_in_scope(client, world):
    from whistles import services as whistles

    whistle = whistles.whistle_blow(
        actor=world.street_official,
        units=[world.department, world.other_department],
        reason="多福巷路面塌陷，需要城管、交通到场",
        place="多福巷12号",
    )
    whistles.whistle_report(
        actor=world.handler, whistle=whistle, reporters="王五", committed_action="今天修复"
    )
    for user in (world.dispatcher, world.street_official):
        client.force_login(user)
        w = client.get(API).json()["whistles"]
        assert w["summoned"] == 2 and w["on_time"] == 1
        assert w["rate"] == 100.0  # the other summons is still pending: not yet decided
    leader = _leader_of(
        Region.objects.create(code="W-D", name="西城区", level="district", parent=world.city), "w"
    )
    client.force_login(leader)
    assert client.get(API).json()["whistles"]["summoned"] == 0


@pytest.mark.django_db
def test_theme_progress_is_shown_to_its_region(client, world):
    from themes import services as themes

    month = timezone.localdate().replace(day=1)
    theme = themes.theme_create(
        actor=world.dispatcher,
        title="道路破损集中整治",
        month=month,
        lead_unit=world.department,
        region=world.street,
        milestones=[
            ("摸排", month + dt.timedelta(days=5)),
            ("修复", month + dt.timedelta(days=20)),
        ],
    )
    client.force_login(world.street_official)
    rows = client.get(API).json()["themes"]
    assert [r["title"] for r in rows] == [theme.title]
    assert rows[0]["milestones_total"] == 2 and rows[0]["percent"] == 0
    other = _leader_of(
        Region.objects.create(code="T-D", name="西城区", level="district", parent=world.city), "t"
    )
    client.force_login(other)
    assert client.get(API).json()["themes"] == []


@pytest.mark.django_db
def test_hot_topics_come_from_the_task_cache(client, world):
    from dashboard import tasks

    for i in range(6):
        case_in(
            world,
            "received",
            title=f"多福巷路面塌陷{i}",
            description="多福巷路面塌陷有大坑，很危险。",
        )
    client.force_login(world.dispatcher)
    assert client.get(API).json()["hot_topics"] == []  # nothing analysed yet: no request does it
    assert tasks.refresh_hot_topics.delay().get() >= 1
    topics = client.get(API).json()["hot_topics"]
    assert topics and topics[0]["count"] >= 2
    assert set(topics[0]) == {"title", "category", "count", "growth"}


@pytest.mark.django_db
def test_refresh_task_is_idempotent(world):
    from dashboard import tasks

    case_in(world, "in_progress")
    tasks.refresh_dashboard.delay().get()
    first = (rolled_daily(), rolled_open())
    tasks.refresh_dashboard.delay().get()
    assert (rolled_daily(), rolled_open()) == first
    assert_rollups_match()


@pytest.mark.django_db
def test_found_on_patrol_against_residents_this_month_in_scope(client, world):
    case_in(world, "received", channel=Channel.PATROL)
    case_in(world, "received", channel=Channel.PATROL)
    case_in(world, "received", channel=Channel.HOTLINE)
    case_in(world, "received", channel=Channel.WEB)
    case_in(world, "received", channel=Channel.PROACTIVE)  # neither side
    case_in(world, "received", channel=Channel.HOTLINE, region=world.other_community)
    client.force_login(world.dispatcher)
    body = client.get(API).json()
    assert body["found_on_patrol"] == {"patrol": 2, "residents": 3, "share": 40.0}
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert (
        'data-testid="found-on-patrol"' in page.content.decode()
        and "40.0%" in page.content.decode()
    )
    assert "/patrol/stats/" in page.content.decode()
    # A street official: only the street's cases (the other community is in another street).
    client.force_login(world.street_official)
    assert client.get(API).json()["found_on_patrol"] == {"patrol": 2, "residents": 2, "share": 50.0}


@pytest.mark.django_db
def test_found_on_patrol_share_is_empty_without_cases(client, world):
    client.force_login(world.dispatcher)
    assert client.get(API).json()["found_on_patrol"] == {"patrol": 0, "residents": 0, "share": None}
    assert "—" in client.get("/dashboard/").content.decode()
