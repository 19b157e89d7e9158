from django.core.management.base import BaseCommand, CommandError

from civic.demo import SEED_STEPS


class Command(BaseCommand):
    help = (
        "Load the demo city (regions, units, categories, users, calendar, demo cases …). "
        "Idempotent. Steps come from civic.demo.SEED_STEPS (apps add theirs with "
        "register_seed_step)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            default="",
            help="comma-separated step names to run (e.g. 'structure'); default: every step",
        )

    def handle(self, *args, only, **options):
        names = [name for name, _step in SEED_STEPS]
        wanted = [n.strip() for n in only.split(",") if n.strip()] or names
        unknown = set(wanted) - set(names)
        if unknown:
            raise CommandError(f"unknown step(s) {sorted(unknown)}; known: {names}")
        for name, step in SEED_STEPS:
            if name in wanted:
                self.stdout.write(f"seed_demo: {name}")
                step(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("seed_demo: done"))
