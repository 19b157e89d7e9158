from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """民情分析月报: the monthly analysis report per city, district and street (page and PDF)."""

    name = "reports"
    verbose_name = _("Monthly reports")

    def ready(self) -> None:
        from civic.demo import register_seed_step

        from .services import seed_reports

        register_seed_step("reports", seed_reports)
