from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    """知识库: articles the units build and the centre publishes; operators answer from them."""

    name = "knowledge"
    verbose_name = _("Knowledge base")
