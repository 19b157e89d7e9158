"""seed_demo step: two themes promoted from last month's hot topics, and this month's proactive
suggestions, all through the real services. Idempotent: skipped once demo themes exist."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases.models import Case
from cases.selectors import route_proposal
from civic.models import User

from . import hot_topics, services
from .models import Theme


def seed_demo_themes(stdout=None) -> int:
    dispatcher = User.objects.filter(username="dispatcher").first()
    if dispatcher is None or Theme.objects.exists():
        if stdout:
            stdout.write("themes: skipped")
        return 0
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    analysis = hot_topics.analyse(last_month, top=2)
    made = 0
    for topic in analysis.topics:
        centre = Case.objects.select_related("category", "region").get(number=topic.key)
        unit = route_proposal(category=centre.category, region=centre.region)
        if unit is None:
            continue
        theme = services.theme_promote(
            actor=dispatcher,
            month=last_month,
            topic=topic.key,
            lead_unit=unit,
            title="、".join(topic.keywords[:3]) + "专项治理",
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
    suggestions = services.suggestions_generate(month=today, as_of=timezone.now())
    if stdout:
        stdout.write(f"themes: {made} themes, {len(suggestions)} proactive suggestions")
    return made
