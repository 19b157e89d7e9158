from django.core.management.base import BaseCommand

from civic.calendar import FIRST_PACKAGE_YEAR, calendar_seed_from_package, missing_years


class Command(BaseCommand):
    help = "Fill the working calendar from chinese-calendar (idempotent); report missing years."

    def add_arguments(self, parser):
        parser.add_argument("--from-year", type=int, default=FIRST_PACKAGE_YEAR)

    def handle(self, *args, from_year, **options):
        created = calendar_seed_from_package(first_year=from_year)
        self.stdout.write(f"calendar: {created} day(s) added")
        for year in missing_years():
            self.stdout.write(
                self.style.WARNING(f"calendar: no days for {year} — Monday–Friday fallback")
            )
