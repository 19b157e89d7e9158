from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from civic.demo import register_seed_step
        from civic.partitions import register_monthly_table

        from . import notices  # noqa: F401  (receivers of case_event_recorded: units' notices)
        from .demo import seed_demo_cases
        from .demo_history import seed_demo_history

        register_seed_step("cases", seed_demo_cases)
        # A year of bulk history after the service-driven cases (before the roll-ups).
        register_seed_step("history", seed_demo_history)
        # Partitioned by month on PostgreSQL (cases/migrations/0022, civic.partitions).
        register_monthly_table("cases_caseevent", "at")
        register_monthly_table("cases_personaldataaccess", "at")
