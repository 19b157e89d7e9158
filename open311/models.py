"""Open311 GeoReport v2: API clients (keys), service attributes, and request tokens."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from civic.models import Category


class Open311Client(models.Model):
    """A third-party app allowed to POST requests. The key is shown once and stored hashed."""

    name = models.CharField(_("name"), max_length=100)
    contact_email = models.EmailField(_("contact email"), blank=True)
    key_prefix = models.CharField(_("key prefix"), max_length=8, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    requests_per_minute = models.PositiveIntegerField(_("requests per minute"), default=30)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        db_table = "cases_open311client"  # its name from before the move
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class ServiceAttribute(models.Model):
    """Extra data a service asks for (GeoReport `attributes`); applies to a category and below."""

    class Datatype(models.TextChoices):
        STRING = "string", "string"
        NUMBER = "number", "number"
        DATETIME = "datetime", "datetime"
        TEXT = "text", "text"
        SINGLEVALUELIST = "singlevaluelist", "singlevaluelist"
        MULTIVALUELIST = "multivaluelist", "multivaluelist"

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_attributes",
        help_text=_("Empty: every service."),
    )
    code = models.SlugField(_("code"), max_length=40)
    datatype = models.CharField(_("datatype"), max_length=16, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    description = models.CharField(_("description"), max_length=200)
    description_en = models.CharField(_("English description"), max_length=200, blank=True)
    datatype_description = models.CharField(_("datatype description"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    # [{"key": "...", "name": "...", "name_en": "..."}]
    values = models.JSONField(_("values"), default=list, blank=True)

    class Meta:
        db_table = "cases_serviceattribute"  # its name from before the move
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "code"], name="service_attribute_unique_code"
            )
        ]

    def __str__(self) -> str:
        return self.code


class Open311Request(models.Model):
    """The Open311 side of a case: its token and the client's extra fields."""

    token = models.CharField(_("token"), max_length=40, unique=True)
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="open311"
    )
    client = models.ForeignKey(
        Open311Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="requests"
    )
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "cases_open311request"  # its name from before the move
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")
