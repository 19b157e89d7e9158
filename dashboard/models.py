"""Roll-ups behind the dashboard (数据驾驶舱). Derived data only: every row can be rebuilt from
the cases (dashboard.services.tally_rebuild), so nothing here is ever edited by hand.

`CaseTally` is what each case last contributed to the buckets; a case event compares the
case's new contribution with it and moves only the difference into `DailyTally`,
`MonthlyTally` and the latest `OpenSnapshot` (services.tally_case). The page reads only these
tables: no request counts over the cases.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from civic.models import Category, Region

MEASURES = (
    "received",
    "dispatched",
    "responded",
    "revisited",
    "resolved",
    "satisfied",
    "basically",
    "closed",
)


class CaseTally(models.Model):
    """One case's contribution, as last counted into the buckets."""

    case = models.OneToOneField(
        "cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # The community the case belongs to (a grid's community; a case filed higher up keeps its
    # own region): the heat map's circles and the scope filter.
    area = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", db_index=False)
    category_top = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Second-level category (the top one for a case filed under a first-level category).
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    channel = models.CharField(max_length=20)
    received_day = models.DateField()
    # The three rates follow assessment: counted on the day the case was dispatched.
    dispatched_day = models.DateField(null=True)
    responded = models.BooleanField(default=False)
    revisited = models.BooleanField(default=False)
    resolved = models.BooleanField(default=False)
    satisfaction = models.CharField(max_length=16, blank=True)
    closed_day = models.DateField(null=True)
    open = models.BooleanField(default=False)
    handle_due_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("case tally")
        verbose_name_plural = _("case tallies")
        indexes = [
            models.Index(fields=["received_day"]),
            models.Index(fields=["dispatched_day"]),
            models.Index(fields=["closed_day"]),
            # The open snapshot reads only open cases.
            models.Index(
                fields=["area"], name="dashboard_tally_open_idx", condition=models.Q(open=True)
            ),
        ]


class _Measures(models.Model):
    received = models.PositiveIntegerField(_("received"), default=0)
    dispatched = models.PositiveIntegerField(_("dispatched (assessable)"), default=0)
    responded = models.PositiveIntegerField(_("contacted in time"), default=0)
    revisited = models.PositiveIntegerField(_("revisited"), default=0)
    resolved = models.PositiveIntegerField(_("resolved"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    basically = models.PositiveIntegerField(_("basically satisfied"), default=0)
    closed = models.PositiveIntegerField(_("closed"), default=0)

    class Meta:
        abstract = True


class DailyTally(_Measures):
    """Per day, community, second-level category and channel. `received` counts on the day of
    receipt, the rate counters on the day of dispatch, `closed` on the day of closing."""

    day = models.DateField(_("day"))
    area = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    category_top = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    channel = models.CharField(max_length=20)

    class Meta:
        verbose_name = _("daily tally")
        verbose_name_plural = _("daily tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "area", "category", "channel"], name="dashboard_daily_unique"
            )
        ]


class MonthlyTally(_Measures):
    """Per month and community: the twelve-month trend without reading a year of days."""

    month = models.DateField(_("month"))
    area = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("monthly tally")
        verbose_name_plural = _("monthly tallies")
        constraints = [
            models.UniqueConstraint(fields=["month", "area"], name="dashboard_monthly_unique")
        ]


class OpenSnapshot(models.Model):
    """Open cases per community at `taken_at` (one set of rows per hour, refreshed every few
    minutes and moved by case events in between): due soon and overdue are judged at
    `taken_at`, against the handling deadline."""

    hour = models.DateTimeField(_("hour"))
    taken_at = models.DateTimeField(_("taken at"))
    area = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    open = models.IntegerField(_("open"), default=0)
    due_soon = models.IntegerField(_("due within 24 hours"), default=0)
    overdue = models.IntegerField(_("overdue"), default=0)

    class Meta:
        verbose_name = _("open-case snapshot")
        verbose_name_plural = _("open-case snapshots")
        constraints = [
            models.UniqueConstraint(fields=["hour", "area"], name="dashboard_open_unique")
        ]


class MonthlyCategory(models.Model):
    """Cases received per month, community and category (second level, with its first level):
    a month's top categories without reading a month of days."""

    month = models.DateField(_("month"))
    area = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    category_top = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    received = models.PositiveIntegerField(_("received"), default=0)

    class Meta:
        verbose_name = _("monthly intake by category")
        verbose_name_plural = _("monthly intake by category")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "area", "category"], name="dashboard_month_category_unique"
            )
        ]


class MonthlyChannel(models.Model):
    """Cases received per month, community and channel."""

    month = models.DateField(_("month"))
    area = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20)
    received = models.PositiveIntegerField(_("received"), default=0)

    class Meta:
        verbose_name = _("monthly intake by channel")
        verbose_name_plural = _("monthly intake by channel")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "area", "channel"], name="dashboard_month_channel_unique"
            )
        ]
