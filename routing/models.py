"""What the router suggested at each dispatch and what the dispatcher did (learning from
dispatchers). One row per case, written when the case is first dispatched; whether the
suggestion was *right* is read later against the case's final category, which a re-dispatch
may still correct."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from civic.models import Category, Unit


class DispatchFeedback(models.Model):
    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="router_feedback"
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), db_index=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dispatched by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Empty when no model was at hand: the dispatcher decided alone.
    model_version = models.CharField(_("model version"), max_length=64, blank=True)
    suggested_category = models.ForeignKey(
        Category,
        verbose_name=_("suggested category (first level)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    suggested_path = models.JSONField(_("suggested category path"), default=list, blank=True)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    shown = models.BooleanField(
        _("shown as a suggestion"),
        default=False,
        help_text=_("The confidence reached the threshold, so the dispatcher saw a suggestion."),
    )
    suggested_unit = models.ForeignKey(
        Unit,
        verbose_name=_("suggested unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    suggested_rule = models.CharField(_("rule that picked the unit"), max_length=16, blank=True)
    chosen_category = models.ForeignKey(
        Category,
        verbose_name=_("category chosen at dispatch"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    chosen_unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit chosen"), on_delete=models.PROTECT, related_name="+"
    )
    taken = models.BooleanField(
        _("suggestion taken"),
        default=False,
        help_text=_("The first level of the chosen category equals the suggested one."),
    )

    class Meta:
        verbose_name = _("dispatch feedback")
        verbose_name_plural = _("dispatch feedback")
        ordering = ["-dispatched_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.model_version}"
