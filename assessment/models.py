"""Monthly assessment (考核): 三率, composite score, red and black boards (红黑榜)."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civic.models import Unit


class AssessmentPolicy(models.Model):
    """Weights, half-credit k, minimum case count and board size, from a month on.

    A run stores the policy it used, so an old month recomputes with the same numbers."""

    effective_from = models.DateField(_("effective from"), unique=True)
    weight_response = models.DecimalField(
        _("weight of response rate"), max_digits=4, decimal_places=3, default=Decimal("0.100")
    )
    weight_resolution = models.DecimalField(
        _("weight of resolution rate"), max_digits=4, decimal_places=3, default=Decimal("0.450")
    )
    weight_satisfaction = models.DecimalField(
        _("weight of satisfaction rate"), max_digits=4, decimal_places=3, default=Decimal("0.450")
    )
    basically_credit = models.DecimalField(
        _("credit for 'basically satisfied'"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.500"),
    )
    min_cases = models.PositiveIntegerField(_("minimum cases to be ranked"), default=5)
    board_size = models.PositiveIntegerField(_("board size"), default=10)

    class Meta:
        verbose_name = _("assessment policy")
        verbose_name_plural = _("assessment policies")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.effective_from:%Y-%m-%d}"


class AssessmentRun(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    month = models.DateField(_("month"), help_text=_("First day of the month assessed."))
    revision = models.PositiveIntegerField(_("revision"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    policy = models.ForeignKey(
        AssessmentPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="runs"
    )
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("assessment run")
        verbose_name_plural = _("assessment runs")
        ordering = ["-month", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["month", "revision"], name="assessment_run_revision")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        """ "2026-03 第1版（草稿）": the month, the revision and its translated status."""
        return gettext("%(month)s revision %(revision)s (%(status)s)") % {
            "month": self.month_label,
            "revision": self.revision,
            "status": self.get_status_display(),
        }

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"


class UnitScore(models.Model):
    class Board(models.TextChoices):
        RED = "red", _("Red board")
        BLACK = "black", _("Black board")
        NONE = "", _("Not on a board")

    run = models.ForeignKey(
        AssessmentRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="scores"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="scores"
    )
    peer_group = models.CharField(_("peer group"), max_length=16)
    cases = models.PositiveIntegerField(_("cases"), default=0)
    exempt = models.PositiveIntegerField(_("exempt cases"), default=0)
    returned = models.PositiveIntegerField(_("returned"), default=0)
    responded = models.PositiveIntegerField(_("contacted in time"), default=0)
    revisited = models.PositiveIntegerField(_("revisited"), default=0)
    resolved = models.PositiveIntegerField(_("resolved"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    basically = models.PositiveIntegerField(_("basically satisfied"), default=0)
    dissatisfied = models.PositiveIntegerField(_("dissatisfied"), default=0)
    response_rate = models.DecimalField(
        _("response rate"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    resolution_rate = models.DecimalField(
        _("resolution rate"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    satisfaction_rate = models.DecimalField(
        _("satisfaction rate"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    ranked = models.BooleanField(_("ranked"), default=False)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    board = models.CharField(_("board"), max_length=8, choices=Board.choices, blank=True)
    whistle_on_time = models.PositiveIntegerField(
        _("whistles reported on time"), null=True, blank=True
    )
    whistle_total = models.PositiveIntegerField(_("whistles"), null=True, blank=True)

    class Meta:
        verbose_name = _("unit score")
        verbose_name_plural = _("unit scores")
        ordering = ["peer_group", "rank", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["run", "unit"], name="unit_score_once_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.run} {self.unit}: {self.score}"


def month_start(value: dt.date) -> dt.date:
    return value.replace(day=1)
