"""The public side of cases: following a case or an area, "me too", moderated public text.

Tables keep the names they had when these models lived in `cases` (db_table), so moving the
app moved no row."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civic.models import Region


def _token() -> str:
    return secrets.token_urlsafe(24)


class Follow(models.Model):
    """A resident follows one case or an area; every mail carries its unsubscribe link."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="follows",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followers",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followers",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    unsubscribe_token = models.CharField(
        _("unsubscribe token"), max_length=64, unique=True, default=_token
    )

    class Meta:
        db_table = "cases_follow"  # its name from before the move
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.CheckConstraint(
                condition=(Q(case__isnull=False) & Q(region__isnull=True))
                | (Q(case__isnull=True) & Q(region__isnull=False)),
                name="follow_case_xor_region",
            ),
            models.UniqueConstraint(
                fields=["user", "case"],
                condition=Q(case__isnull=False),
                name="follow_once_per_case",
            ),
            models.UniqueConstraint(
                fields=["user", "region"],
                condition=Q(region__isnull=False),
                name="follow_once_per_region",
            ),
        ]


class MeToo(models.Model):
    """ "Me too" on an existing case instead of filing a duplicate: a hot-topic signal."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="me_toos"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Anonymous supporters are counted once per browser session and once per client address
    # (keyed hashes, never the raw session id or IP): new sessions are free to make, addresses
    # are not. Empty for signed-in users (once per user) and for rows from before.
    session_hash = models.CharField(_("session hash"), max_length=64, blank=True)
    address_hash = models.CharField(_("address hash"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "cases_metoo"  # its name from before the move
        verbose_name = _("me too")
        verbose_name_plural = _("me toos")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"], condition=Q(user__isnull=False), name="metoo_once_per_user"
            ),
            models.UniqueConstraint(
                fields=["case", "session_hash"],
                condition=~Q(session_hash=""),
                name="metoo_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["case", "address_hash"],
                condition=~Q(address_hash=""),
                name="metoo_once_per_address",
            ),
        ]


class PublicText(models.Model):
    """Moderated public text of a case. Absent: the scrubbed title/reply are shown as they are."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="public_text"
    )
    title = models.CharField(_("public title"), max_length=200, blank=True)
    reply = models.TextField(_("public reply"), blank=True, max_length=5000)
    hidden = models.BooleanField(_("hidden from the public"), default=False)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    edited_at = models.DateTimeField(_("edited at"), null=True)

    class Meta:
        db_table = "cases_publictext"  # its name from before the move
        verbose_name = _("public text")
        verbose_name_plural = _("public texts")


class AreaCount(models.Model):
    """How many public cases each area holds, by first-level category and open or closed: what
    the zoomed-out map shows (`public.selectors.map_areas`). A roll-up of `cases_public()`,
    rebuilt whole by `public.tasks.refresh_area_counts` every few minutes and after a
    moderation, since counting a million cases per map request took seconds."""

    region = models.ForeignKey(
        Region, verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    top_category = models.ForeignKey(
        "civic.Category", verbose_name=_("category"), on_delete=models.CASCADE, related_name="+"
    )
    is_open = models.BooleanField(_("open"))
    cases = models.PositiveIntegerField(_("cases"))

    class Meta:
        verbose_name = _("public cases of an area")
        verbose_name_plural = _("public cases of areas")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "top_category", "is_open"], name="areacount_once"
            )
        ]
