"""manage.py rekey_phones — recompute the phone numbers' keyed hashes after PHONE_KEY_SECRET
changed (civic/settings/base.py). Batched and idempotent: safe to run again or to resume."""

from django.core.management.base import BaseCommand

from callers.services import phone_keys_rekey


class Command(BaseCommand):
    help = "Recompute every case's reporter_phone_key with the current PHONE_KEY_SECRET."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, batch_size: int, **options):
        verbosity = options.get("verbosity", 1)

        def progress(scanned: int, changed: int) -> None:
            if verbosity >= 2:
                self.stdout.write(f"{scanned} cases scanned, {changed} keys changed")

        result = phone_keys_rekey(batch_size=max(1, batch_size), progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.scanned} cases scanned, {result.changed} phone keys recomputed."
            )
        )
