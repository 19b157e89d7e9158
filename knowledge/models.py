"""知识库: answers to common questions, owned by a unit, published by the hotline centre.

`Article` holds the current state; `ArticleVersion` keeps every state it has had (append-only,
written by knowledge.services on each change). `ArticleUse` counts each time an operator
answered a call from an article. Nothing here is ever deleted.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civic.models import Category, Region, Unit


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class ArticleContent(models.Model):
    """The fields an editor writes; shared by the article and each of its versions."""

    title = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"), max_length=10000)
    policy_document = models.CharField(_("policy document"), max_length=300, blank=True)
    policy_article = models.CharField(_("article of the policy"), max_length=200, blank=True)
    policy_url = models.URLField(_("policy link"), max_length=500, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    # None: the whole city. A district's article holds for its streets and communities.
    region = models.ForeignKey(
        Region,
        verbose_name=_("region scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="+"
    )
    public = models.BooleanField(_("shown to the public"), default=False)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    review_by = models.DateField(_("review by"), null=True, blank=True)
    keywords = models.CharField(_("keywords"), max_length=500, blank=True)
    synonyms = models.CharField(_("synonyms"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )

    class Meta:
        abstract = True


CONTENT_FIELDS = (
    "title",
    "answer",
    "policy_document",
    "policy_article",
    "policy_url",
    "category",
    "region",
    "unit",
    "public",
    "effective_from",
    "effective_to",
    "review_by",
    "keywords",
    "synonyms",
)


class Article(ArticleContent):
    """知识条目: the current state of one answer."""

    Status = ArticleStatus

    version = models.PositiveIntegerField(_("version"), default=1)
    source_case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("source case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    # When the centre last published it: what "fresh" means in search ranking.
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # Space-joined jieba search-mode tokens (title, keywords, synonyms / answer, policy), kept in
    # step by the services. PostgreSQL indexes them (see migration 0002); SQLite reads them.
    search_title = models.TextField(_("title tokens"), blank=True, editable=False)
    search_body = models.TextField(_("answer tokens"), blank=True, editable=False)

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(
                fields=["effective_to"],
                name="knowledge_published_idx",
                condition=Q(status="published"),
            ),
            models.Index(fields=["unit", "status"], name="knowledge_unit_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="knowledge_effective_range",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ArticleVersion(ArticleContent):
    """One state of an article, with who made it and why (append-only)."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Edited")
        SUBMIT = "submit", _("Submitted for review")
        PUBLISH = "publish", _("Published")
        SEND_BACK = "send_back", _("Sent back")
        RETIRE = "retire", _("Retired")
        EXPIRE = "expire", _("Retired on expiry")

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("changed at"))
    note = models.CharField(_("change note"), max_length=1000, blank=True)
    changed_fields = models.JSONField(_("changed fields"), default=list, blank=True)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ArticleUse(models.Model):
    """An operator answered a call from this article (直接答复)."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.PROTECT, related_name="uses"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("used by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("used at"), db_index=True)

    class Meta:
        verbose_name = _("article use")
        verbose_name_plural = _("article uses")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["article", "case"], name="knowledge_use_once_per_case")
        ]


class OnSpotMonth(models.Model):
    """Hotline cases received in a month and how many were answered on the spot (直接答复率),
    counted off the request by knowledge.tasks.count_on_spot: counting them from the cases on
    every view of the statistics page read a year of cases (seconds at a million)."""

    # The first day of the month (local time, as the cases are grouped).
    month = models.DateField(_("month"), unique=True)
    hotline = models.PositiveIntegerField(_("hotline cases"), default=0)
    on_spot = models.PositiveIntegerField(_("answered on the spot"), default=0)
    counted_at = models.DateTimeField(_("counted at"))

    class Meta:
        verbose_name = _("monthly on-the-spot count")
        verbose_name_plural = _("monthly on-the-spot counts")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.on_spot}/{self.hotline}"
