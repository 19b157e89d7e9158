"""seed_demo step "history": a year of the demo city's cases written in bulk.

The "cases" step (cases/demo.py) drives a few hundred cases through the real services, which
gives rich individual histories but only four months of them. The boards (assessment), the
dashboard's twelve-month trend, the monthly reports and 未诉先办's seasonal rule need a year:
here some twenty thousand cases, one year back from the start of the current month up to now,
are written in bulk by a small column writer (`_Table`: `executemany` on SQLite, one `COPY` per
table on PostgreSQL; `bulk_create` spent over a minute in Python here), with no per-case service
calls (320 cases through the services already take most of `seed_demo`'s minute).

What each row holds is what the services would have written (cases/services.py): the case with
its number from the day's sequence, deadlines from the time-limit policy in force at dispatch
(cases/deadlines.py), the lead assignment (and the copy to the district government for a
street, Art. 11-12), the reply, the revisit, the immutable events of every step (insert only),
and for a deadline missed on the way the sweep's "overdue" event and its DeadlineEffect claim.
The unit is the one the dispatch rule proposes (`selectors.route_proposal`).

Texts are the real messages of data/ (complaints_train.csv, complaints_labelled.csv and
replies_sample.csv, whose messages keep their real reply). The year has seasons: each topic
below (heating in winter, flooding and noise in summer, school places before term, unpaid
wages before the Spring Festival …) takes its share of a month's cases from the messages that
speak of it, filed under its category; the rest follows the messages' first-level labels.
Each unit gets a quality that drifts from month to month, so its 三率 and rank move.

Deterministic (seeded random; times relative to now) and idempotent: skipped when any case
carries the step's external reference prefix. One transaction: all or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from civic import calendar
from civic.models import Category, Membership, Region, Unit, User

from . import deadlines, numbers, privacy, selectors
from .demo import _member
from .models import (
    Assignment,
    Case,
    CaseEvent,
    Channel,
    DeadlineEffect,
    Kind,
    Outcome,
    Reply,
    Revisit,
    Status,
    TimeLimitPolicy,
    Urgency,
)
from .services import UNUSABLE_ACCESS_CODE, URGENCIES

# Marker of the step's cases (Case.external_ref): the step runs once.
REF_PREFIX = "demo-history-"
MONTHS = 12
CASES_PER_MONTH = 1650
SEED = 2030
BATCH = 2000

# A month's volume against the average: summer (heat, rain, noise) and winter (heating) are
# busy, the Spring Festival month is quiet.
MONTH_VOLUME = {1: 1.05, 2: 0.8, 3: 0.9, 4: 0.9, 5: 0.95, 6: 1.05,
                7: 1.2, 8: 1.2, 9: 1.0, 10: 0.9, 11: 1.0, 12: 1.1}  # fmt: skip
# Calls by hour of day (local): the hotline's day peaks mid-morning and mid-afternoon.
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.3, 0.3, 0.6, 1.5, 3, 6, 8, 8, 7, 5, 6, 7, 7, 6, 5, 4, 4, 3, 2.5, 2, 1.5]  # fmt: skip


@dataclass(frozen=True)
class Topic:
    """A seasonal subject: the share of each month's cases (percent, January first) that the
    messages matching `pattern` take, filed under one of `leaves` (first, second, third level)."""

    name: str
    pattern: str
    leaves: tuple[tuple[str, str, str], ...]
    percent: tuple[float, ...]


TOPICS = [
    Topic("heating", "供暖|暖气|采暖|供热",
          (("城乡建设", "城市建设和市政管理", "冬季采暖"),),
          (10, 7, 3, 0.5, 0, 0, 0, 0, 0.2, 2, 8, 10)),
    Topic("wages", "拖欠.{0,6}工资|欠薪|农民工",
          (("劳动和社会保障", "工资福利", "工资发放"), ("劳动和社会保障", "劳动关系", "农民工权益")),
          (8, 5, 2, 2, 2, 2, 2, 2, 2, 2, 4, 7)),
    Topic("snow", "积雪|结冰|除雪|下雪|冰冻",
          (("城乡建设", "城市建设和市政管理", "城市公共设施"),),
          (3, 2, 0.5, 0, 0, 0, 0, 0, 0, 0, 0.5, 2)),
    Topic("travel", "春运|火车票|返乡|车票",
          (("交通运输", "客货运输", "旅客运输"),),
          (4, 4, 0.5, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.3, 1)),
    Topic("noise", "噪音|噪声|扰民|广场舞",
          (("环境保护", "环境污染", "噪音污染"),),
          (2, 2, 3, 4, 5, 6, 7, 7, 5, 4, 3, 2)),
    Topic("flooding", "积水|暴雨|内涝|下水道|排水",
          (("城乡建设", "城市建设和市政管理", "基础设施"),),
          (0.5, 0.5, 1, 2, 4, 6, 8, 7, 3, 1, 0.5, 0.5)),
    Topic("power", "空调|高温|停电|中暑",
          (("城乡建设", "城市建设和市政管理", "电力供应"),),
          (1, 0.5, 0.5, 1, 2, 4, 6, 6, 2, 0.5, 0.5, 1)),
    Topic("smoke", "烧烤|油烟|夜宵",
          (("环境保护", "环境污染", "大气污染"),),
          (0.5, 0.5, 1, 2, 3, 4, 5, 5, 3, 1, 0.5, 0.5)),
    Topic("sanitation", "蚊|垃圾|臭味|恶臭",
          (("城乡建设", "城市建设和市政管理", "环境卫生"),),
          (2, 2, 2, 3, 4, 5, 6, 6, 4, 3, 2, 2)),
    Topic("school", "招生|入学|学位|开学|报名",
          (("教育文体", "考试招生", "招生录取"),),
          (1, 3, 3, 2, 3, 5, 6, 8, 7, 2, 1, 1)),
]  # fmt: skip
# replies_sample.csv carries no first-level label: its messages get one by keyword.
LABEL_WORDS = [
    ("教育文体", "学校|教育|学生|老师|教师|招生|幼儿园"),
    ("卫生计生", "医院|医疗|医生|患者|计生|疫苗"),
    ("劳动和社会保障", "社保|工资|养老|退休|劳动|就业|公积金"),
    ("交通运输", "公交|交通|道路|出租车|车辆|高速"),
    ("商贸旅游", "商户|旅游|价格|超市|市场|消费"),
    ("环境保护", "污染|噪音|环保|排放|油烟"),
]
# Of a first-level category with branches that the street handles (civic.demo.STREET_LEVEL),
# this share of its messages is filed there: most of them are local matters, and every street
# needs assessment's minimum of cases in each month to be ranked.
STREET_SHARE = 0.7
CONSULTATION_SHARE = 0.08
REPLIES = [
    "经现场核查，问题已处理完毕，感谢您对我们工作的支持。",
    "已协调相关单位整改，后续将持续跟进，如有问题请再次来电。",
    "经核实，该诉求涉及政策规定，已向您解释说明，望理解。",
    "已安排工作人员上门处置，现已恢复正常。",
    "已责令相关责任方限期整改，我单位将加强日常巡查。",
]
UNHAPPY_COMMENTS = ["问题没有解决。", "处理太慢，反复反映才有人管。", "答复敷衍，情况依旧。"]
NAMES = ["张女士", "李先生", "王女士", "刘先生", "陈女士", "杨先生", "赵女士", "黄先生"]


@dataclass
class _Message:
    title: str
    body: str
    label: str
    reply: str = ""


@dataclass
class _Plan:
    """One case as the services would have left it: its columns (attnames), its events
    (at, action, actor, from, to, note, data) and what the related rows need."""

    case: dict
    unit: Unit | None = None
    handler: User | None = None
    events: list[tuple] = field(default_factory=list)
    reply: tuple | None = None  # (at, text, result)
    revisit: dict | None = None
    overdue: list[tuple[str, dt.datetime]] = field(default_factory=list)
    copy_unit_id: int | None = None


class _Table:
    """A model's rows given as {attname: value}, written by one INSERT run for them all
    (`executemany`): columns left out take the field's default (auto_now: the time of
    writing). Values go to the database as `Model.save()` sends them (the backend's adapters)
    where the type needs it (times, JSON, decimals); text, numbers, booleans and keys as they
    are. Through `bulk_create`, twenty thousand cases and their 150,000 events took over a
    minute of Python (a model instance per row, every value compiled into SQL); this way a
    few seconds."""

    PREPARED = (models.DateTimeField, models.JSONField, models.DecimalField)

    def __init__(self, model, *, with_pk: bool):
        now = timezone.now()
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.defaults = []
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults.append(now)
            else:
                self.defaults.append(None if f.primary_key else f.get_default())
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})"
        self.copy_sql = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"

    def _converter(self, f, db):
        if isinstance(f, models.DateTimeField):
            if db.vendor == "sqlite" and settings.USE_TZ and db.timezone == dt.UTC:
                return _sqlite_datetime
            return db.ops.adapt_datetimefield_value
        if isinstance(f, models.JSONField):
            return functools.partial(db.ops.adapt_json_value, encoder=f.encoder)
        if isinstance(f, self.PREPARED):
            return functools.partial(f.get_db_prep_save, connection=db)
        return None

    def insert(self, rows: list[dict]) -> None:
        db = connections[DEFAULT_DB_ALIAS]  # once: `connection` is a lookup on each use
        columns = [
            (f.attname, default, self._converter(f, db))
            for f, default in zip(self.fields, self.defaults, strict=True)
        ]
        params = []
        for row in rows:
            values = []
            for name, default, convert in columns:
                value = row.get(name, default)
                values.append(value if convert is None or value is None else convert(value))
            params.append(values)
        with db.cursor() as cursor:
            if db.vendor == "postgresql":
                # COPY: one statement for all the rows. As single INSERTs PostgreSQL parsed and
                # planned each of the 150,000 events on its own (40 s for the step against 18 s).
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for values in params:
                        copy.write_row(values)
                return
            for lo in range(0, len(params), BATCH):
                cursor.executemany(self.sql, params[lo : lo + BATCH])


def _sqlite_datetime(value: dt.datetime) -> str:
    """What Django's SQLite backend stores for an aware time (its UTC wall time as text,
    `DatabaseOperations.adapt_datetimefield_value`), without its per-call lookups."""
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _new_ids(model, count: int) -> list[int]:
    """Keys for `count` new rows, so that their dependants can name them before they exist.
    PostgreSQL: from the table's sequence (as the importer, cases.importing.rows). Elsewhere
    (SQLite): after the largest, inside the step's transaction, which holds the database's
    write lock since it reserved the day's case numbers."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        top = cursor.fetchone()[0]
    return list(range(top + 1, top + 1 + count))


def _clean(text: str, limit: int) -> str:
    return " ".join((text or "").split())[:limit]


def _messages() -> list[_Message]:
    data = settings.BASE_DIR / "data"
    out = []
    for name in ("complaints_train.csv", "complaints_labelled.csv"):
        with (data / name).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                body = _clean(row["留言详情"], 4000)
                title = _clean(row.get("留言主题", ""), 200) or body[:30]
                if body:
                    out.append(_Message(title, body, row["一级分类"].strip()))
    with (data / "replies_sample.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            title, body = _clean(row["留言主题"], 200), _clean(row["留言详情"], 4000)
            text = f"{title} {body}"
            label = next((lab for lab, words in LABEL_WORDS if re.search(words, text)), "城乡建设")
            out.append(_Message(title, body, label, _clean(row["答复意见"], 5000)))
    return out


class _Router:
    """`selectors.route_proposal`, asked once per case that decides differently: a street-level
    leaf goes to the region's street whatever the leaf, a community-level one to its community,
    the others to the leaf's responsible unit (or the district's government)."""

    def __init__(self):
        self.memo: dict[tuple, Unit | None] = {}

    def unit(self, leaf: Category, community: Region, street: Region, district: Region):
        level = leaf.handling_level
        if level == Category.HandlingLevel.STREET:
            key = ("street", street.pk)
        elif level == Category.HandlingLevel.COMMUNITY:
            key = ("community", community.pk)
        else:
            key = ("leaf", leaf.pk)
            if key in self.memo and self._district(self.memo[key]):
                key = ("leaf", leaf.pk, district.pk)  # nobody responsible: the district's
        if key not in self.memo:
            self.memo[key] = selectors.route_proposal(category=leaf, region=community)
            if key[0] == "leaf" and self._district(self.memo[key]):
                self.memo[("leaf", leaf.pk, district.pk)] = self.memo[key]
        return self.memo[key]

    @staticmethod
    def _district(unit: Unit | None) -> bool:
        return unit is not None and unit.kind == Unit.Kind.DISTRICT


class _Deadlines:
    """`deadlines.policy_for` and `deadlines.compute` for many cases. The policy is asked once
    per answer it can give over the window (by urgency class; by leaf only when some policy
    names a category; by day only when one changes inside the window). The deadlines are
    computed once per policy and local day: every limit adds to the dispatch time an amount
    that depends on its day only (minutes and hours a fixed time, working days whole days to
    the same clock time; Asia/Shanghai keeps no summer time)."""

    def __init__(self, first_day: dt.date, last_day: dt.date):
        policies = list(TimeLimitPolicy.objects.all())
        self.by_leaf = any(p.category_id for p in policies)
        self.by_day = any(first_day < p.effective_from <= last_day for p in policies)
        self.policies: dict[tuple, TimeLimitPolicy] = {}
        self.offsets: dict[tuple, tuple] = {}
        self.tz = timezone.get_default_timezone()

    def policy(self, kind: str, urgency: str, leaf: Category, at: dt.datetime) -> TimeLimitPolicy:
        applies_to = (
            TimeLimitPolicy.AppliesTo.CONSULTATION if kind == Kind.CONSULTATION else urgency
        )
        key = (
            applies_to,
            leaf.pk if self.by_leaf else None,
            calendar.local_date(at) if self.by_day else None,
        )
        if key not in self.policies:
            probe = Case(kind=kind, urgency=urgency, category=leaf)
            self.policies[key] = deadlines.policy_for(probe, at)
        return self.policies[key]

    def _offsets(self, policy: TimeLimitPolicy, day: dt.date) -> tuple:
        key = (policy.pk, day)
        if key not in self.offsets:
            midnight = timezone.make_aware(dt.datetime.combine(day, dt.time()), self.tz)
            due = deadlines.compute(policy, midnight)
            revisit = deadlines.revisit_due(policy, midnight)
            self.offsets[key] = (
                due.sign_due_at - midnight,
                due.contact_due_at - midnight,
                due.handle_due_at - midnight,
                due.return_window_ends_at - midnight,
                revisit - midnight,
            )
        return self.offsets[key]

    def compute(self, policy: TimeLimitPolicy, at: dt.datetime) -> deadlines.Deadlines:
        sign, contact, handle, window, _revisit = self._offsets(policy, self._day(at))
        return deadlines.Deadlines(at + sign, at + contact, at + handle, at + window)

    def revisit_due(self, policy: TimeLimitPolicy, at: dt.datetime) -> dt.datetime:
        return at + self._offsets(policy, self._day(at))[4]

    def _day(self, at: dt.datetime) -> dt.date:
        return at.astimezone(self.tz).date()  # calendar.local_date, with the zone looked up once


def _quality(rnd: random.Random, units: list[Unit], months: list[dt.date]) -> dict:
    """Each unit's quality (0–1) per month: a level of its own, a slow swing and some noise.
    The heating company strains in winter."""
    out = {}
    for unit in sorted(units, key=lambda u: u.code):
        base = rnd.uniform(0.5, 0.95)
        swing, phase = rnd.uniform(0.03, 0.12), rnd.uniform(0, 12)
        for month in months:
            q = base + swing * math.sin(2 * math.pi * (month.month + phase) / 12)
            q += rnd.uniform(-0.05, 0.05)
            if unit.utility == Unit.Utility.HEATING and month.month in (11, 12, 1):
                q -= 0.15
            out[(unit.pk, month)] = min(0.98, max(0.1, q))
    return out


def _hours(h: float) -> dt.timedelta:
    return dt.timedelta(hours=h)


def _between(rnd: random.Random, a: dt.datetime, b: dt.datetime, lo=0.1, hi=0.95):
    if b <= a:
        return a + dt.timedelta(minutes=rnd.uniform(5, 60))
    return a + (b - a) * rnd.uniform(lo, hi)


def _received(rnd: random.Random, day: dt.date, tz) -> dt.datetime:
    hour = rnd.choices(range(24), weights=HOUR_WEIGHTS)[0]
    naive = dt.datetime.combine(day, dt.time(hour, rnd.randrange(60), rnd.randrange(60)))
    return timezone.make_aware(naive, tz)


def _dispatch_delay(rnd: random.Random, at: dt.datetime) -> dt.datetime:
    local = timezone.localtime(at)
    if 8 <= local.hour < 20:
        return at + dt.timedelta(minutes=rnd.uniform(4, 50))
    # Night calls wait for the morning shift (emergencies are not in the demo history).
    morning = local.replace(hour=8, minute=0, second=0) + dt.timedelta(minutes=rnd.uniform(0, 60))
    if local.hour >= 20:
        morning += dt.timedelta(days=1)
    return morning


class _History:
    def __init__(self, now: dt.datetime):
        self.now = now
        self.tz = timezone.get_default_timezone()
        self.rnd = random.Random(SEED)
        this_month = calendar.local_date(now).replace(day=1)
        self.months = [this_month]
        for _i in range(MONTHS):
            self.months.insert(0, calendar.previous_month(self.months[0]))
        self.operator = User.objects.get(username="operator")
        self.dispatcher = User.objects.get(username="dispatcher")
        self.centre = Unit.objects.get(code="CENTRE")
        regions = {r.pk: r for r in Region.objects.all()}
        self.communities = [
            r
            for r in regions.values()
            if r.level in (Region.Level.COMMUNITY, Region.Level.VILLAGE)
            and r.parent_id in regions
            and regions[r.parent_id].parent_id in regions
        ]
        self.communities.sort(key=lambda r: r.code)
        self.regions = regions
        # Busier and quieter neighbourhoods (the weight stays for the year).
        self.community_weights = [self.rnd.uniform(0.5, 2.0) for _c in self.communities]
        leaves = list(
            Category.objects.filter(level=3, active=True).select_related("parent__parent")
        )
        self.leaf_by_path = {(c.parent.parent.name, c.parent.name, c.name): c for c in leaves}
        street_level = {Category.HandlingLevel.STREET, Category.HandlingLevel.COMMUNITY}
        seasonal = {leaf for t in TOPICS for leaf in t.leaves}
        self.local_leaves: dict[str, list[Category]] = {}
        self.other_leaves: dict[str, list[Category]] = {}
        for c in leaves:
            path = (c.parent.parent.name, c.parent.name, c.name)
            if path in seasonal or not c.residents_may_file:
                continue
            bucket = self.local_leaves if c.handling_level in street_level else self.other_leaves
            bucket.setdefault(path[0], []).append(c)
        messages = _messages()
        self.by_label: dict[str, list[_Message]] = {}
        for m in messages:
            self.by_label.setdefault(m.label, []).append(m)
        self.labels = sorted(lab for lab in self.by_label if lab in self.other_leaves)
        self.label_weights = [len(self.by_label[lab]) for lab in self.labels]
        self.topics = []
        for topic in TOPICS:
            pattern = re.compile(topic.pattern)
            pool = [m for m in messages if pattern.search(m.title) or pattern.search(m.body)]
            topic_leaves = [self.leaf_by_path[p] for p in topic.leaves if p in self.leaf_by_path]
            if pool and topic_leaves:
                self.topics.append((topic, pool, topic_leaves))
        self.router = _Router()
        self.deadlines = _Deadlines(self.months[0], calendar.local_date(now))
        self.handlers: dict[int, User] = {}
        self.frequent_phones = [f"13{self.rnd.randint(100000000, 999999999)}" for _i in range(300)]

    # --- choosing -------------------------------------------------------------------------

    def _subject(self, month: dt.date) -> tuple[Category, _Message]:
        rnd = self.rnd
        roll = rnd.uniform(0, 100)
        for topic, pool, leaves in self.topics:
            roll -= topic.percent[month.month - 1]
            if roll < 0:
                return rnd.choice(leaves), rnd.choice(pool)
        label = rnd.choices(self.labels, weights=self.label_weights)[0]
        message = rnd.choice(self.by_label[label])
        local = self.local_leaves.get(label)
        if local and rnd.random() < STREET_SHARE:
            return rnd.choice(local), message
        return rnd.choice(self.other_leaves[label]), message

    def _handler(self, unit: Unit) -> User:
        if unit.pk not in self.handlers:
            self.handlers[unit.pk] = _member(Membership.Role.HANDLER, unit)
        return self.handlers[unit.pk]

    # --- one case -------------------------------------------------------------------------

    def plan(self, month: dt.date, day: dt.date, index: int, quality: dict) -> _Plan:
        rnd = self.rnd
        t = _received(rnd, day, self.tz)
        if t >= self.now:
            t = self.now - dt.timedelta(minutes=rnd.uniform(1, 600))
        leaf, message = self._subject(month)
        community = rnd.choices(self.communities, weights=self.community_weights)[0]
        street = self.regions[community.parent_id]
        district = self.regions[street.parent_id]
        channel = rnd.choices(
            [Channel.HOTLINE, Channel.WEB, Channel.APP, Channel.WECHAT], weights=[70, 12, 10, 8]
        )[0]
        kind = (
            Kind.CONSULTATION
            if rnd.random() < CONSULTATION_SHARE
            else rnd.choices(
                [Kind.COMPLAINT, Kind.REQUEST_FOR_HELP, Kind.REPORT, Kind.SUGGESTION],
                weights=[50, 25, 15, 10],
            )[0]
        )
        phone = (
            rnd.choice(self.frequent_phones)
            if rnd.random() < 0.1
            else f"13{rnd.randint(100000000, 999999999)}"
        )
        hotline = channel == Channel.HOTLINE
        lat = lng = None
        if community.center_lat is not None and community.center_lng is not None:
            lat = community.center_lat + Decimal(f"{rnd.uniform(-0.004, 0.004):.6f}")
            lng = community.center_lng + Decimal(f"{rnd.uniform(-0.004, 0.004):.6f}")
        urgency = leaf.default_urgency if leaf.default_urgency in URGENCIES else Urgency.GENERAL
        case = {
            "external_ref": f"{REF_PREFIX}{month:%Y%m}-{index:05d}",
            "channel": channel,
            "kind": kind,
            "urgency": urgency,
            "category_id": leaf.pk,
            "title": message.title,
            "description": message.body,
            "address": f"{community.name}{rnd.randint(1, 80)}号",
            "lat": lat,
            "lng": lng,
            "region_id": community.pk,
            "reporter_name": rnd.choice(NAMES),
            "reporter_phone": phone,
            "reporter_phone_key": privacy.phone_key(phone),
            # Like imported cases: no access code was ever given out for these.
            "access_code_hash": UNUSABLE_ACCESS_CODE,
            "status": Status.RECEIVED,
            "first_receiver_id": self.operator.pk if hotline else None,
            "first_receiver_unit_id": self.centre.pk if hotline else None,
            "received_at": t,
        }
        plan = _Plan(case=case)
        intake = self.operator if hotline else None
        self._event(plan, t, "create", intake, "", Status.RECEIVED, data={"channel": channel})
        if kind == Kind.CONSULTATION:
            at = t + dt.timedelta(minutes=rnd.uniform(2, 15))
            if at <= self.now:
                self._settle(plan, at)
            return plan
        unit = self.router.unit(leaf, community, street, district)
        if unit is None or unit.kind == Unit.Kind.CENTRE:
            return plan  # nobody to send it to: it waits for the dispatcher
        q = quality.get((unit.pk, month), 0.7)
        self._handle(plan, leaf, unit, q, message.reply)
        return plan

    def _event(self, plan, at, action, actor, from_status, to_status, note="", data=None):
        plan.events.append((at, action, actor, from_status, to_status, note, data or {}))

    def _settle(self, plan: _Plan, at: dt.datetime) -> None:
        plan.case.update(status=Status.CLOSED, outcome=Outcome.ANSWERED_ON_SPOT, closed_at=at)
        self._event(
            plan,
            at,
            "close_without_dispatch",
            self.operator,
            Status.RECEIVED,
            Status.CLOSED,
            note="已告知办理流程和所需材料。",
            data={"outcome": Outcome.ANSWERED_ON_SPOT},
        )

    def _late(self, plan: _Plan, deadline: str, due: dt.datetime, done: dt.datetime | None):
        """The sweep's record of a deadline missed before the step was done (or still open):
        only where it would have run already, i.e. the deadline has passed by now."""
        if due <= self.now and (done is None or done > due):
            plan.overdue.append((deadline, due))
            status = plan.case["status"]
            data = {"deadline": deadline, "due_at": due.isoformat()}
            self._event(plan, due, "overdue", None, status, status, data=data)

    def _handle(self, plan: _Plan, leaf: Category, unit: Unit, q: float, real_reply: str):
        """Dispatch, sign, contact, reply, revisit, close: each step at a plausible time (late
        more often for a weaker unit), stopping at the first one still in the future."""
        rnd, now, case = self.rnd, self.now, plan.case
        at = _dispatch_delay(rnd, case["received_at"])
        if at > now:
            return
        policy = self.deadlines.policy(case["kind"], case["urgency"], leaf, at)
        due = self.deadlines.compute(policy, at)
        handler = self._handler(unit)
        plan.unit, plan.handler = unit, handler
        case.update(
            status=Status.DISPATCHED,
            lead_unit_id=unit.pk,
            dispatched_at=at,
            policy_id=policy.pk,
            sign_due_at=due.sign_due_at,
            contact_due_at=due.contact_due_at,
            handle_due_at=due.handle_due_at,
            return_window_ends_at=due.return_window_ends_at,
        )
        if unit.is_street_level and unit.parent_id:
            plan.copy_unit_id = unit.parent_id  # Art. 11-12: copied to the district
        data = {"lead_unit": unit.pk, "co_units": []}
        self._event(
            plan, at, "dispatch", self.dispatcher, Status.RECEIVED, Status.DISPATCHED, data=data
        )
        # A few cases of the last weeks stay with their unit: open, and overdue in time.
        stuck = (now - case["received_at"]).days < 60 and rnd.random() < 0.02 * (1.5 - q)

        late = rnd.random() < 0.15 * (1 - q)
        signed = (
            due.sign_due_at + _hours(rnd.uniform(0.2, 10))
            if late
            else _between(rnd, at, due.sign_due_at, 0.02, 0.8)
        )
        self._late(plan, "sign", due.sign_due_at, signed if signed <= now else None)
        if signed > now:
            return
        case.update(status=Status.SIGNED, signed_at=signed)
        self._event(plan, signed, "sign", handler, Status.DISPATCHED, Status.SIGNED)

        late = rnd.random() < 0.35 * (1 - q) + 0.01
        contacted = (
            due.contact_due_at + _hours(rnd.uniform(1, 30))
            if late or signed >= due.contact_due_at
            else _between(rnd, signed, due.contact_due_at, 0.05, 0.9)
        )
        self._late(plan, "contact", due.contact_due_at, contacted if contacted <= now else None)
        if contacted > now:
            return
        case.update(status=Status.IN_PROGRESS, contacted_at=contacted)
        note = "已电话联系市民，了解诉求。"
        self._event(
            plan, contacted, "contact", handler, Status.SIGNED, Status.IN_PROGRESS, note=note
        )

        window = due.handle_due_at - at
        late = rnd.random() < 0.3 * (1 - q) + 0.02
        replied = (
            due.handle_due_at + window * rnd.uniform(0.05, 0.6)
            if late or contacted >= due.handle_due_at
            else _between(rnd, contacted, due.handle_due_at, 0.1, 0.95)
        )
        if stuck:
            replied = now + dt.timedelta(days=1)
        self._late(plan, "handle", due.handle_due_at, replied if replied <= now else None)
        if any(deadline == "handle" for deadline, _due in plan.overdue):
            case["is_overdue"] = True  # as the sweep flags it; closing leaves the flag
        if replied > now:
            return
        result = rnd.choices(
            [Reply.Result.RESOLVED, Reply.Result.PARTLY, Reply.Result.EXPLAINED],
            weights=[55 + 35 * q, 20, 15],
        )[0]
        text = real_reply or rnd.choice(REPLIES)
        plan.reply = (replied, text, result)
        revisit_due = self.deadlines.revisit_due(policy, replied)
        case.update(status=Status.REPLIED, replied_at=replied, revisit_due_at=revisit_due)
        self._event(
            plan,
            replied,
            "reply",
            handler,
            Status.IN_PROGRESS,
            Status.REPLIED,
            note=text,
            data={"result": result},  # and the reply's id, once it has one
        )
        plan.revisit = {"due_at": revisit_due, "state": Revisit.State.PENDING}

        if rnd.random() < 0.07:  # nobody answered: the sweep expires the revisit
            if revisit_due > now:
                return
            plan.revisit["state"] = Revisit.State.NOT_REACHED
            self._event(
                plan, revisit_due, "revisit_expire", None, Status.REPLIED, Status.REPLIED,
                data={"round": 1},
            )  # fmt: skip
            self._close(plan, revisit_due, None, Outcome.NOT_REACHED)
            return
        answered = min(replied + _hours(rnd.uniform(2, 60)), revisit_due - _hours(0.1))
        if answered > now:
            return
        good = result == Reply.Result.RESOLVED
        resolved = rnd.random() < (0.55 + 0.4 * q if good else 0.15 + 0.3 * q)
        if resolved:
            weights = [60 + 35 * q, 20, 8 * (1 - q) + 1]
        else:
            weights = [5 + 10 * q, 30, 45 * (1 - q) + 10]
        satisfaction = rnd.choices(
            [
                Revisit.Satisfaction.SATISFIED,
                Revisit.Satisfaction.BASICALLY,
                Revisit.Satisfaction.DISSATISFIED,
            ],
            weights=weights,
        )[0]
        contacted_ok = rnd.random() < 0.9 + 0.09 * q
        unhappy = not resolved or satisfaction == Revisit.Satisfaction.DISSATISFIED
        comment = rnd.choice(UNHAPPY_COMMENTS) if unhappy else ""
        plan.revisit.update(
            state=Revisit.State.ANSWERED,
            method=rnd.choice([Revisit.Method.PHONE, Revisit.Method.PHONE, Revisit.Method.SMS]),
            contacted=contacted_ok,
            resolved=resolved,
            satisfaction=satisfaction,
            comment=comment,
            answered_at=answered,
            recorded_by_id=self.operator.pk,
        )
        self._event(
            plan,
            answered,
            "revisit",
            self.operator,
            Status.REPLIED,
            Status.REPLIED,
            note=comment,
            data={
                "contacted": contacted_ok,
                "resolved": resolved,
                "satisfaction": satisfaction,
                "round": 1,
            },
        )
        self._close(plan, answered, self.operator, Outcome.RESOLVED)

    def _close(self, plan: _Plan, at: dt.datetime, actor, outcome: str) -> None:
        plan.case.update(status=Status.CLOSED, outcome=outcome, closed_at=at)
        data = {"outcome": outcome}
        self._event(plan, at, "close", actor, Status.REPLIED, Status.CLOSED, data=data)


def seed_demo_history(stdout=None) -> int:
    if Case.objects.filter(external_ref__startswith=REF_PREFIX).exists():
        if stdout:
            stdout.write("history: demo history exists, skipped")
        return 0
    now = timezone.now()
    history = _History(now)
    units = list(Unit.objects.exclude(kind=Unit.Kind.CENTRE))
    quality = _quality(history.rnd, units, history.months)
    tables = _Tables()
    total = 0
    with transaction.atomic():
        for month in history.months:
            plans = _month_plans(history, month, quality)
            _write(plans, history, tables)
            total += len(plans)
    _analyze([Case, Assignment, Reply, Revisit])
    if stdout:
        stdout.write(f"history: {total} cases over {len(history.months)} months")
    return total


def _analyze(tables) -> None:
    """Fresh planner statistics for the tables that just grew by thousands of rows: the next
    steps read them at once (the assessment's month counts, the dashboard's roll-ups), before
    PostgreSQL's autovacuum would, and SQLite gathers none by itself. Without them SQLite
    answers the assessment's "latest revisit" test from the unit's index: 1.3 s a month against
    0.08 s."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    if connection.in_atomic_block:
        # Inside a caller's transaction (a test's): the rows may be rolled back, but PostgreSQL
        # keeps the table sizes ANALYZE wrote, and later plans would be made for 20,000 rows.
        return
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _month_plans(history: _History, month: dt.date, quality: dict) -> list[_Plan]:
    rnd = history.rnd
    end = calendar.next_month(month)
    today = calendar.local_date(history.now)
    days = [month + dt.timedelta(days=i) for i in range((end - month).days)]
    days = [d for d in days if d <= today]
    # Fewer calls on rest days; the month's volume spread over its days (so far).
    weights = [1.0 if calendar.is_workday(d) else 0.7 for d in days]
    count = round(CASES_PER_MONTH * MONTH_VOLUME[month.month] * len(days) / (end - month).days)
    picked = sorted(rnd.choices(range(len(days)), weights=weights, k=count))
    return [history.plan(month, days[i], n, quality) for n, i in enumerate(picked)]


class _Tables:
    def __init__(self):
        self.cases = _Table(Case, with_pk=True)
        self.replies = _Table(Reply, with_pk=True)
        self.assignments = _Table(Assignment, with_pk=False)
        self.revisits = _Table(Revisit, with_pk=False)
        self.events = _Table(CaseEvent, with_pk=False)
        self.effects = _Table(DeadlineEffect, with_pk=False)


def _write(plans: list[_Plan], history: _History, tables: _Tables) -> None:
    """Everything of one month's cases: cases (numbered from each day's sequence), then their
    assignments, replies, revisits, events and the sweep's claims."""
    by_day: dict[dt.date, list[_Plan]] = {}
    for plan in plans:
        by_day.setdefault(calendar.local_date(plan.case["received_at"]), []).append(plan)
    # Days in order, as the importer reserves them (cases.importing.rows._assign_numbers).
    for day, day_plans in sorted(by_day.items()):
        day_plans.sort(key=lambda p: p.case["received_at"])
        for plan, number in zip(day_plans, numbers.reserve(day, len(day_plans)), strict=True):
            plan.case["number"] = number
    for plan, pk in zip(plans, _new_ids(Case, len(plans)), strict=True):
        plan.case.update(id=pk, version=len(plan.events))
    tables.cases.insert([p.case for p in plans])

    assignments = []
    for p in plans:
        c = p.case
        if p.unit is None:
            continue
        common = {
            "case_id": c["id"],
            "state": Assignment.State.DONE
            if c["status"] == Status.CLOSED
            else Assignment.State.ACTIVE,
            "dispatched_at": c["dispatched_at"],
            "dispatched_by_id": history.dispatcher.pk,
            "case_received_at": c["received_at"],
        }
        signed = c.get("signed_at")
        assignments.append(
            {
                **common,
                "unit_id": p.unit.pk,
                "role": Assignment.Role.LEAD,
                "signed_at": signed,
                "signed_by_id": p.handler.pk if signed else None,
            }
        )
        if p.copy_unit_id:
            assignments.append({**common, "unit_id": p.copy_unit_id, "role": Assignment.Role.COPY})
    tables.assignments.insert(assignments)

    replied = [p for p in plans if p.reply]
    reply_ids = dict(
        zip((p.case["id"] for p in replied), _new_ids(Reply, len(replied)), strict=True)
    )
    tables.replies.insert(
        [
            {
                "id": reply_ids[p.case["id"]],
                "case_id": p.case["id"],
                "unit_id": p.unit.pk,
                "author_id": p.handler.pk,
                "created_at": p.reply[0],
                "text": p.reply[1],
                "result": p.reply[2],
            }
            for p in replied
        ]
    )
    tables.revisits.insert(
        [{**p.revisit, "case_id": p.case["id"], "round": 1, "unit_id": p.unit.pk} for p in replied]
    )

    centre_staff = {history.operator.pk, history.dispatcher.pk}
    events = []
    for p in plans:
        case_id = p.case["id"]
        for at, action, actor, from_status, to_status, note, data in sorted(
            p.events, key=lambda e: e[0]
        ):
            if action == "reply":
                data = {**data, "reply": reply_ids[case_id]}
            if actor is None:
                actor_unit_id = None
            else:
                actor_unit_id = history.centre.pk if actor.pk in centre_staff else p.unit.pk
            events.append(
                {
                    "case_id": case_id,
                    "at": at,
                    "actor_id": actor.pk if actor else None,
                    "actor_unit_id": actor_unit_id,
                    "action": action,
                    "from_status": from_status,
                    "to_status": to_status,
                    "note": note,
                    "data": data,
                }
            )
    tables.events.insert(events)
    tables.effects.insert(
        [
            {"case_id": p.case["id"], "deadline": d, "effect": "overdue", "due_at": due, "at": due}
            for p in plans
            for d, due in p.overdue
        ]
    )
