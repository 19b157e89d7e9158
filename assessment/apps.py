from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("Assessment")

    def ready(self) -> None:
        from civic.demo import register_seed_step

        # Forgets the cached boards when a unit, policy, run or score changes.
        from . import receivers  # noqa: F401
        from .demo import seed_demo_assessment

        # The past year's boards, once the cases app's steps ("cases", "history") have run and
        # before the steps that read them (the monthly reports).
        register_seed_step("assessment", seed_demo_assessment)
