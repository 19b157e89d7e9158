"""The demo city: regions, units, the real category tree, demo users. Idempotent.

`seed_demo` runs the steps in SEED_STEPS (this module's structure first, then the steps other
apps register with `register_seed_step`, e.g. demo cases), so lower apps never import higher ones.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import Category, Membership, Region, Unit, User

DEMO_PASSWORD = "civic-demo-2026"
DATA_DIR = Path(settings.BASE_DIR) / "data"

SEED_STEPS: list[tuple[str, Callable]] = []


# Steps that must see every other step's data (registered with `last=True`): kept at the end.
_LAST_STEPS: set[str] = set()


def register_seed_step(
    name: str, fn: Callable, *, before: str | None = None, last: bool = False
) -> None:
    """Apps add their demo data here (in AppConfig.ready); steps run in registration order,
    or just before the step named `before` when that one is registered already. `last`: after
    every step not so marked, whenever those register (roll-ups of the demo's cases)."""
    if any(existing == name for existing, _fn in SEED_STEPS):
        return
    names = [existing for existing, _fn in SEED_STEPS]
    if last:
        _LAST_STEPS.add(name)
        at = len(SEED_STEPS)
    elif before in names:
        at = names.index(before)
    else:
        at = next((i for i, n in enumerate(names) if n in _LAST_STEPS), len(SEED_STEPS))
    SEED_STEPS.insert(at, (name, fn))


CITY = ("110000", "示范市", "Demo City", "39.904200", "116.407400")
# district code, name, English, streets: (name, English, township?, lat, lng, communities)
DISTRICTS = [
    (
        "110101",
        "东城区",
        "Dongcheng",
        [
            (
                "东华门街道",
                "Donghuamen",
                False,
                "39.9150",
                "116.4030",
                ["多福巷社区", "韶九社区", "智德社区"],
            ),
            (
                "景山街道",
                "Jingshan",
                False,
                "39.9260",
                "116.3990",
                ["吉祥社区", "黄化门社区", "三眼井社区"],
            ),
            (
                "交道口街道",
                "Jiaodaokou",
                False,
                "39.9380",
                "116.4040",
                ["菊儿社区", "福祥社区", "南锣鼓巷社区"],
            ),
            (
                "安定门街道",
                "Andingmen",
                False,
                "39.9470",
                "116.4080",
                ["国子监社区", "五道营社区", "分司厅社区"],
            ),
            (
                "东四街道",
                "Dongsi",
                False,
                "39.9290",
                "116.4170",
                ["豆瓣社区", "八条社区", "总院社区"],
            ),
        ],
    ),
    (
        "110102",
        "西城区",
        "Xicheng",
        [
            (
                "西长安街街道",
                "Xichang'anjie",
                False,
                "39.9070",
                "116.3770",
                ["府右街社区", "南长街社区", "西交民巷社区"],
            ),
            (
                "新街口街道",
                "Xinjiekou",
                False,
                "39.9420",
                "116.3670",
                ["西四北社区", "玉桃园社区", "官园社区"],
            ),
            (
                "月坛街道",
                "Yuetan",
                False,
                "39.9150",
                "116.3470",
                ["三里河社区", "复兴门北社区", "南礼士路社区"],
            ),
            (
                "展览路街道",
                "Zhanlanlu",
                False,
                "39.9280",
                "116.3420",
                ["百万庄社区", "黄瓜园社区", "三塔社区"],
            ),
            (
                "德胜街道",
                "Desheng",
                False,
                "39.9530",
                "116.3760",
                ["新康社区", "双旗杆社区", "六铺炕社区"],
            ),
        ],
    ),
    (
        "110105",
        "朝阳区",
        "Chaoyang",
        [
            (
                "建外街道",
                "Jianwai",
                False,
                "39.9080",
                "116.4500",
                ["建国里社区", "永安里社区", "光华里社区"],
            ),
            (
                "三里屯街道",
                "Sanlitun",
                False,
                "39.9360",
                "116.4540",
                ["幸福三村社区", "中纺里社区", "北三里屯社区"],
            ),
            (
                "望京街道",
                "Wangjing",
                False,
                "40.0010",
                "116.4700",
                ["望京西园社区", "花家地社区", "南湖东园社区"],
            ),
            (
                "大屯街道",
                "Datun",
                False,
                "40.0040",
                "116.4100",
                ["安慧北里社区", "嘉铭园社区", "金泉社区"],
            ),
            ("孙河乡", "Sunhe", True, "40.0480", "116.5160", ["孙河村", "沙子营村", "上辛堡村"]),
            ("金盏乡", "Jinzhan", True, "39.9880", "116.5690", ["金盏村", "长店村", "东窑村"]),
        ],
    ),
    (
        "110108",
        "海淀区",
        "Haidian",
        [
            (
                "中关村街道",
                "Zhongguancun",
                False,
                "39.9830",
                "116.3160",
                ["科育社区", "黄庄社区", "知春里社区"],
            ),
            (
                "学院路街道",
                "Xueyuanlu",
                False,
                "39.9930",
                "116.3510",
                ["石油大院社区", "二里庄社区", "展春园社区"],
            ),
            (
                "海淀街道",
                "Haidian",
                False,
                "39.9720",
                "116.3040",
                ["稻香园社区", "海淀南路社区", "万泉庄社区"],
            ),
            ("温泉镇", "Wenquan", True, "40.0450", "116.1890", ["温泉村", "白家疃村", "杨家庄村"]),
            (
                "上庄镇",
                "Shangzhuang",
                True,
                "40.1130",
                "116.2070",
                ["上庄村", "西辛力屯村", "李家坟村"],
            ),
        ],
    ),
]

# First level → (English name, department code responsible by default).
FIRST_LEVEL = {
    "城乡建设": ("Urban and rural construction", "D-ZJW"),
    "党务政务": ("Party and government affairs", "D-ZFB"),
    "国土资源": ("Land and resources", "D-GZW"),
    "环境保护": ("Environmental protection", "D-STJ"),
    "纪检监察": ("Discipline inspection", "D-JWJ"),
    "交通运输": ("Transport", "D-JTW"),
    "经济管理": ("Economic management", "D-FGW"),
    "科技与信息产业": ("Science, technology and IT", "D-JXJ"),
    "民政": ("Civil affairs", "D-MZJ"),
    "农村农业": ("Agriculture and rural affairs", "D-NYJ"),
    "商贸旅游": ("Commerce and tourism", "D-SWJ"),
    "卫生计生": ("Health", "D-WJW"),
    "政法": ("Public security and justice", "D-GAJ"),
    "教育文体": ("Education, culture and sport", "D-JYW"),
    "劳动和社会保障": ("Labour and social security", "D-RSJ"),
}
DEPARTMENTS = [
    ("D-ZJW", "市住房和城乡建设委员会", "Housing and Urban-Rural Development Commission"),
    ("D-CGW", "市城市管理委员会", "Urban Management Commission"),
    ("D-ZFB", "市政府办公厅", "General Office of the City Government"),
    ("D-GZW", "市规划和自然资源委员会", "Planning and Natural Resources Commission"),
    ("D-STJ", "市生态环境局", "Ecology and Environment Bureau"),
    ("D-JWJ", "市纪委监委", "Discipline Inspection Commission"),
    ("D-JTW", "市交通委员会", "Transport Commission"),
    ("D-FGW", "市发展和改革委员会", "Development and Reform Commission"),
    ("D-JXJ", "市经济和信息化局", "Economy and Information Technology Bureau"),
    ("D-MZJ", "市民政局", "Civil Affairs Bureau"),
    ("D-NYJ", "市农业农村局", "Agriculture and Rural Affairs Bureau"),
    ("D-SWJ", "市商务局", "Commerce Bureau"),
    ("D-WJW", "市卫生健康委员会", "Health Commission"),
    ("D-GAJ", "市公安局", "Public Security Bureau"),
    ("D-JYW", "市教育委员会", "Education Commission"),
    ("D-RSJ", "市人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    ("D-SCJ", "市市场监督管理局", "Market Regulation Administration"),
    ("D-SWU", "市水务局", "Water Authority"),
    ("D-YLJ", "市园林绿化局", "Landscape and Forestry Bureau"),
    ("D-WLJ", "市文化和旅游局", "Culture and Tourism Bureau"),
    ("D-JGJ", "市公安局公安交通管理局", "Traffic Management Bureau"),
]
# Second-level categories that go to a department other than the first level's default.
SECOND_LEVEL_DEPARTMENT = {
    ("商贸旅游", "市场监管"): "D-SCJ",
    ("商贸旅游", "质监检验检疫"): "D-SCJ",
    ("卫生计生", "食品药品监管"): "D-SCJ",
    ("农村农业", "水利水电"): "D-SWU",
    ("城乡建设", "城市建设和市政管理"): "D-CGW",
    ("农村农业", "林业管理"): "D-YLJ",
    ("商贸旅游", "旅游管理"): "D-WLJ",
    ("教育文体", "文化"): "D-WLJ",
    ("教育文体", "文物管理"): "D-WLJ",
    ("政法", "交通管理"): "D-JGJ",
}
# Leaves whose name names a department's trade go to it whatever their branch (e.g. 园林绿化环卫).
LEAF_KEYWORD_DEPARTMENT = [("园林", "D-YLJ"), ("绿化", "D-YLJ")]
# Second-level categories handled by the street of the place (直派街乡) or by the community.
STREET_LEVEL = {
    ("城乡建设", "城市建设和市政管理"),
    ("城乡建设", "村镇建设"),
    ("环境保护", "环境污染"),
    ("农村农业", "村务管理"),
    ("政法", "社会治安"),
}
COMMUNITY_LEVEL = {("民政", "基层选举和社区建设")}
UTILITIES = [
    (
        "E-WATER",
        "市自来水集团",
        "City Water Group",
        Unit.Utility.WATER,
        ("供水", "自来水", "停水", "水费", "水压"),
    ),
    (
        "E-POWER",
        "市电力公司",
        "City Power Company",
        Unit.Utility.POWER,
        ("供电", "停电", "电费", "电力", "电网"),
    ),
    ("E-GAS", "市燃气集团", "City Gas Group", Unit.Utility.GAS, ("燃气", "天然气", "煤气")),
    (
        "E-HEAT",
        "市热力集团",
        "City Heating Group",
        Unit.Utility.HEATING,
        ("供暖", "供热", "暖气", "热力", "采暖"),
    ),
    (
        "E-TEL",
        "市通信公司",
        "City Telecom Company",
        Unit.Utility.TELECOM,
        ("电信", "通信", "宽带", "网络信号"),
    ),
]
DEMO_USERS = [
    # username, display name, role, unit code
    ("operator", "话务员小王", Membership.Role.OPERATOR, "CENTRE"),
    ("dispatcher", "派单员老李", Membership.Role.DISPATCHER, "CENTRE"),
    ("handler", "住建委承办人", Membership.Role.HANDLER, "D-ZJW"),
    ("handler2", "城管委承办人", Membership.Role.HANDLER, "D-CGW"),
    ("street", "东华门街道干部", Membership.Role.STREET_OFFICIAL, "S-110101-0"),
    ("community", "多福巷社区工作者", Membership.Role.COMMUNITY_WORKER, "C-110101-0-0"),
    ("viewer", "区领导", Membership.Role.VIEWER, "G-110101"),
    # The patrol app attaches the grid worker to the grid of 多福巷社区.
    ("grid", "网格员小赵", Membership.Role.GRID_WORKER, "C-110101-0-0"),
]


def _code(*parts) -> str:
    return "-".join(str(p) for p in parts)


def _stable_code(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]


def seed_regions_and_units() -> dict[str, int]:
    city, _ = Region.objects.update_or_create(
        code=CITY[0],
        defaults={
            "name": CITY[1],
            "name_en": CITY[2],
            "level": Region.Level.CITY,
            "center_lat": Decimal(CITY[3]),
            "center_lng": Decimal(CITY[4]),
        },
    )
    Unit.objects.update_or_create(
        code="CENTRE",
        defaults={
            "name": "市民热线服务中心",
            "name_en": "12345 Citizen Service Hotline Centre",
            "kind": Unit.Kind.CENTRE,
        },
    )
    rnd = random.Random(12345)
    for d_code, d_name, d_en, streets in DISTRICTS:
        district, _ = Region.objects.update_or_create(
            code=d_code,
            defaults={
                "name": d_name,
                "name_en": d_en,
                "level": Region.Level.DISTRICT,
                "parent": city,
            },
        )
        district_unit, _ = Unit.objects.update_or_create(
            code=f"G-{d_code}",
            defaults={
                "name": f"{d_name}人民政府",
                "name_en": f"{d_en} District Government",
                "kind": Unit.Kind.DISTRICT,
                "jurisdiction": district,
            },
        )
        for s_index, (s_name, s_en, township, lat, lng, communities) in enumerate(streets):
            level = Region.Level.TOWNSHIP if township else Region.Level.STREET
            street, _ = Region.objects.update_or_create(
                code=_code(d_code, s_index),
                defaults={
                    "name": s_name,
                    "name_en": s_en,
                    "level": level,
                    "parent": district,
                    "center_lat": Decimal(lat),
                    "center_lng": Decimal(lng),
                },
            )
            Unit.objects.update_or_create(
                code=_code("S", d_code, s_index),
                defaults={
                    "name": f"{s_name}{'人民政府' if township else '办事处'}",
                    "name_en": f"{s_en} {'Township' if township else 'Street Office'}",
                    "kind": Unit.Kind.TOWNSHIP if township else Unit.Kind.STREET,
                    "jurisdiction": street,
                    "parent": district_unit,
                },
            )
            for c_index, c_name in enumerate(communities):
                c_level = Region.Level.VILLAGE if c_name.endswith("村") else Region.Level.COMMUNITY
                c_lat = Decimal(lat) + Decimal(str(round(rnd.uniform(-0.006, 0.006), 6)))
                c_lng = Decimal(lng) + Decimal(str(round(rnd.uniform(-0.006, 0.006), 6)))
                community, _ = Region.objects.update_or_create(
                    code=_code(d_code, s_index, c_index),
                    defaults={
                        "name": c_name,
                        "level": c_level,
                        "parent": street,
                        "center_lat": c_lat,
                        "center_lng": c_lng,
                    },
                )
                Unit.objects.update_or_create(
                    code=_code("C", d_code, s_index, c_index),
                    defaults={
                        "name": f"{c_name}{'村委会' if c_level == Region.Level.VILLAGE else '居委会'}",
                        "kind": Unit.Kind.COMMUNITY,
                        "jurisdiction": community,
                    },
                )
                if c_index == 0:
                    Region.objects.update_or_create(
                        code=_code(d_code, s_index, c_index, "G1"),
                        defaults={
                            "name": f"{c_name}第一网格",
                            "level": Region.Level.GRID,
                            "parent": community,
                        },
                    )
    for code, name, name_en in DEPARTMENTS:
        Unit.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "kind": Unit.Kind.DEPARTMENT}
        )
    for code, name, name_en, utility, _words in UTILITIES:
        Unit.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "kind": Unit.Kind.ENTERPRISE,
                "utility": utility,
            },
        )
    return {"regions": Region.objects.count(), "units": Unit.objects.count()}


def _utility_of(name: str) -> str | None:
    for code, _n, _e, _u, words in UTILITIES:
        if any(word in name for word in words):
            return code
    return None


def seed_categories(path: Path | None = None) -> int:
    """The real three-level tree (15 → 103 → 517) from data/category_tree.csv."""
    path = path or DATA_DIR / "category_tree.csv"
    units = {
        u.code: u
        for u in Unit.objects.filter(kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.ENTERPRISE])
    }
    tops: dict[str, Category] = {}
    mids: dict[tuple[str, str], Category] = {}
    responsibilities: dict[str, set[int]] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            l1, l2, l3 = row["一级分类"].strip(), row["二级分类"].strip(), row["三级分类"].strip()
            if l1 not in tops:
                en, _dept = FIRST_LEVEL.get(l1, ("", None))
                tops[l1], _ = Category.objects.update_or_create(
                    code=f"K{len(tops) + 1:02d}",
                    defaults={"name": l1, "name_en": en, "level": 1, "parent": None},
                )
            top = tops[l1]
            if (l1, l2) not in mids:
                mids[(l1, l2)], _ = Category.objects.update_or_create(
                    code=f"{top.code}-{_stable_code(l1 + '/' + l2)}",
                    defaults={"name": l2, "level": 2, "parent": top},
                )
            mid = mids[(l1, l2)]
            utility = (
                _utility_of(l3)
                if l1 in ("城乡建设", "经济管理", "科技与信息产业", "农村农业")
                else None
            )
            if utility:
                handling, urgency, dept = Category.HandlingLevel.ENTERPRISE, "utility", utility
            elif (l1, l2) in STREET_LEVEL:
                handling, urgency, dept = (
                    Category.HandlingLevel.STREET,
                    "general",
                    SECOND_LEVEL_DEPARTMENT.get((l1, l2), FIRST_LEVEL[l1][1]),
                )
            elif (l1, l2) in COMMUNITY_LEVEL:
                handling, urgency, dept = (
                    Category.HandlingLevel.COMMUNITY,
                    "general",
                    FIRST_LEVEL[l1][1],
                )
            else:
                handling, urgency = Category.HandlingLevel.DEPARTMENT, "general"
                dept = SECOND_LEVEL_DEPARTMENT.get((l1, l2), FIRST_LEVEL[l1][1])
            if not utility:
                dept = next((d for word, d in LEAF_KEYWORD_DEPARTMENT if word in l3), dept)
            leaf, _ = Category.objects.update_or_create(
                code=f"{mid.code}-{_stable_code(l1 + '/' + l2 + '/' + l3)}",
                defaults={
                    "name": l3,
                    "level": 3,
                    "parent": mid,
                    "handling_level": handling,
                    "default_urgency": urgency,
                },
            )
            if dept in units:
                responsibilities.setdefault(dept, set()).add(leaf.id)
    # The seed owns the demo departments' lists: set(), so a changed rule re-seeds cleanly.
    for code, leaf_ids in responsibilities.items():
        units[code].responsible_categories.set(leaf_ids)
    return Category.objects.count()


def seed_users() -> list[tuple[str, str, str]]:
    units = {u.code: u for u in Unit.objects.all()}
    accounts = []
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={
            "display_name": "城市管理员",
            "is_staff": True,
            "is_superuser": True,
            "email": "admin@civic.local",
        },
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    accounts.append(("admin", "superuser", "—"))
    for username, display, role, unit_code in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"display_name": display, "email": f"{username}@civic.local"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(user=user, unit=units[unit_code], role=role)
        accounts.append((username, role, units[unit_code].name))
    homes = {"resident": "110101-0-0", "resident2": "110102-1-0"}
    for username, region_code in homes.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": "居民张女士" if username == "resident" else "居民刘先生",
                "email": f"{username}@civic.local",
                "phone": "13800138000",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.home_region = Region.objects.get(code=region_code)
            user.save()
        accounts.append((username, "resident", user.home_region.name if user.home_region else ""))
    return accounts


def demo_accounts() -> list[tuple[str, str, str]]:
    rows = [("admin", "superuser", "—")]
    for username, _display, role, unit_code in DEMO_USERS:
        unit = Unit.objects.filter(code=unit_code).first()
        rows.append((username, role, unit.name if unit else unit_code))
    for username in ("resident", "resident2"):
        home = Region.objects.filter(residents__username=username).first()
        rows.append((username, "resident", home.name if home else ""))
    return rows


def seed_structure(stdout=None) -> None:
    from . import partitions
    from .calendar import calendar_seed_from_package, calendar_seed_provisional

    # The demo's history reaches back a year: its months get partitions of their own
    # (PostgreSQL; nothing on SQLite) rather than filling the DEFAULT partition.
    this_month = partitions.local_month()
    partitions.ensure_since(this_month.replace(year=this_month.year - 1))

    with transaction.atomic():
        counts = seed_regions_and_units()
        categories = seed_categories()
        seed_users()
    # The years chinese-calendar knows, then up to next year provisionally (computed holidays).
    days = calendar_seed_from_package() + calendar_seed_provisional()
    if stdout:
        stdout.write(
            f"structure: {counts['regions']} regions, {counts['units']} units, {categories} categories; calendar +{days} days"
        )


register_seed_step("structure", seed_structure)
