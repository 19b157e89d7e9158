from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallersConfig(AppConfig):
    """来电弹屏: a caller's earlier cases on the operator console, and repeat calls."""

    name = "callers"
    verbose_name = _("Caller history")

    def ready(self) -> None:
        from civic.demo import register_seed_step
        from civic.panels import register_panel

        from .panels import console_panel
        from .services import seed_callers

        register_panel("console", "callers/console_panel.html", console_panel)
        register_seed_step("callers", seed_callers)
