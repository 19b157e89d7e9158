"""每月一题 (theme of the month) and 未诉先办 (proactive suggestions). Rows only; workflows live
in themes/services.py, reads in themes/selectors.py, the text analysis in themes/hot_topics.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.models import Category, Region, Unit


class Theme(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    month = models.DateField(_("month"), help_text=_("The first day of the theme's month."))
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What future cases must look like to be linked automatically (see services.theme_matches).
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    keywords = models.CharField(
        _("keywords"), max_length=300, blank=True, help_text=_("Separated by spaces.")
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="led_themes"
    )
    co_units = models.ManyToManyField(
        Unit, verbose_name=_("co-units"), blank=True, related_name="co_themes"
    )
    goals = models.TextField(_("goals"), max_length=5000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    summary = models.TextField(_("closing summary"), max_length=5000, blank=True)
    source = models.JSONField(_("hot topic it came from"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["-month", "-created_at"]
        indexes = [models.Index(fields=["status", "month"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(summary=""), name="theme_closed_has_summary"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def keyword_list(self) -> list[str]:
        return [k for k in self.keywords.split() if k]


class Milestone(models.Model):
    theme = models.ForeignKey(
        Theme, verbose_name=_("theme"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        """Not done and its due date has passed (in the portal's time zone): due today is not
        overdue yet."""
        return self.done_at is None and self.due_date < timezone.localdate()


class ThemeCase(models.Model):
    class How(models.TextChoices):
        PROMOTION = "promotion", _("From the hot topic")
        AUTO = "auto", _("Matched automatically")

    theme = models.ForeignKey(
        Theme, verbose_name=_("theme"), on_delete=models.CASCADE, related_name="links"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="theme_links"
    )
    how = models.CharField(_("how"), max_length=10, choices=How.choices)
    linked_at = models.DateTimeField(_("linked at"))

    class Meta:
        verbose_name = _("theme case")
        verbose_name_plural = _("theme cases")
        constraints = [
            models.UniqueConstraint(fields=["theme", "case"], name="theme_case_once"),
        ]


class ProactiveSuggestion(models.Model):
    """A proactive task (未诉先办) proposed from seasonal history and the current trend."""

    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    month = models.DateField(_("month"))
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    suggested_unit = models.ForeignKey(
        Unit,
        verbose_name=_("suggested unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proactive_suggestions",
    )
    # The figures behind the reason: seasonal counts per past year, the 30-day trend.
    figures = models.JSONField(_("figures"), default=dict)
    score = models.FloatField(_("score"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUGGESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=500, blank=True)
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("proactive case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proactive_suggestion",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("proactive suggestion")
        verbose_name_plural = _("proactive suggestions")
        ordering = ["-month", "-score", "id"]
        constraints = [
            # The monthly run is idempotent: one suggestion per month, category and region.
            models.UniqueConstraint(
                fields=["month", "category", "region"], name="suggestion_once_per_month"
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="suggestion_decline_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(case__isnull=False),
                name="suggestion_accepted_has_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.category} {self.region}"

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"


# What each theme event says on the theme's page (the codes stay in the audit row and API).
THEME_EVENT_LABELS = {
    "create": _("Theme created"),
    "promote": _("Promoted from a hot topic"),
    "edit": _("Edited"),
    "activate": _("Activated"),
    "close": _("Closed"),
    "milestone_add": _("Milestone added"),
    "milestone_done": _("Milestone done"),
    "suggest": _("Proactive suggestion made"),
    "accept": _("Suggestion accepted"),
    "decline": _("Suggestion declined"),
}


class ThemeEvent(models.Model):
    """Immutable audit row of every change to a theme or a suggestion, written by the service."""

    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    suggestion = models.ForeignKey(
        ProactiveSuggestion, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=5000)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("theme event")
        verbose_name_plural = _("theme events")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(theme__isnull=False) | Q(suggestion__isnull=False),
                name="theme_event_has_subject",
            ),
        ]

    @property
    def label(self) -> str:
        label = THEME_EVENT_LABELS.get(self.action)
        return str(label) if label is not None else str(_("Update"))
