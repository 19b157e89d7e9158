from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """The public side of cases: public list, map, feeds, me-too, follows, moderation."""

    name = "public"
    verbose_name = _("Public side")

    def ready(self) -> None:
        from . import services  # noqa: F401  (followers hear of case events: case_event_recorded)
