from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolConfig(AppConfig):
    """网格员: grid workers' patrol reports (主动发现) and check-ins, and what they find."""

    name = "patrol"
    verbose_name = _("Grid patrol")

    def ready(self) -> None:
        from civic.demo import register_seed_step

        from .services import seed_patrol

        register_seed_step("patrol", seed_patrol)
