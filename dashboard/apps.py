from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """数据驾驶舱: the live overview for leaders, the centre and street officials."""

    name = "dashboard"
    verbose_name = _("Dashboard")

    def ready(self) -> None:
        # Receiver of cases.signals.case_event_recorded: moves each case's change into the
        # roll-ups the dashboard reads.
        from civic.demo import register_seed_step

        from . import receivers  # noqa: F401
        from .services import seed_dashboard

        # Last: every other step's cases are in, so the demo dashboard opens full.
        register_seed_step("dashboard", seed_dashboard)
