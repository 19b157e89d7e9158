"""seed_demo step: themes promoted from the demo months' hot topics, a little heating history in
the same month of the two previous years, and this month's proactive suggestions — all through
the real services. Idempotent: skipped once the step has run (any theme audit row exists)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases import services as case_services
from cases.models import Case, Channel, Kind, Outcome
from cases.selectors import route_proposal
from civic import clock
from civic.models import Category, Region, User

from . import hot_topics, services
from .models import ThemeEvent

HEATING_HISTORY = [
    ("暖气不热", "家里暖气摸着不热，室温只有十五度，老人孩子受不了。"),
    ("供暖温度不达标", "供暖开始后屋里温度一直不达标，请热力公司检查。"),
    ("暖气片不热", "卧室暖气片上热下凉，可能需要放气，请协调维修。"),
]


def _month_back(month: dt.date, n: int) -> dt.date:
    for _i in range(n):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def _seed_heating_history(operator: User, today: dt.date) -> int:
    """Heating complaints in this calendar month of the two previous years (answered on the
    spot then), so the seasonal rule of 未诉先办 has history to read."""
    category = Category.objects.filter(level=3, name="冬季采暖", active=True).first()
    region = Region.objects.filter(code="110101-0-0").first()
    if category is None or region is None:
        return 0
    tz = timezone.get_default_timezone()
    made = 0
    for back in (1, 2):
        for day, (title, body) in enumerate(HEATING_HISTORY, start=5):
            at = timezone.make_aware(dt.datetime(today.year - back, today.month, day, 9), tz)
            with clock.override(at):
                case = case_services.case_create(
                    actor=operator,
                    channel=Channel.HOTLINE,
                    kind=Kind.COMPLAINT,
                    category=category,
                    title=title,
                    description=body,
                    region=region,
                    reporter_name="王先生",
                    reporter_phone="13900000000",
                    received_at=at,
                ).case
                case_services.case_close_without_dispatch(
                    actor=operator,
                    case=case,
                    outcome=Outcome.ANSWERED_ON_SPOT,
                    note="已告知热力集团24小时报修电话，并转热力集团跟进。",
                )
            made += 1
    return made


def seed_demo_themes(stdout=None) -> int:
    dispatcher = User.objects.filter(username="dispatcher").first()
    operator = User.objects.filter(username="operator").first()
    if dispatcher is None or operator is None or ThemeEvent.objects.exists():
        if stdout:
            stdout.write("themes: skipped")
        return 0
    today = timezone.localdate()
    this_month = today.replace(day=1)
    made = 0
    for month in [_month_back(this_month, n) for n in (1, 0, 2, 3)]:
        if made == 2:  # each month's analysis segments thousands of texts: stop once done
            break
        for topic in hot_topics.analyse(month).topics:
            if made == 2:
                break
            centre = Case.objects.select_related("category", "region").get(number=topic.key)
            unit = route_proposal(category=centre.category, region=centre.region)
            if unit is None:
                continue
            theme = services.theme_promote(
                actor=dispatcher,
                month=month,
                topic=topic.key,
                lead_unit=unit,
                title=topic.suggested_title + "专项治理",
                description=f"{topic.count} 件同类诉求，涉及 {topic.spread} 个社区。",
                goals="摸清问题底数，建立长效机制，同类诉求下降三成。",
                milestones=[
                    ("现场摸排，形成问题清单", today - dt.timedelta(days=3)),
                    ("制定整改方案并公示", today + dt.timedelta(days=14)),
                    ("整改完成，回访群众", today + dt.timedelta(days=45)),
                ],
            )
            if made == 0:
                services.milestone_done(
                    actor=dispatcher, milestone=theme.milestones.first(), note="已完成摸排。"
                )
            made += 1
    history = _seed_heating_history(operator, today)
    suggestions = services.suggestions_generate(month=this_month)
    if stdout:
        stdout.write(
            f"themes: {made} themes, {history} heating history cases, "
            f"{len(suggestions)} proactive suggestions"
        )
    return made
