from django.core.management.base import BaseCommand

from civic.calendar import (
    FIRST_PACKAGE_YEAR,
    calendar_seed_from_package,
    calendar_seed_provisional,
    missing_years,
    provisional_years,
)


class Command(BaseCommand):
    help = (
        "Fill the working calendar from chinese-calendar, and the later years up to next year "
        "provisionally from the computed statutory holidays (idempotent, offline); report "
        "missing and provisional years."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from-year", type=int, default=FIRST_PACKAGE_YEAR)

    def handle(self, *args, from_year, **options):
        created = calendar_seed_from_package(first_year=from_year)
        self.stdout.write(f"calendar: {created} day(s) added")
        provisional = calendar_seed_provisional(first_year=from_year)
        self.stdout.write(f"calendar: {provisional} provisional day(s) added")
        for year in missing_years():
            self.stdout.write(self.style.WARNING(f"calendar: no days for {year} (see civic.W001)"))
        for year in provisional_years():
            self.stdout.write(
                self.style.WARNING(
                    f"calendar: {year} is provisional (computed statutory holidays, no 调休) — "
                    "enter the State Council's schedule in the admin"
                )
            )
