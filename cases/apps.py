from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # Receivers of case_event_recorded (followers' notices).
        from civic.demo import register_seed_step

        from . import notices, public  # noqa: F401
        from .demo import seed_demo_cases
        from .open311.services import seed_open311_demo

        register_seed_step("open311", seed_open311_demo)
        register_seed_step("cases", seed_demo_cases)
        register_seed_step("router", _seed_router)


def _seed_router(stdout=None) -> None:
    """seed_demo step: make sure the dispatch router has a model (trained once, then loaded)."""
    from .routing.suggest import get_router

    router = get_router()
    if stdout:
        stdout.write(f"router: model {router.version}")
