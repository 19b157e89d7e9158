from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ThemesConfig(AppConfig):
    name = "themes"
    verbose_name = _("Themes and proactive governance")

    def ready(self) -> None:
        from civic.demo import register_seed_step

        # Receiver of cases.signals.case_event_recorded: links new cases to active themes.
        from . import receivers  # noqa: F401
        from .demo import seed_demo_themes

        register_seed_step("themes", seed_demo_themes)
