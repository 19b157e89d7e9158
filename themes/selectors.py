"""Reads and visibility for themes and proactive suggestions. Public reads never carry personal
data: linked cases are shown by number, public (scrubbed) title, category and status only."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cases.models import Status
from cases.selectors import cases_public, public_title_of
from civic import roles
from civic.models import Region, Unit
from civic.roles import HANDLING_ROLES

from . import permissions
from .models import Milestone, ProactiveSuggestion, Theme, ThemeCase

PUBLIC_STATUSES = (Theme.Status.ACTIVE, Theme.Status.CLOSED)


def themes_visible_to(user) -> QuerySet[Theme]:
    """Everyone (anonymous too) sees active and closed themes; the centre sees drafts too."""
    qs = Theme.objects.select_related("lead_unit", "region", "category").prefetch_related(
        "co_units"
    )
    if permissions.is_centre(user):
        return qs
    return qs.filter(status__in=PUBLIC_STATUSES)


def _overdue(prefix: str = "") -> Q:
    """Milestones not done whose due date has passed (Milestone.is_overdue, in SQL)."""
    return Q(**{f"{prefix}done_at__isnull": True, f"{prefix}due_date__lt": timezone.localdate()})


def themes_with_progress(qs: QuerySet[Theme]) -> QuerySet[Theme]:
    # Meta.ordering does not apply to aggregating queries: order explicitly.
    return qs.order_by("-month", "-created_at", "-pk").annotate(
        milestones_total=Count("milestones", distinct=True),
        milestones_done=Count(
            "milestones", filter=Q(milestones__done_at__isnull=False), distinct=True
        ),
        milestones_overdue=Count("milestones", filter=_overdue("milestones__"), distinct=True),
        cases_total=Count("links", distinct=True),
        cases_closed=Count("links", filter=Q(links__case__status=Status.CLOSED), distinct=True),
    )


@dataclass
class Progress:
    milestones_total: int
    milestones_done: int
    cases_total: int
    cases_closed: int
    milestones_overdue: int = 0

    @property
    def percent(self) -> int:
        """% of milestones done (0 when there are none)."""
        if not self.milestones_total:
            return 0
        return round(100 * self.milestones_done / self.milestones_total)

    @property
    def cases_open(self) -> int:
        return self.cases_total - self.cases_closed

    @property
    def cases_percent(self) -> int:
        return round(100 * self.cases_closed / self.cases_total) if self.cases_total else 0


def theme_progress(theme: Theme) -> Progress:
    milestones = Milestone.objects.filter(theme=theme).aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(done_at__isnull=False)),
        overdue=Count("id", filter=_overdue()),
    )
    cases = ThemeCase.objects.filter(theme=theme).aggregate(
        total=Count("id"), closed=Count("id", filter=Q(case__status=Status.CLOSED))
    )
    return Progress(
        milestones["total"],
        milestones["done"],
        cases["total"],
        cases["closed"],
        milestones_overdue=milestones["overdue"],
    )


def progress_of(theme: Theme) -> Progress:
    """From annotations (themes_with_progress) when present, else two aggregate queries."""
    if hasattr(theme, "milestones_total"):
        return Progress(
            theme.milestones_total,
            theme.milestones_done,
            theme.cases_total,
            theme.cases_closed,
            milestones_overdue=theme.milestones_overdue,
        )
    return theme_progress(theme)


def theme_cases_public(theme: Theme, limit: int = 200) -> list[dict]:
    """The linked cases as the public may see them (no reporter, address or description)."""
    links = (
        ThemeCase.objects.filter(theme=theme, case__in=cases_public())
        .select_related("case__category", "case__public_text", "case__region")
        .order_by("-case__received_at")[:limit]
    )
    return [
        {
            "number": link.case.number,
            "title": public_title_of(link.case),
            "category": link.case.category.name if link.case.category_id else "",
            "region": link.case.region.name if link.case.region_id else "",
            "status": link.case.status,
            "status_label": link.case.get_status_display(),
            "received_at": link.case.received_at,
            "how": link.how,
        }
        for link in links
    ]


def theme_events(theme: Theme):
    return theme.events.select_related("actor").order_by("at", "id")


def suggestions_visible_to(user) -> QuerySet[ProactiveSuggestion]:
    """The centre sees every suggestion; a unit's handlers those suggested to their unit."""
    qs = ProactiveSuggestion.objects.select_related(
        "category", "region", "suggested_unit", "case", "decided_by"
    )
    if permissions.is_centre(user):
        return qs
    unit_ids = roles.unit_ids_of(user, HANDLING_ROLES)
    if not unit_ids:
        return qs.none()
    return qs.filter(suggested_unit_id__in=unit_ids)


def region_choices() -> QuerySet[Region]:
    """Regions offered by the hot-topic picker: the city, districts and streets."""
    return Region.objects.filter(
        level__in=[
            Region.Level.CITY,
            Region.Level.DISTRICT,
            Region.Level.STREET,
            Region.Level.TOWNSHIP,
        ]
    ).order_by("path")


def unit_choices() -> QuerySet[Unit]:
    return Unit.objects.filter(active=True).exclude(kind=Unit.Kind.CENTRE).order_by("kind", "name")


def case_for_topic(number: str):
    """The centre case of a hot topic, for proposing its lead unit (never shown as such)."""
    from cases.models import Case

    return Case.objects.select_related("category", "region").filter(number=number).first()
