from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WhistlesConfig(AppConfig):
    """吹哨报到: streets summon departments to a local problem; the departments report."""

    name = "whistles"
    verbose_name = _("Whistles")
