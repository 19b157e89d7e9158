from django.core.management.base import BaseCommand

from civic.demo import SEED_STEPS


class Command(BaseCommand):
    help = "Load the demo city (regions, units, categories, users, demo cases …). Idempotent."

    def handle(self, *args, **options):
        for name, step in SEED_STEPS:
            self.stdout.write(f"seed_demo: {name}")
            step(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("seed_demo: done"))
