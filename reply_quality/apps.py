from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReplyQualityConfig(AppConfig):
    """工单质检: reply suggestions for units, automatic checks and the centre's review queue."""

    name = "reply_quality"
    verbose_name = _("Reply quality")
