from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CivicConfig(AppConfig):
    name = "civic"
    verbose_name = _("City structure")

    def ready(self) -> None:
        from . import catalogue, checks  # noqa: F401  (system checks; the catalogue's signals)
        from .partitions import register_monthly_table

        register_monthly_table("civic_notification", "created_at")
