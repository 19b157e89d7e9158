from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # Receivers of case_event_recorded (followers' notices).
        from . import public  # noqa: F401
