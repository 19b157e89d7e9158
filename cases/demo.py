"""Demo cases for `seed_demo`: a few hundred real message texts spread over the last four months
and over every state, driven through the real services at replayed times (civic.clock)."""

from __future__ import annotations

import csv
import datetime as dt
import random

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civic import clock
from civic.models import Category, Membership, Region, Unit, User

from . import selectors, services
from .models import Case, Channel, Kind, Outcome, Reply, Revisit

DEMO_TOTAL = 320


def _messages() -> list[dict]:
    path = settings.BASE_DIR / "data" / "complaints_train.csv"
    with path.open(encoding="utf-8") as fh:
        return [
            {
                "title": " ".join(r["留言主题"].split())[:200],
                "body": " ".join(r["留言详情"].split())[:4000],
                "label": r["一级分类"],
            }
            for r in csv.DictReader(fh)
        ]


def _member(role: str, unit: Unit) -> User:
    """A handler for a unit (demo units without a person get one)."""
    user = User.objects.filter(
        memberships__unit=unit,
        memberships__role__in=[
            Membership.Role.HANDLER,
            Membership.Role.STREET_OFFICIAL,
            Membership.Role.COMMUNITY_WORKER,
        ],
    ).first()
    if user is None:
        user, _ = User.objects.get_or_create(
            username=f"h-{unit.code.lower()}", defaults={"display_name": f"{unit.name}承办人"}
        )
        Membership.objects.get_or_create(user=user, unit=unit, role=Membership.Role.HANDLER)
    return user


def seed_demo_cases(stdout=None) -> int:
    if Case.objects.filter(channel__in=[Channel.HOTLINE, Channel.WEB]).count() >= DEMO_TOTAL // 2:
        if stdout:
            stdout.write("cases: demo cases exist, skipped")
        return 0
    rnd = random.Random(2026)
    operator = User.objects.get(username="operator")
    dispatcher = User.objects.get(username="dispatcher")
    residents = list(User.objects.filter(username__in=["resident", "resident2"]))
    communities = list(
        Region.objects.filter(level__in=[Region.Level.COMMUNITY, Region.Level.VILLAGE])
    )
    leaves_by_top: dict[str, list[Category]] = {}
    for leaf in Category.objects.filter(level=3).select_related("parent__parent"):
        leaves_by_top.setdefault(leaf.parent.parent.name, []).append(leaf)
    messages = _messages()
    now = timezone.now()
    created = 0
    for i in range(DEMO_TOTAL):
        msg = messages[i % len(messages)]
        leaves = leaves_by_top.get(msg["label"]) or leaves_by_top["城乡建设"]
        category = rnd.choice(leaves)
        # The demo resident's community gets more cases, so their pages have something.
        region = communities[0] if i % 7 == 0 else rnd.choice(communities)
        age_days = rnd.uniform(0.05, 120) if i % 5 else rnd.uniform(0.05, 12)
        t = now - dt.timedelta(days=age_days)
        by_resident = i % 4 == 0
        with transaction.atomic():
            with clock.override(t):
                result = services.case_create(
                    actor=residents[i % len(residents)] if by_resident else operator,
                    channel=Channel.WEB if by_resident else Channel.HOTLINE,
                    kind=Kind.CONSULTATION
                    if i % 23 == 0
                    else rnd.choice(
                        [
                            Kind.COMPLAINT,
                            Kind.COMPLAINT,
                            Kind.REQUEST_FOR_HELP,
                            Kind.REPORT,
                            Kind.SUGGESTION,
                        ]
                    ),
                    category=category,
                    title=msg["title"],
                    description=msg["body"],
                    region=region,
                    address=f"{region.name}{rnd.randint(1, 60)}号",
                    reporter_name=rnd.choice(["张女士", "李先生", "王女士", "刘先生", "陈女士"]),
                    reporter_phone=f"13{rnd.randint(100000000, 999999999)}",
                    received_at=t,
                )
            _advance(result.case, t, now, rnd, operator, dispatcher, i)
        created += 1
    if stdout:
        stdout.write(f"cases: {created} demo cases")
    return created


def _advance(
    case: Case,
    t: dt.datetime,
    now: dt.datetime,
    rnd: random.Random,
    operator: User,
    dispatcher: User,
    i: int,
) -> None:
    """Walk a case forward through the services, stopping where its age and luck say."""

    def at(hours: float) -> dt.datetime:
        return min(t + dt.timedelta(hours=hours), now)

    if case.kind == Kind.CONSULTATION:
        with clock.override(at(0.1)):
            services.case_close_without_dispatch(
                actor=operator,
                case=case,
                outcome=Outcome.ANSWERED_ON_SPOT,
                note="已告知办理流程和所需材料。",
            )
        return
    age_h = (now - t).total_seconds() / 3600
    if (age_h < 1 and i % 2) or i % 29 == 0:
        return  # waiting for dispatch
    unit = selectors.route_proposal(category=case.category, region=case.region)
    if unit is None or unit.kind == Unit.Kind.COMMUNITY:
        unit = Unit.objects.filter(code="D-ZJW").first()
    with clock.override(at(0.3)):
        case = services.case_dispatch(actor=dispatcher, case=case, lead_unit=unit)
    handler = _member(Membership.Role.HANDLER, unit)
    if i % 17 == 0 and age_h > 2:
        # 退单: the unit disputes competence; the dispatcher moves it on.
        with clock.override(at(0.8)):
            request = services.return_request_create(
                actor=handler, case=case, reason="该事项不属于本单位职责，建议改派。"
            )
        other = (
            Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).exclude(pk=unit.pk).order_by("?").first()
        )
        with clock.override(at(1.5)):
            services.return_request_decide(
                actor=dispatcher,
                return_request=request,
                accept=True,
                new_unit=other,
                note="经审核改派。",
            )
        unit, handler = other, _member(Membership.Role.HANDLER, other)
        case.refresh_from_db()
    if age_h < 3 or i % 11 == 1:
        return  # not signed yet (some of these are overdue: the sweep flags them)
    with clock.override(at(2)):
        services.case_sign(actor=handler, case=case)
    if i % 13 == 2:
        return
    with clock.override(at(rnd.uniform(3, 20))):
        services.case_contact(actor=handler, case=case, note="已电话联系市民，了解诉求。")
    if i % 19 == 3 and age_h > 30:
        with clock.override(at(26)):
            ext = services.extension_request_create(
                actor=handler,
                case=case,
                reason="需协调多个部门现场处置。",
                extra_working_days=5,
                resident_informed=True,
            )
        with clock.override(at(28)):
            services.extension_request_decide(
                actor=dispatcher, extension_request=ext, approve=True, note="同意延期。"
            )
    case.refresh_from_db()
    reply_after = rnd.uniform(24, 24 * 9)
    if age_h < reply_after or i % 9 == 4:
        return  # still in progress
    with clock.override(at(reply_after)):
        services.case_reply(
            actor=handler,
            case=case,
            text=rnd.choice(
                [
                    "经现场核查，问题已处理完毕。",
                    "已协调相关单位整改，后续将持续跟进。",
                    "经核实，该诉求涉及政策规定，已向市民解释说明。",
                ]
            ),
            result=rnd.choice(
                [
                    Reply.Result.RESOLVED,
                    Reply.Result.RESOLVED,
                    Reply.Result.PARTLY,
                    Reply.Result.EXPLAINED,
                ]
            ),
        )
    revisit_after = reply_after + rnd.uniform(4, 72)
    if age_h < revisit_after or i % 8 == 5:
        return  # awaiting revisit (old ones expire as not reached in the sweep)
    roll = rnd.random()
    satisfaction = (
        Revisit.Satisfaction.SATISFIED
        if roll < 0.65
        else (Revisit.Satisfaction.BASICALLY if roll < 0.85 else Revisit.Satisfaction.DISSATISFIED)
    )
    resolved = roll < 0.8
    case.refresh_from_db()
    with clock.override(at(revisit_after)):
        services.revisit_record(
            actor=operator,
            case=case,
            contacted=roll < 0.95,
            resolved=resolved,
            satisfaction=satisfaction,
            method=Revisit.Method.PHONE,
            comment="" if resolved else "问题没有解决。",
            reopen=not resolved and i % 2 == 0,
        )
