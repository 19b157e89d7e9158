"""Patrol reports and check-ins of grid workers (网格员), and their demo data.

A report becomes a case like any other (channel `patrol`, 主动发现) in the grid's community, so
the centre dispatches it as it dispatches calls; the PatrolReport row keeps which grid and worker
found it, for the patrol statistics.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import selectors as case_selectors
from cases import services as case_services
from cases.models import Channel, Kind
from civic import clock, roles
from civic.errors import DomainValidationError, PermissionDeniedError
from civic.models import Category, Region, User

from .models import GridAssignment, PatrolCheckIn, PatrolReport

TEXT_MAX = 500
TITLE_MAX = 40


def _invalid(field: str, message: str) -> DomainValidationError:
    return DomainValidationError(message, extra={"fields": {field: [message]}})


def _require_grid(actor: User, grid: Region | None) -> Region:
    if not roles.has_role(actor, roles.Role.GRID_WORKER):
        raise PermissionDeniedError(_("Only grid workers report from patrol."))
    if grid is None:
        raise _invalid("grid", _("Choose the grid you are patrolling."))
    if not GridAssignment.objects.filter(worker=actor, grid=grid, active=True).exists():
        raise _invalid("grid", _("This grid is not one of yours."))
    return grid


def _position(lat, lng) -> tuple[Decimal, Decimal]:
    """The device's position; a report or check-in without one cannot say where."""
    if lat in (None, "") or lng in (None, ""):
        raise _invalid(
            "lat", _("Your phone's location is needed: allow location access and try again.")
        )
    try:
        lat_d, lng_d = Decimal(str(lat)), Decimal(str(lng))
    except InvalidOperation:
        raise _invalid("lat", _("The location is not a valid position.")) from None
    if not (lat_d.is_finite() and lng_d.is_finite()) or abs(lat_d) > 90 or abs(lng_d) > 180:
        raise _invalid("lat", _("The location is not a valid position."))
    return lat_d.quantize(Decimal("0.000001")), lng_d.quantize(Decimal("0.000001"))


def _title_of(text: str) -> str:
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    return first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1] + "…"


def patrol_report_create(
    *,
    actor: User,
    grid: Region | None,
    category: Category | None,
    text: str,
    lat,
    lng,
    accuracy_m: int | None = None,
    photo: UploadedFile | None = None,
    at: dt.datetime | None = None,
) -> PatrolReport:
    """A problem found on patrol becomes a case in the grid's community, ready for dispatch."""
    grid = _require_grid(actor, grid)
    text = (text or "").strip()
    if not text:
        raise _invalid("text", _("Say in a sentence what you found."))
    if len(text) > TEXT_MAX:
        raise _invalid("text", _("At most %(n)d characters.") % {"n": TEXT_MAX})
    lat_d, lng_d = _position(lat, lng)
    if accuracy_m is not None and not (0 <= accuracy_m <= 100_000):
        accuracy_m = None
    at = at or timezone.now()
    with transaction.atomic():
        created = case_services.case_create(
            actor=actor,
            channel=Channel.PATROL,
            kind=Kind.REPORT,
            category=category,
            title=_title_of(text),
            description=text,
            region=grid.parent or grid,
            address=grid.name,
            lat=lat_d,
            lng=lng_d,
            anonymous=True,  # the worker reports as staff; no resident to reach
            attachments=[photo] if photo else [],
            received_at=at,
        )
        return PatrolReport.objects.create(
            case=created.case, worker=actor, grid=grid, at=at, accuracy_m=accuracy_m
        )


def patrol_check_in(*, actor: User, grid: Region | None, lat, lng) -> PatrolCheckIn:
    """巡查打卡: the worker is on patrol in the grid now."""
    grid = _require_grid(actor, grid)
    lat_d, lng_d = _position(lat, lng)
    return PatrolCheckIn.objects.create(
        worker=actor, grid=grid, at=timezone.now(), lat=lat_d, lng=lng_d
    )


# --- demo -----------------------------------------------------------------------------------

DEMO_FINDINGS = [
    ("占道经营", "早市摊贩占用人行道经营，行人只能走机动车道。"),
    ("井盖", "路口井盖破损下沉，已放置警示锥，需尽快更换。"),
    ("垃圾", "小区东门垃圾桶满溢，周边散落生活垃圾。"),
    ("共享单车", "地铁口共享单车堆放堵塞盲道。"),
    ("路灯", "胡同内三盏路灯不亮，夜间通行不便。"),
    ("违法建设", "楼顶新搭建彩钢板房，疑似违法建设。"),
    ("绿化", "行道树枝干折断悬挂，存在坠落隐患。"),
    ("道路", "人行道地砖松动破损，老人容易绊倒。"),
]


def _demo_category(word: str, leaves: list[Category]) -> Category | None:
    for leaf in leaves:
        if word in leaf.name and leaf.residents_may_file:
            return leaf
    return None


def seed_patrol(stdout=None) -> int:
    """The demo grid worker patrols the grid of 多福巷社区: three months of check-ins and
    reports, the older reports dispatched like any case. Idempotent."""
    worker = User.objects.filter(username="grid").first()
    grid = Region.objects.filter(level=Region.Level.GRID, parent__code="110101-0-0").first()
    if worker is None or grid is None:
        return 0
    GridAssignment.objects.get_or_create(worker=worker, grid=grid)
    roles.forget_memberships(worker)
    if PatrolReport.objects.filter(worker=worker).exists():
        if stdout:
            stdout.write("patrol: demo patrol exists, skipped")
        return 0
    rnd = random.Random(33)
    leaves = list(Category.objects.filter(level=3, active=True).order_by("id"))
    fallback = next((leaf for leaf in leaves if leaf.residents_may_file), None)
    dispatcher = User.objects.filter(username="dispatcher").first()
    lat0 = grid.center_lat or (grid.parent.center_lat if grid.parent else None) or Decimal("39.92")
    lng0 = grid.center_lng or (grid.parent.center_lng if grid.parent else None) or Decimal("116.41")
    now = timezone.now()
    reports = 0
    for day in range(90, 0, -1):
        when = now - dt.timedelta(days=day, hours=rnd.uniform(0, 3))
        if when.weekday() >= 5 and rnd.random() < 0.7:
            continue  # fewer patrols at weekends
        lat = lat0 + Decimal(rnd.randint(-200, 200)) / 100000
        lng = lng0 + Decimal(rnd.randint(-200, 200)) / 100000
        with clock.override(when):
            PatrolCheckIn.objects.create(worker=worker, grid=grid, at=when, lat=lat, lng=lng)
        if rnd.random() > 0.3:
            continue
        word, text = DEMO_FINDINGS[reports % len(DEMO_FINDINGS)]
        category = _demo_category(word, leaves) or fallback
        at = when + dt.timedelta(minutes=20)
        with clock.override(at):
            report = patrol_report_create(
                actor=worker, grid=grid, category=category, text=text, lat=lat, lng=lng, at=at
            )
        reports += 1
        unit = case_selectors.route_proposal(category=category, region=report.case.region)
        if dispatcher is not None and unit is not None and day > 2:
            with clock.override(at + dt.timedelta(hours=1)):
                case_services.case_dispatch(actor=dispatcher, case=report.case, lead_unit=unit)
    if stdout:
        stdout.write(f"patrol: {reports} patrol reports")
    return reports
