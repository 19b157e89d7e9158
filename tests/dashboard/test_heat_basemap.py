"""The heat map's base map (issue 33): the districts' outlines from the vendored static file,
projected on the circles' own plane and clipped to the drawing box, drawn under the circles."""

import re

import pytest
from django.contrib.staticfiles import finders

from dashboard import selectors
from tests.cases.factories import case_in

pytestmark = pytest.mark.django_db

API = "/api/v1/dashboard/"
W, H = selectors.HEAT_W, selectors.HEAT_H


@pytest.fixture(autouse=True)
def fresh_basemap():
    """The outlines are read once per process: each test starts and ends with a fresh read."""
    selectors.district_outlines.cache_clear()
    selectors._outlines_on.cache_clear()
    yield
    selectors.district_outlines.cache_clear()
    selectors._outlines_on.cache_clear()


def rings(d: str) -> list[list[tuple[float, float]]]:
    """The closed rings of an SVG path written as M x,y L x,y … Z."""
    out = []
    for part in re.findall(r"M([^Z]*)Z", d):
        out.append([tuple(map(float, xy.split(","))) for xy in part.split("L")])
    return out


def inside(point: tuple[float, float], d: str) -> bool:
    """Even-odd point in the path, independently of the selector's own test."""
    x, y = point
    hit = False
    for ring in rings(d):
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                hit = not hit
    return hit


def test_outlines_come_on_the_circles_plane_inside_the_box(client, world):
    for _ in range(2):
        case_in(world, "received")  # 多福巷社区 (39.914, 116.400), in 东城区
    case_in(world, "received", region=world.other_community)  # (39.925, 116.395), in 西城区
    client.force_login(world.dispatcher)
    body = client.get(API).json()
    outlines = {o["name"]: o for o in body["heat_outlines"]}
    circles = {p["name"]: (p["x"], p["y"]) for p in body["heat"]}
    # The districts the communities lie in are framed, their neighbours cut at the box's edge.
    assert {"东城区", "西城区"} <= set(outlines) <= set(BEIJING)
    assert "延庆区" not in outlines  # far outside this frame
    for outline in outlines.values():
        points = [p for ring in rings(outline["d"]) for p in ring]
        assert len(points) >= 3
        assert all(0 <= x <= W and 0 <= y <= H for x, y in points), outline["name"]
    # Same projection: each circle falls inside its own district's path, not the other's.
    assert inside(circles[world.community.name], outlines["东城区"]["d"])
    assert not inside(circles[world.community.name], outlines["西城区"]["d"])
    assert inside(circles[world.other_community.name], outlines["西城区"]["d"])
    # A framed district is whole in the box (not cut), and named where it is drawn.
    dongcheng = [p for ring in rings(outlines["东城区"]["d"]) for p in ring]
    assert all(5 < x < W - 5 and 5 < y < H - 5 for x, y in dongcheng)
    assert outlines["东城区"]["lx"] is not None and inside(
        (outlines["东城区"]["lx"], outlines["东城区"]["ly"]), outlines["东城区"]["d"]
    )


BEIJING = {"东城区", "西城区", "朝阳区", "丰台区", "石景山区", "海淀区", "门头沟区", "房山区",
           "通州区", "顺义区", "昌平区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区"}  # fmt: skip


def test_the_page_draws_the_outlines_under_the_circles_with_a_legend(client, world):
    case_in(world, "received")
    client.force_login(world.dispatcher)
    outlines = client.get(API).json()["heat_outlines"]
    page = client.get("/dashboard/").content.decode()
    heat = page[
        page.index('data-chart="heat"') : page.index("</svg>", page.index('data-chart="heat"'))
    ]
    assert heat.count('class="heat-district"') == len(outlines) >= 2
    assert heat.index('class="heat-district"') < heat.index("<circle ")  # under the circles
    assert 'data-testid="heat-legend"' in page


def test_with_no_case_this_month_the_whole_city_is_outlined(client, world):
    client.force_login(world.dispatcher)
    body = client.get(API).json()
    assert body["heat"] == []
    assert {o["name"] for o in body["heat_outlines"]} == BEIJING
    for outline in body["heat_outlines"]:
        assert all(0 <= x <= W and 0 <= y <= H for r in rings(outline["d"]) for x, y in r)


def test_the_outlines_are_read_from_the_static_file_once(client, world, monkeypatch):
    reads = []
    real_find = finders.find

    def counting_find(path, *args, **kwargs):
        reads.append(path)
        return real_find(path, *args, **kwargs)

    monkeypatch.setattr(finders, "find", counting_find)
    case_in(world, "received")
    client.force_login(world.dispatcher)
    for _ in range(3):
        assert client.get(API).json()["heat_outlines"]
    assert client.get("/dashboard/").status_code == 200
    assert reads == [selectors.BASEMAP_STATIC]


def test_without_its_file_the_heat_map_still_shows_the_cases(client, world, monkeypatch):
    monkeypatch.setattr(finders, "find", lambda *a, **k: "/nonexistent/districts.geojson")
    monkeypatch.setattr(selectors.settings, "STATIC_ROOT", "/nonexistent")
    case_in(world, "received")
    client.force_login(world.dispatcher)
    body = client.get(API).json()
    assert body["heat_outlines"] == []
    assert [p["name"] for p in body["heat"]] == [world.community.name]
    assert 0 <= body["heat"][0]["x"] <= W and 0 <= body["heat"][0]["y"] <= H
    assert client.get("/dashboard/").status_code == 200
