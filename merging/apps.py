from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MergingConfig(AppConfig):
    """并案: cases about one problem merged into one handled case, and undone."""

    name = "merging"
    verbose_name = _("Merged cases")

    def ready(self) -> None:
        from civic.panels import register_panel

        # Receiver of cases.signals.case_event_recorded: merged cases follow their main case.
        from . import receivers  # noqa: F401
        from .views import case_panel_context

        register_panel("centre_case", "merging/panel.html", case_panel_context)
