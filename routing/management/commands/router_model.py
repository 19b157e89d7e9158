"""List the kept dispatch router versions, activate one, or roll back (docs/router.md)."""

from django.core.management.base import BaseCommand, CommandError

from civic.errors import ApplicationError
from routing import registry


class Command(BaseCommand):
    help = "List kept router versions (default), --activate VERSION, or --rollback [VERSION]."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--activate", metavar="VERSION", help="make this kept version active")
        action.add_argument(
            "--rollback",
            nargs="?",
            const="",
            metavar="VERSION",
            help="activate VERSION, or without it the version active before the current one",
        )

    def handle(self, *args, **opts):
        try:
            if opts["activate"]:
                meta = registry.activate(opts["activate"], reason="activated by hand")
            elif opts["rollback"] is not None:
                meta = registry.rollback(opts["rollback"] or None)
            else:
                self._list()
                return
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Active router: {meta['version']}"))

    def _list(self) -> None:
        kept = registry.versions()
        if not kept:
            self.stdout.write("No router versions kept yet: run manage.py train_router.")
            return
        for meta in kept:
            f1 = registry.holdout_f1(meta)
            self.stdout.write(
                f"{'*' if meta['active'] else ' '} {meta['version']}  "
                f"trained {meta.get('trained_at', '?')}  "
                f"{meta.get('n_examples', '?')} examples  "
                f"held-out macro-F1 {'-' if f1 is None else f'{f1:.4f}'}"
            )
