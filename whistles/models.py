"""Whistle and report (吹哨报到): a street summons units to a problem; each must report in time."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civic.models import Unit

__all__ = ["ResidentWhistleRequest", "Whistle", "WhistleLogEntry", "WhistleSummons"]


class Whistle(models.Model):
    """街道吹哨: reason, place, the summoned units and a report deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    street = models.ForeignKey(
        Unit, verbose_name=_("street"), on_delete=models.PROTECT, related_name="whistles_blown"
    )
    blown_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("blown by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    blown_at = models.DateTimeField(_("blown at"))
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="whistles",
    )
    extra_cases = models.ManyToManyField(
        "cases.Case",
        verbose_name=_("other cases"),
        blank=True,
        related_name="+",
        db_table="cases_whistle_extra_cases",
    )
    reason = models.TextField(_("reason"), max_length=2000)
    place = models.CharField(_("place"), max_length=300)
    report_due_at = models.DateTimeField(_("report due"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    outcome = models.TextField(_("outcome"), blank=True, max_length=2000)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        db_table = "cases_whistle"  # its name from before the move
        verbose_name = _("whistle")
        verbose_name_plural = _("whistles")
        ordering = ["-blown_at"]
        indexes = [models.Index(fields=["status", "report_due_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.place}"


class WhistleSummons(models.Model):
    """One summoned unit of a whistle and its report (报到)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ON_TIME = "on_time", _("Reported on time")
        LATE = "late", _("Reported late")
        MISSED = "missed", _("Missed")

    whistle = models.ForeignKey(
        Whistle, verbose_name=_("whistle"), on_delete=models.CASCADE, related_name="summonses"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="whistle_summonses"
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    summoned_at = models.DateTimeField(_("summoned at"))
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporters = models.CharField(_("who came"), max_length=300, blank=True)
    committed_action = models.TextField(_("committed action"), blank=True, max_length=2000)
    # Set by the sweep when the deadline passes without a report: the miss is told once.
    missed_at = models.DateTimeField(_("missed at"), null=True, blank=True)

    class Meta:
        db_table = "cases_whistlesummons"  # its name from before the move
        verbose_name = _("whistle summons")
        verbose_name_plural = _("whistle summonses")
        ordering = ["whistle_id", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["whistle", "unit"], name="whistle_summons_unique_unit")
        ]
        indexes = [
            models.Index(
                fields=["state"], name="whistle_summons_pending", condition=Q(state="pending")
            )
        ]

    def __str__(self) -> str:
        return f"{self.whistle_id}/{self.unit}"


class WhistleLogEntry(models.Model):
    """The joint action log: each party's entries, and system entries for the audit trail."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        REPORT = "report", _("Report for duty")  # 报到, never 举报 (to denounce)
        SYSTEM = "system", _("System")

    whistle = models.ForeignKey(
        Whistle, verbose_name=_("whistle"), on_delete=models.CASCADE, related_name="log"
    )
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.NOTE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT
    )
    action = models.CharField(_("action"), max_length=40, blank=True)
    text = models.TextField(_("text"), max_length=5000)

    class Meta:
        db_table = "cases_whistlelogentry"  # its name from before the move
        verbose_name = _("whistle log entry")
        verbose_name_plural = _("whistle log entries")
        ordering = ["at", "id"]


class ResidentWhistleRequest(models.Model):
    """群众吹哨: a resident asks the street to whistle on their unresolved or overdue case."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="resident_whistle_requests",
    )
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    street = models.ForeignKey(
        Unit, verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.TextField(_("reason"), max_length=2000)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True, max_length=2000)
    whistle = models.OneToOneField(
        Whistle,
        verbose_name=_("resulting whistle"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident_request",
    )

    class Meta:
        db_table = "cases_residentwhistlerequest"  # its name from before the move
        verbose_name = _("resident whistle request")
        verbose_name_plural = _("resident whistle requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state="pending"),
                name="resident_whistle_one_pending_per_case",
            )
        ]
