"""A month of complaints with two recurring problems, filed through the real services."""

import datetime as dt

from django.utils import timezone

from tests.cases.factories import file_case

ROAD = [
    ("多福巷路面塌陷", "多福巷12号门口路面塌陷一个大坑，晚上很危险，请尽快修补路面。"),
    ("路面塌陷有大坑", "小区门口道路塌陷形成大坑，车辆经过很危险，希望修补路面。"),
    ("道路塌陷无人修补", "吉祥胡同道路塌陷已经一周，大坑无人修补，路面危险。"),
    ("门口路面塌陷大坑", "单元门口路面塌陷出现大坑，老人孩子出行危险，请修补。"),
]
VENDORS = [
    ("占道经营小摊贩", "早市小摊贩占道经营，堵塞人行道，噪音扰民。"),
    ("小摊贩占道经营堵路", "地铁口小摊贩占道经营，行人无法通行，人行道被堵塞。"),
    ("人行道占道经营", "人行道上摊贩占道经营，早上堵塞严重。"),
]
OTHER = ("楼道灯坏了", "3号楼楼道声控灯损坏一个月，晚上漆黑。")


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour), timezone.get_default_timezone())


def file_month(world, year: int = 2026, month: int = 10) -> dict[str, list]:
    """4 road cases (3 in one community, 1 in another), 3 vendor cases, 1 unrelated;
    and in the previous month 1 road case."""
    cases = {"road": [], "vendors": [], "other": [], "previous": []}
    for i, (title, body) in enumerate(ROAD):
        region = world.other_community if i == 2 else world.community
        case, _code = file_case(
            world, title=title, description=body, region=region, received_at=at(year, month, 3 + i)
        )
        cases["road"].append(case)
    for i, (title, body) in enumerate(VENDORS):
        case, _code = file_case(
            world,
            title=title,
            description=body,
            category=world.street_category,
            received_at=at(year, month, 10 + i),
        )
        cases["vendors"].append(case)
    case, _code = file_case(
        world,
        title=OTHER[0],
        description=OTHER[1],
        category=world.street_category,
        received_at=at(year, month, 20),
    )
    cases["other"].append(case)
    prev = dt.date(year, month, 1) - dt.timedelta(days=1)
    case, _code = file_case(
        world,
        title="路面塌陷",
        description="胡同口路面塌陷一个坑，请修补。",
        received_at=at(prev.year, prev.month, 15),
    )
    cases["previous"].append(case)
    return cases
