"""Page-number pagination whose total may come from the view instead of `COUNT(*)`.

A unit's case list at city scale spends most of its time counting: `COUNT(*)` over the cases
joined to the unit's assignments reads every case (0.1–0.5 s at 1M). When the view can give the
same number more cheaply (an index-only count, `cases.selectors.visible_case_count`), the page
uses it; otherwise Django's paginator counts the queryset as usual. The response shape is
DRF's own (`count`, `next`, `previous`, `results`).
"""

from __future__ import annotations

import math
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Count, QuerySet, Window
from rest_framework.pagination import PageNumberPagination


class KnownCountPaginator(Paginator):
    def __init__(self, object_list, per_page, *, known_count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = known_count

    @cached_property
    def count(self) -> int:
        return self._known_count


class CappedCountPaginator(Paginator):
    """Counts at most `cap` rows: `SELECT COUNT(*) FROM (… LIMIT cap + 1)`, so a list over a
    million public cases costs a bounded index walk instead of a full count. Past the cap the
    pager says "more than cap" (`capped`) and offers the pages up to it: nobody reads page
    400 of a newest-first list; filters narrow it instead."""

    def __init__(self, object_list, per_page, *, cap: int, count_list=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        # The same rows, written for counting (a search's best plan for a count differs from
        # the page's: cases.selectors.title_word).
        self.count_list = object_list if count_list is None else count_list

    @cached_property
    def _counted(self) -> int:
        rows = self.count_list
        if isinstance(rows, QuerySet):
            # Unordered: the count may stop at the cap wherever the rows are, instead of
            # sorting every match first (a common word's 96,000 titles: 1.5 s).
            rows = rows.order_by()
        return rows[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @cached_property
    def capped(self) -> bool:
        return self._counted > self.cap


class EstimatedCountPaginator(Paginator):
    """For the admin's lists of tables that grow by the million (cases, their events, the
    personal-data log): an unfiltered list takes PostgreSQL's own row estimate for the table
    (`pg_class.reltuples`, kept by autovacuum and ANALYZE) instead of `COUNT(*)`, which read the
    whole table on every page (0.75 s for 1M cases, 2.4 s for 3.9M events). A filtered list,
    a small table, SQLite or a table never analysed counts exactly."""

    ESTIMATE_ABOVE = 10_000

    @cached_property
    def count(self) -> int:
        estimate = _table_estimate(self.object_list)
        if estimate is not None and estimate > self.ESTIMATE_ABOVE:
            return estimate
        return super().count


def _table_estimate(queryset) -> int | None:
    if not isinstance(queryset, QuerySet) or queryset.query.where or queryset.query.distinct:
        return None
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] and row[0] > 0 else None


class KnownCountPagination(PageNumberPagination):
    """Asks the view's `known_count()` (if it has one) before counting the queryset."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        known = getattr(view, "known_count", None)
        count = known() if callable(known) else None
        self._known_count = count
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, object_list, per_page, **kwargs):
        if self._known_count is None:
            return Paginator(object_list, per_page, **kwargs)
        return KnownCountPaginator(object_list, per_page, known_count=self._known_count, **kwargs)


# Far past the end of any list, and its offset (× any page size) still fits a bigint.
MAX_PAGE_NUMBER = 10**9


def windowed_page(queryset: QuerySet, number, per_page: int) -> Page:
    """Page `number` of `queryset` (as `Paginator.get_page`: not a number → the first page,
    past the end → the last) with its total from the same query. A sorted page reads every
    matching row anyway to sort them, so the total rides along as a window count instead of a
    second `COUNT(*)` over the same rows (the unit inbox at 1M cases: 8 ms saved of 20)."""
    try:
        number = max(1, int(number))
    except (TypeError, ValueError):
        number = 1
    # A page number is typed into a URL: one whose offset no database integer holds (page
    # 99999999999999999999 overflowed the OFFSET, a 500) is simply past the end.
    number = min(number, MAX_PAGE_NUMBER)
    counted = queryset.annotate(_window_total=Window(Count("pk")))

    def rows_of(page: int) -> list:
        offset = (page - 1) * per_page
        return list(counted[offset : offset + per_page])

    rows = rows_of(number)
    if rows:
        total = rows[0]._window_total
    else:  # nothing, or past the end
        total = queryset.count()
        if total:
            number = math.ceil(total / per_page)
            rows = rows_of(number)
    paginator = KnownCountPaginator(queryset, per_page, known_count=total)
    return Page(rows, number if total else 1, paginator)
