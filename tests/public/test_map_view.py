"""The public map asks for what is in view (issue 27): `bbox` and `zoom` come with the request;
zoomed out the answer is counts per area from the area counts (`public.AreaCount`, a roll-up of
the public rule), zoomed in the newest cases in view, bounded. The counts equal counting from
scratch after any sequence of filing, closing, private outcomes and moderation."""

import itertools
import random

import pytest
from django.test import Client

from cases import services
from cases.models import Case, Outcome, Status
from cases.selectors import PRIVATE_OUTCOMES
from public import selectors as public_selectors
from public import services as public
from public.models import AreaCount, PublicText
from tests.cases.factories import case_in, file_case

pytestmark = pytest.mark.django_db

AROUND_FIRST = "116.39,39.91,116.41,39.92"  # 多福巷社区 (39.914, 116.400) only
AROUND_SECOND = "116.39,39.92,116.40,39.93"  # 吉祥社区 (39.925, 116.395) only
NOWHERE = "100.0,20.0,100.1,20.1"


def from_scratch() -> dict[tuple[int, int, bool], int]:
    """The public cases per (area, first-level category, open), counted case by case."""
    hidden = set(PublicText.objects.filter(hidden=True).values_list("case_id", flat=True))
    counts: dict[tuple[int, int, bool], int] = {}
    for case in Case.objects.select_related("category__parent__parent"):
        if case.outcome in PRIVATE_OUTCOMES or case.pk in hidden:
            continue
        top = case.category
        while top.parent_id:
            top = top.parent
        key = (case.region_id, top.pk, case.status != Status.CLOSED)
        counts[key] = counts.get(key, 0) + 1
    return counts


def rolled_up() -> dict[tuple[int, int, bool], int]:
    return {(r.region_id, r.top_category_id, r.is_open): r.cases for r in AreaCount.objects.all()}


def areas(client, **params) -> dict[str, dict]:
    body = client.get("/public/cases.geojson", params).json()
    assert body["properties"]["mode"] == "areas"
    return {f["properties"]["name"]: f["properties"] for f in body["features"]}


def test_area_counts_equal_counting_from_scratch_after_any_sequence(
    world, django_capture_on_commit_callbacks
):
    rng = random.Random(27)
    cases = []
    steps = ["file", "file", "close", "private", "hide", "show", "file", "hide", "close"] * 3
    rng.shuffle(steps)
    for step in ["file", *steps]:
        open_cases = [c for c in cases if c.status != Status.CLOSED]
        if step == "file" or not cases:
            region = rng.choice([world.community, world.other_community])
            category = rng.choice([world.department_category, world.street_category])
            cases.append(case_in(world, "dispatched", region=region, category=category))
        elif step == "close" and open_cases:
            cases.append(case_in(world, "closed"))
        elif step == "private":
            private, _code = file_case(world, by=world.operator)
            services.case_close_without_dispatch(
                actor=world.operator, case=private, outcome=Outcome.SECRET_OR_PRIVACY, note="隐私"
            )
            cases.append(private)
        elif step in ("hide", "show"):
            case = rng.choice(cases)
            # A moderation that hides or shows a case queues the refresh after its commit.
            with django_capture_on_commit_callbacks(execute=True):
                public.public_text_moderate(
                    actor=world.dispatcher, case=case, title="", reply="", hidden=step == "hide"
                )
            assert rolled_up() == from_scratch(), step
            continue
        public.area_counts_refresh()  # what the beat task does every few minutes
        assert rolled_up() == from_scratch(), step
        cases = [Case.objects.get(pk=c.pk) for c in cases]
    assert sum(from_scratch().values()) > 0
    # Refreshing again changes nothing (idempotent).
    public.area_counts_refresh()
    assert rolled_up() == from_scratch()


@pytest.fixture
def mapped(world):
    first = [case_in(world, "dispatched") for _ in range(3)]
    closed = case_in(world, "closed")
    second = case_in(world, "dispatched", region=world.other_community)
    hidden = case_in(world, "dispatched", region=world.other_community)
    public.public_text_moderate(
        actor=world.dispatcher, case=hidden, title="", reply="", hidden=True
    )
    public.area_counts_refresh()
    return world, first, closed, second, hidden


def test_zoomed_out_the_map_counts_per_area_at_the_zooms_level(mapped):
    world, *_ = mapped
    client = Client()
    # Districts below zoom 11, streets below 13, communities below 16.
    assert areas(client, zoom=9) == {
        "东城区": {
            "kind": "area",
            "region": world.district.pk,
            "name": "东城区",
            "level": "区",
            "cases": 5,
            "open": 4,
        }
    }
    by_street = areas(client, zoom=12)
    assert {n: (p["cases"], p["open"]) for n, p in by_street.items()} == {
        "东华门街道": (4, 3),
        "景山街道": (1, 1),  # the hidden case is not counted
    }
    by_community = areas(client, zoom=14)
    assert {n: p["cases"] for n, p in by_community.items()} == {"多福巷社区": 4, "吉祥社区": 1}


def test_only_the_areas_in_view_are_sent(mapped):
    client = Client()
    assert set(areas(client, zoom=14, bbox=AROUND_FIRST)) == {"多福巷社区"}
    assert set(areas(client, zoom=14, bbox=AROUND_SECOND)) == {"吉祥社区"}
    assert areas(client, zoom=14, bbox=NOWHERE) == {}


def test_the_lists_filters_narrow_the_counts(mapped):
    _world, *_ = mapped
    client = Client()
    assert {n: p["cases"] for n, p in areas(client, zoom=14, status="open").items()} == {
        "多福巷社区": 3,
        "吉祥社区": 1,
    }
    assert {n: p["cases"] for n, p in areas(client, zoom=14, status="closed").items()} == {
        "多福巷社区": 1
    }
    # Filters the roll-up cannot answer (a status of the workflow, a search) count the
    # matching cases themselves, newest first, up to a limit the answer admits to.
    assert {n: p["cases"] for n, p in areas(client, zoom=14, status="dispatched").items()} == {
        "多福巷社区": 3,
        "吉祥社区": 1,
    }
    searched = client.get("/public/cases.geojson", {"zoom": 14, "q": "塌陷"}).json()
    assert searched["properties"] == {"mode": "areas", "partial": False}
    assert {f["properties"]["name"]: f["properties"]["cases"] for f in searched["features"]} == {
        "多福巷社区": 4,
        "吉祥社区": 1,
    }


def test_a_live_count_past_its_limit_says_it_is_partial(mapped, monkeypatch):
    monkeypatch.setattr(public_selectors, "MAP_LIVE_LIMIT", 2)
    body = Client().get("/public/cases.geojson", {"zoom": 14, "status": "dispatched"}).json()
    assert body["properties"] == {"mode": "areas", "partial": True}
    assert sum(f["properties"]["cases"] for f in body["features"]) == 2


def test_zoomed_in_the_map_sends_the_newest_cases_in_view_bounded(mapped, monkeypatch):
    _world, first, closed, second, _hidden = mapped
    client = Client()
    body = client.get("/public/cases.geojson", {"zoom": 16, "bbox": AROUND_FIRST}).json()
    assert body["properties"] == {"mode": "points", "partial": False}
    numbers = [f["properties"]["number"] for f in body["features"]]
    expected = sorted([*first, closed], key=lambda c: c.received_at, reverse=True)
    assert numbers == [c.number for c in expected]
    assert {tuple(f["geometry"]["coordinates"]) for f in body["features"]} == {(116.4, 39.914)}
    other = client.get("/public/cases.geojson", {"zoom": 17, "bbox": AROUND_SECOND}).json()
    assert [f["properties"]["number"] for f in other["features"]] == [second.number]
    monkeypatch.setattr(public_selectors, "MAP_POINTS_LIMIT", 2)
    bounded = client.get("/public/cases.geojson", {"zoom": 16, "bbox": AROUND_FIRST}).json()
    assert bounded["properties"]["partial"] is True
    assert [f["properties"]["number"] for f in bounded["features"]] == numbers[:2]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "nan,0,1,1"}, "bbox"),
        ({"bbox": "0,0,1,inf"}, "bbox"),
        ({"bbox": "0,95,1,96"}, "bbox"),
        ({"bbox": "10,0,5,1"}, "bbox"),
        ({"bbox": "1e309,0,1,1"}, "bbox"),
        ({"zoom": "99"}, "zoom"),
        ({"zoom": "-1"}, "zoom"),
        ({"zoom": "x"}, "zoom"),
        ({"zoom": "9" * 40}, "zoom"),
    ],
)
def test_a_bad_view_is_a_400_naming_its_field(params, field):
    response = Client().get("/public/cases.geojson", params)
    assert response.status_code == 400
    assert list(response.json()["extra"]["fields"]) == [field]


def test_the_map_page_links_each_area_to_the_list_with_the_maps_filters(mapped):
    page = Client().get("/public/map/?status=open&zoom=12&bbox=1,2,3,4").content.decode()
    assert 'data-list="/public/cases/?status=open"' in page
    assert "cases.geojson?status=open" in page


def test_every_combination_of_zoom_and_filter_answers(mapped):
    world, *_ = mapped
    client = Client()
    for zoom, status, category in itertools.product(
        (0, 10, 12, 15, 16, 22),
        ("", "open", "closed", "replied"),
        ("", world.department_category.pk, world.department_category.parent.parent_id),
    ):
        response = client.get(
            "/public/cases.geojson", {"zoom": zoom, "status": status, "category": category}
        )
        assert response.status_code == 200, (zoom, status, category)


BEIJING_DISTRICTS = {
    "东城区", "西城区", "朝阳区", "丰台区", "石景山区", "海淀区", "门头沟区", "房山区",
    "通州区", "顺义区", "昌平区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区",
}  # fmt: skip


def test_the_district_outlines_are_served_as_a_static_geojson_the_map_page_names(live_server):
    """The base map is a vendored static file served from the site itself (no outside host)."""
    import json
    from urllib.request import urlopen

    from django.templatetags.static import static

    url = static("vendor/basemap/beijing_districts.geojson")
    assert f'data-basemap="{url}"' in Client().get("/public/map/").content.decode()
    with urlopen(live_server.url + url, timeout=10) as response:
        assert response.status == 200
        body = json.loads(response.read().decode("utf-8"))
    assert body["type"] == "FeatureCollection"
    assert {f["properties"]["name"] for f in body["features"]} == BEIJING_DISTRICTS
    assert len(body["features"]) == 16
    for feature in body["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        assert geometry["type"] in ("Polygon", "MultiPolygon")
        for ring in (r for p in polygons for r in p):
            assert len(ring) >= 4 and ring[0] == ring[-1]  # closed rings
            assert all(115.4 < lng < 117.6 and 39.4 < lat < 41.1 for lng, lat in ring)
        lng, lat = feature["properties"]["label"]
        assert 115.4 < lng < 117.6 and 39.4 < lat < 41.1


def test_the_map_page_has_a_legend_for_its_circles_and_outlines():
    page = Client().get("/public/map/").content.decode()
    legend = page[
        page.index('<ul class="map-legend"') : page.index("</ul>", page.index("map-legend"))
    ]
    assert legend.count("<li>") == 4
    for key in ("map-key-open", "map-key-closed", "map-key-large", "map-key-line"):
        assert key in legend, key
    # The script's only text for the base map (its credit line) comes translated from the page.
    assert "data-label-basemap=" in page
