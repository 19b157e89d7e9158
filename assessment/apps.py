from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("Assessment")

    def ready(self) -> None:
        # Forgets the cached boards when a unit, policy, run or score changes.
        from . import receivers  # noqa: F401
