from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """The public side of cases: public list, map, feeds, me-too, follows, moderation."""

    name = "public"
    verbose_name = _("Public side")

    def ready(self) -> None:
        from civic.demo import register_seed_step

        # services: followers hear of case events (case_event_recorded).
        from . import services

        # The map's counts per area, once every step's cases are in.
        register_seed_step("public-map", services.seed_area_counts, last=True)
