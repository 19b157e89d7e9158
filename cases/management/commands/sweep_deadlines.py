from django.core.management.base import BaseCommand

from cases.sweep import sweep


class Command(BaseCommand):
    help = "Run the deadline sweep now (the same one Celery beat runs every minute)."

    def handle(self, *args, **options):
        counts = sweep()
        if not counts:
            self.stdout.write("sweep: nothing due")
        for name, count in sorted(counts.items()):
            self.stdout.write(f"sweep: {name} {count}")
