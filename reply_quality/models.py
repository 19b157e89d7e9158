"""工单质检: the automatic checks of each reply, and the centre's reviews of a sample of them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Reply
from civic.models import Unit

__all__ = ["QualityReview", "ReplyCheck"]


class ReplyCheck(models.Model):
    """The four automatic scores of one sent reply (0..1, higher is better) and its warnings."""

    reply = models.OneToOneField(
        Reply, verbose_name=_("reply"), on_delete=models.CASCADE, related_name="quality_check"
    )
    # The replying unit and the reply's time, copied for the monthly counts per unit.
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(_("replied at"))
    checked_at = models.DateTimeField(_("checked at"))
    relevance = models.FloatField(_("relevance"))
    completeness = models.FloatField(_("completeness"))
    # Null: the result is not "explained, cannot be resolved", the check does not apply.
    explanation = models.FloatField(_("policy basis"), null=True, blank=True)
    originality = models.FloatField(_("originality"))
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False)

    class Meta:
        verbose_name = _("reply check")
        verbose_name_plural = _("reply checks")
        indexes = [models.Index(fields=["unit", "replied_at"], name="rq_check_unit_month")]
        constraints = [
            models.CheckConstraint(
                condition=Q(relevance__gte=0, relevance__lte=1)
                & Q(completeness__gte=0, completeness__lte=1)
                & Q(originality__gte=0, originality__lte=1),
                name="rq_check_scores_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reply_id}"


class QualityReview(models.Model):
    """A reply in the centre's quality queue: every flagged reply and a fixed sample of the
    others. A reviewer records one verdict; who and when are kept with it."""

    class Reason(models.TextChoices):
        FLAGGED = "flagged", _("Flagged by the checks")
        SAMPLE = "sample", _("Random sample")

    class Verdict(models.TextChoices):
        GOOD = "good", _("Good")
        ACCEPTABLE = "acceptable", _("Acceptable")
        POOR = "poor", _("Poor")

    reply_check = models.OneToOneField(
        ReplyCheck, verbose_name=_("reply check"), on_delete=models.CASCADE, related_name="review"
    )
    reason = models.CharField(_("why queued"), max_length=8, choices=Reason.choices)
    queued_at = models.DateTimeField(_("queued at"))
    verdict = models.CharField(
        _("verdict"), max_length=12, choices=Verdict.choices, blank=True, default=""
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("quality review")
        verbose_name_plural = _("quality reviews")
        ordering = ["queued_at", "pk"]
        indexes = [
            models.Index(fields=["queued_at"], condition=Q(verdict=""), name="rq_review_pending")
        ]
        constraints = [
            # A verdict always says who gave it and when (the audit).
            models.CheckConstraint(
                condition=Q(verdict="") | Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="rq_review_verdict_audited",
            )
        ]

    @property
    def pending(self) -> bool:
        return not self.verdict
