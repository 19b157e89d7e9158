from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    """The Open311 GeoReport v2 adapter: its endpoints, client keys and service attributes."""

    name = "open311"
    verbose_name = _("Open311")

    def ready(self) -> None:
        from civic.demo import register_seed_step

        from .services import seed_open311_demo

        register_seed_step("open311", seed_open311_demo)
