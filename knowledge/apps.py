from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    """知识库: articles the units build and the centre publishes; operators answer from them."""

    name = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from civic.demo import register_seed_step
        from civic.panels import register_panel

        from . import panels
        from .seed import seed_knowledge

        register_panel("console", "knowledge/panel_console.html", panels.console_panel)
        register_panel("centre_case", "knowledge/panel_centre_case.html", panels.centre_case_panel)
        register_panel("file", "knowledge/panel_file.html", panels.file_panel)
        register_seed_step("knowledge", seed_knowledge)
