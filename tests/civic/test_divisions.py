"""load_divisions: a real city's administrative divisions (data/divisions/) as Regions and Units.

Expected figures are counted here straight from the data files, not through civic.divisions."""

import csv
import io
import lzma
import re
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from cases.selectors import route_proposal
from civic.divisions import DIVISIONS_DIR, divisions_load
from civic.models import Category, Region, Unit
from tests.factories import CategoryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _data(stem: str, prefix: str) -> list[dict[str, str]]:
    plain = DIVISIONS_DIR / f"{stem}.csv"
    text = (
        plain.read_text(encoding="utf-8")
        if plain.exists()
        else lzma.decompress((DIVISIONS_DIR / f"{stem}.csv.xz").read_bytes()).decode("utf-8")
    )
    return [row for row in csv.DictReader(io.StringIO(text)) if row["code"].startswith(prefix)]


def _snapshot() -> list[tuple]:
    return [
        *Region.objects.order_by("code").values_list(
            "id", "code", "name", "name_en", "level", "parent_id", "path"
        ),
        *Unit.objects.order_by("code").values_list(
            "id", "code", "name", "kind", "peer_group", "jurisdiction_id", "parent_id"
        ),
    ]


def _load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_divisions", *args, stdout=out)
    return out.getvalue()


@pytest.mark.slow  # Beijing down to its 7,535 communities: a few seconds
def test_beijing_loads_every_division_with_its_official_code_and_level():
    output = _load("1101")

    areas, streets, villages = (_data(s, "1101") for s in ("areas", "streets", "villages"))
    # The figures the package's data gives for Beijing (统计用区划代码 2023).
    assert (len(areas), len(streets), len(villages)) == (16, 349, 7535)
    townships = [s for s in streets if s["name"].endswith(("镇", "乡"))]
    assert Region.objects.filter(level=Region.Level.CITY).count() == 1
    assert Region.objects.filter(level=Region.Level.DISTRICT).count() == 16
    assert Region.objects.filter(level__in=["street", "township"]).count() == 349
    assert Region.objects.filter(level="township").count() == len(townships) == 122
    assert Region.objects.filter(level__in=["community", "village"]).count() == 7535
    assert Region.objects.count() == 1 + 16 + 349 + 7535
    assert set(Region.objects.values_list("code", flat=True)) == {"110000"} | {
        r["code"] for r in areas + streets + villages
    }
    assert "regions 7901 created" in output

    city = Region.objects.get(code="110000")
    assert (city.name, city.level, city.parent, city.path) == ("北京市", "city", None, "/110000/")
    dongcheng = Region.objects.get(code="110101")
    assert (dongcheng.name, dongcheng.level, dongcheng.parent) == ("东城区", "district", city)
    street = Region.objects.get(code="110101001")
    assert (street.name, street.level, street.parent) == ("东华门街道", "street", dongcheng)
    assert street.path == "/110000/110101/110101001/"
    community = Region.objects.get(code="110101001001")  # 多福巷社区居委会 in the data
    assert (community.name, community.level, community.parent) == (
        "多福巷社区",
        "community",
        street,
    )
    assert community.path == "/110000/110101/110101001/110101001001/"
    # 门头沟区: a 地区 office is a street, a 镇 a township; its 村委会 are villages.
    assert Region.objects.get(code="110109005").level == "street"  # 王平地区
    junzhuang = Region.objects.get(code="110109104")
    assert (junzhuang.name, junzhuang.level) == ("军庄镇", "township")
    village = Region.objects.get(code="110109104201")  # 军庄村委会
    assert (village.name, village.level, village.parent) == ("军庄村", "village", junzhuang)
    assert Region.objects.get(code="110109104001").level == "community"  # 杨坨社区居委会
    # Every region's path is its parent's path plus its own code.
    for region in Region.objects.select_related("parent"):
        parent_path = region.parent.path if region.parent else "/"
        assert region.path == f"{parent_path}{region.code}/"


@pytest.mark.slow  # Beijing down to its 7,535 communities: a few seconds
def test_second_load_changes_no_row():
    _load("1101", "--units")
    before = _snapshot()

    output = _load("1101", "--units")

    assert _snapshot() == before
    assert "regions 0 created, 0 updated, 7901 unchanged" in output
    assert "units 0 created, 0 updated, 7900 unchanged" in output


@pytest.mark.slow  # Beijing down to its 7,535 communities: a few seconds
def test_units_govern_the_loaded_regions():
    _load("1101", "--units")

    assert Unit.objects.filter(kind=Unit.Kind.DISTRICT).count() == 16
    assert Unit.objects.filter(kind__in=[Unit.Kind.STREET, Unit.Kind.TOWNSHIP]).count() == 349
    assert Unit.objects.filter(kind=Unit.Kind.COMMUNITY).count() == 7535
    district = Unit.objects.get(code="G-110101")
    assert (district.name, district.jurisdiction.code) == ("东城区人民政府", "110101")
    office = Unit.objects.get(code="S-110101001")
    assert (office.name, office.kind, office.parent) == ("东华门街道办事处", "street", district)
    assert office.jurisdiction == Region.objects.get(code="110101001")
    assert office.peer_group == Unit.PeerGroup.STREETS
    township = Unit.objects.get(code="S-110109104")
    assert (township.name, township.kind) == ("军庄镇人民政府", "township")
    assert township.peer_group == Unit.PeerGroup.STREETS
    committee = Unit.objects.get(code="C-110101001001")
    assert (committee.name, committee.kind, committee.parent) == (
        "多福巷社区居委会",
        "community",
        office,
    )
    assert committee.peer_group == Unit.PeerGroup.COMMUNITIES
    assert Unit.objects.get(code="C-110109104201").name == "军庄村委会"


@pytest.mark.slow  # Beijing down to its 7,535 communities: a few seconds
def test_loaded_regions_work_with_the_app_region_queries():
    _load("1101", "--units")
    community = Region.objects.get(code="110101001001")
    dongcheng = Region.objects.get(code="110101")

    assert community.street.code == "110101001"
    assert community.district == dongcheng
    in_dongcheng = _data("streets", "110101") + _data("villages", "110101")
    assert Region.objects.filter(path__startswith=dongcheng.path).count() == 1 + len(in_dongcheng)
    # 精准派单 on the loaded structure: street-level matters go to the street office of the
    # place, community matters to its committee, the rest (no department) to the district.
    street_level = CategoryFactory(handling_level=Category.HandlingLevel.STREET)
    assert route_proposal(category=street_level, region=community).code == "S-110101001"
    community_level = CategoryFactory(handling_level=Category.HandlingLevel.COMMUNITY)
    assert route_proposal(category=community_level, region=community).code == "C-110101001001"
    other = CategoryFactory(handling_level=Category.HandlingLevel.DEPARTMENT)
    assert route_proposal(category=other, region=community).code == "G-110101"


def test_renamed_division_is_renamed_on_the_next_load(tmp_path):
    divisions_load(city_code="1101", depth="streets")
    for name in ("provinces.csv", "cities.csv", "areas.csv"):
        shutil.copy(DIVISIONS_DIR / name, tmp_path / name)
    streets = lzma.decompress((DIVISIONS_DIR / "streets.csv.xz").read_bytes()).decode("utf-8")
    assert '110101001,"东华门街道"' in streets
    (tmp_path / "streets.csv").write_text(
        streets.replace('110101001,"东华门街道"', '110101001,"东华门新街道"'), encoding="utf-8"
    )
    street_id = Region.objects.get(code="110101001").pk

    result = divisions_load(city_code="1101", depth="streets", directory=tmp_path)

    assert (result.created, result.updated) == (0, 1)
    street = Region.objects.get(code="110101001")
    assert (street.pk, street.name, street.level) == (street_id, "东华门新街道", "street")


def test_existing_region_moves_under_the_city_with_what_lies_below_it():
    # A district created by hand under another root, with a grid below it.
    old_root = Region.objects.create(code="OLD", name="旧市", level=Region.Level.CITY)
    district = Region.objects.create(
        code="110101", name="东城", level=Region.Level.DISTRICT, parent=old_root
    )
    grid = Region.objects.create(
        code="110101-G1", name="第一网格", level=Region.Level.GRID, parent=district
    )

    result = divisions_load(city_code="11", depth="streets")

    district.refresh_from_db()
    grid.refresh_from_db()
    assert (district.name, district.parent.code) == ("东城区", "110000")
    assert district.path == "/110000/110101/"
    assert grid.path == "/110000/110101/110101-G1/"
    assert result.updated == 1 and result.repathed == 1
    assert Region.objects.filter(path__startswith="/OLD/110101/").count() == 0


def test_other_city_loads_down_to_streets():
    output = _load("4401", "--depth", "streets")

    areas, streets = _data("areas", "4401"), _data("streets", "4401")
    city = Region.objects.get(level=Region.Level.CITY)
    assert (city.code, city.name) == ("440100", "广州市")
    assert Region.objects.filter(level="district").count() == len(areas) == 11
    assert Region.objects.filter(level__in=["street", "township"]).count() == len(streets)
    assert not Region.objects.filter(level__in=["community", "village"]).exists()
    yuexiu = Region.objects.get(code="440104")
    assert (yuexiu.name, yuexiu.parent) == ("越秀区", city)
    assert f"regions {1 + len(areas) + len(streets)} created" in output


def test_municipality_by_its_two_digit_code_takes_all_its_parts():
    _load("50", "--depth", "streets")

    city = Region.objects.get(level=Region.Level.CITY)
    assert (city.code, city.name) == ("500000", "重庆市")
    # Chongqing's 市辖区 (5001) and 县 (5002) parts both hang under the one city.
    assert Region.objects.get(code="500101").parent == city  # 万州区
    assert Region.objects.get(code="500229").name == "城口县"
    assert Region.objects.get(code="500229").parent == city
    assert Region.objects.filter(level="district").count() == len(_data("areas", "50"))


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("9901", "No city has the code 9901"),
        ("99", "No province or municipality has the code 99"),
        ("44", "44 is a province (广东省), not a city"),
        ("abc", "abc is not a city code"),
        ("110", "110 is not a city code"),
    ],
)
def test_bad_code_is_a_command_error(code, message):
    # The messages are translated (zh-hans by default); the English msgids are asserted here.
    with translation.override("en"), pytest.raises(CommandError, match=re.escape(message)):
        _load(code)
    assert not Region.objects.exists()


def test_bad_depth_is_a_command_error():
    with pytest.raises(CommandError, match="invalid choice"):
        _load("1101", "--depth", "grids")
    assert not Region.objects.exists()
