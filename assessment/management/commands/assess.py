from django.core.management.base import BaseCommand

from assessment.services import assessment_compute


class Command(BaseCommand):
    help = "Compute a draft assessment run for a month (YYYY-MM)."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args, **options):
        run = assessment_compute(month=options["month"], actor=None)
        self.stdout.write(
            f"{run.month_label} revision {run.revision}: {run.scores.count()} units, draft"
        )
