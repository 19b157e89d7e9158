from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MergingConfig(AppConfig):
    """并案: cases about one problem merged into one handled case, and undone."""

    name = "merging"
    verbose_name = _("Merged cases")
