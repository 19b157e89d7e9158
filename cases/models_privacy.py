"""Audit of every full view of a reporter's personal data (name, phone, email, exact address)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonalDataAccessQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Personal-data access records are immutable.")

    def delete(self):
        raise PermissionError("Personal-data access records are immutable.")


class PersonalDataAccess(models.Model):
    """One row each time someone other than the reporter is shown the unmasked contact data.

    Written by `cases.privacy.reveal_personal_data` where the full values are rendered (staff
    case pages, API case detail and actions); lists never carry full values, so they write
    nothing. Append-only like the case audit trail.
    """

    class Surface(models.TextChoices):
        WEB_CENTRE = "web_centre", _("Centre case page")
        WEB_UNIT = "web_unit", _("Unit case page")
        API = "api", _("REST API")

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    surface = models.CharField(_("surface"), max_length=16, choices=Surface.choices)
    path = models.CharField(_("path"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = PersonalDataAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data accesses")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"]), models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.user_id} → case {self.case_id} ({self.surface})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Personal-data access records are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Personal-data access records are immutable.")
