from django.core.management.base import BaseCommand

from civic.calendar import calendar_seed_from_package, missing_years


class Command(BaseCommand):
    help = "Fill the working calendar from chinese-calendar (idempotent); report missing years."

    def add_arguments(self, parser):
        parser.add_argument("--from-year", type=int, default=2019)

    def handle(self, *args, from_year, **options):
        created = calendar_seed_from_package(first_year=from_year)
        self.stdout.write(f"calendar: {created} day(s) added")
        for year in missing_years():
            self.stdout.write(
                self.style.WARNING(f"calendar: no days for {year} — Monday–Friday fallback")
            )
