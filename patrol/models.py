from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civic.models import Region


class GridAssignment(models.Model):
    """A grid worker's grid (网格). A worker may patrol several grids; a grid several workers."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("grid worker"),
        on_delete=models.CASCADE,
        related_name="grid_assignments",
    )
    grid = models.ForeignKey(
        Region,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="grid_assignments",
        limit_choices_to={"level": Region.Level.GRID},
    )
    active = models.BooleanField(_("active"), default=True)
    since = models.DateField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("grid assignment")
        verbose_name_plural = _("grid assignments")
        constraints = [
            models.UniqueConstraint(fields=["worker", "grid"], name="grid_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.worker} → {self.grid}"


class PatrolReport(models.Model):
    """What a grid worker found on patrol: the case it became (channel patrol), where exactly."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="patrol"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("grid worker"),
        on_delete=models.PROTECT,
        related_name="patrol_reports",
    )
    grid = models.ForeignKey(
        Region, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="patrol_reports"
    )
    at = models.DateTimeField(_("reported at"), db_index=True)
    # The device's position (the case keeps it too, rounded for the public by public rules).
    accuracy_m = models.PositiveIntegerField(_("location accuracy (m)"), null=True, blank=True)

    class Meta:
        verbose_name = _("patrol report")
        verbose_name_plural = _("patrol reports")
        ordering = ["-at"]
        indexes = [models.Index(fields=["grid", "at"])]


class PatrolCheckIn(models.Model):
    """巡查打卡: the worker was on patrol in this grid at this time and place."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("grid worker"),
        on_delete=models.PROTECT,
        related_name="patrol_check_ins",
    )
    grid = models.ForeignKey(
        Region, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="patrol_check_ins"
    )
    at = models.DateTimeField(_("checked in at"), db_index=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)

    class Meta:
        verbose_name = _("patrol check-in")
        verbose_name_plural = _("patrol check-ins")
        ordering = ["-at"]
        indexes = [models.Index(fields=["grid", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90) & Q(lng__gte=-180, lng__lte=180),
                name="patrol_check_in_on_earth",
            )
        ]
