"""Reads of the router's feedback: per month and suggested category, how often the suggestion
was shown, taken by the dispatcher and right (the case's final category agrees); and the
dispatched cases the monthly retraining learns from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count
from django.db.models.functions import TruncMonth

from cases.models import Case
from civic.models import Category

from .models import DispatchFeedback


@dataclass
class FeedbackRow:
    month: date
    category: Category | None  # the suggested first-level category; None: no suggestion
    dispatched: int = 0  # first dispatches in the month
    suggested: int = 0  # the router had a proposal
    right_suggested: int = 0  # ... whose first level the final category confirms
    shown: int = 0  # the proposal reached the threshold: the dispatcher saw it
    taken: int = 0  # ... and the dispatcher chose a category under it
    right: int = 0  # ... and the case's final category is under it

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def shown_rate(self) -> float | None:
        return self._rate(self.shown, self.dispatched)

    @property
    def taken_rate(self) -> float | None:
        return self._rate(self.taken, self.shown)

    @property
    def accuracy(self) -> float | None:
        return self._rate(self.right, self.shown)

    @property
    def accuracy_all(self) -> float | None:
        return self._rate(self.right_suggested, self.suggested)


@dataclass
class MonthFeedback:
    month: date
    total: FeedbackRow
    rows: list[FeedbackRow] = field(default_factory=list)


def feedback_by_month(*, since: datetime, until: datetime) -> list[MonthFeedback]:
    """Newest month first; within a month, one row per suggested category (most dispatched
    first), and the month's total. One grouped query: at 1.7M dispatches a month the rows
    are never read one by one."""
    grouped = (
        DispatchFeedback.objects.filter(dispatched_at__gte=since, dispatched_at__lt=until)
        .annotate(month=TruncMonth("dispatched_at"))
        .values(
            "month",
            "suggested_category_id",
            "model_version",
            "shown",
            "taken",
            "case__category__parent__parent_id",
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    months: dict[date, dict[int | None, FeedbackRow]] = {}
    totals: dict[date, FeedbackRow] = {}
    for g in grouped:
        month = g["month"].date() if isinstance(g["month"], datetime) else g["month"]
        category_id = g["suggested_category_id"]
        row = months.setdefault(month, {}).setdefault(category_id, FeedbackRow(month, None))
        total = totals.setdefault(month, FeedbackRow(month, None))
        had = bool(g["model_version"])
        right = category_id is not None and category_id == g["case__category__parent__parent_id"]
        for target in (row, total):
            target.dispatched += g["n"]
            target.suggested += g["n"] if had else 0
            target.right_suggested += g["n"] if right else 0
            target.shown += g["n"] if g["shown"] else 0
            target.taken += g["n"] if g["shown"] and g["taken"] else 0
            target.right += g["n"] if g["shown"] and right else 0
    names = Category.objects.in_bulk([c for m in months.values() for c in m if c is not None])
    out = []
    for month in sorted(months, reverse=True):
        rows = list(months[month].values())
        for key, row in months[month].items():
            row.category = names.get(key) if key is not None else None
        rows.sort(key=lambda r: (-r.dispatched, r.category.name if r.category else ""))
        out.append(MonthFeedback(month, totals[month], rows))
    return out


def dispatched_case_examples(*, since: datetime, limit: int) -> Iterator[tuple[str, str, str]]:
    """(title, description, first-level name of the final category) of cases dispatched since
    `since`, newest first, at most `limit`: what the dispatchers' decisions teach the router."""
    qs = (
        Case.objects.filter(dispatched_at__gte=since)
        .order_by("-dispatched_at")
        .values_list("title", "description", "category__parent__parent__name")[:limit]
    )
    for title, description, first in qs.iterator(chunk_size=2000):
        if first:
            yield title, description, first
