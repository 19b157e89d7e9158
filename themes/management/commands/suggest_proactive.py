from django.core.management.base import BaseCommand, CommandError

from civic.errors import ApplicationError
from themes.services import suggestion_reason, suggestions_generate


class Command(BaseCommand):
    help = "Open proactive suggestions (未诉先办) for a month (YYYY-MM); safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args, **options):
        try:
            created = suggestions_generate(month=options["month"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for s in created:
            unit = s.suggested_unit.name if s.suggested_unit else "-"
            self.stdout.write(
                f"{s.category.name} / {s.region.name} → {unit}: {suggestion_reason(s)}"
            )
        self.stdout.write(f"{options['month']}: {len(created)} new suggestions")
