from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    """The dispatch router: a text classifier that proposes a category (and so a unit)."""

    name = "routing"
    verbose_name = _("Dispatch router")

    def ready(self) -> None:
        from cases.hooks import register_text_suggester
        from civic.demo import register_seed_step

        # Receiver of cases.signals.case_event_recorded: records each dispatch's suggestion.
        from . import receivers  # noqa: F401
        from .services import seed_router, suggest_for_dispatch

        register_text_suggester(suggest_for_dispatch)
        # Before the demo cases: their dispatches then record the router's suggestions.
        register_seed_step("router", seed_router, before="cases")
