from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReplyQualityConfig(AppConfig):
    """工单质检: reply suggestions for units, automatic checks and the centre's review queue."""

    name = "reply_quality"
    verbose_name = _("Reply quality")

    def ready(self) -> None:
        from civic.panels import register_panel

        # Receiver of cases.signals.case_event_recorded: checks and queues every sent reply.
        from . import receivers, rules  # noqa: F401
        from .views import unit_board_panel, unit_reply_panel

        register_panel("unit_reply", "reply_quality/_unit_reply_panel.html", unit_reply_panel)
        register_panel("unit_board", "reply_quality/_unit_board_panel.html", unit_board_panel)
