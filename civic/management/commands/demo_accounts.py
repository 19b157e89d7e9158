from django.core.management.base import BaseCommand

from civic.demo import DEMO_PASSWORD, demo_accounts


class Command(BaseCommand):
    help = "Print the demo accounts."

    def handle(self, *args, **options):
        self.stdout.write(f"    {'username':<11} {'role':<17} unit / home community")
        for username, role, unit in demo_accounts():
            self.stdout.write(f"    {username:<11} {role:<17} {unit}")
        self.stdout.write(f"    password for all: {DEMO_PASSWORD}")
