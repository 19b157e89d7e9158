"""`manage.py partitions`: the monthly partitions of the tables that grow with time.

partitions list                          every monthly table: its partitions and row estimates
partitions ensure [--ahead N] [--month YYYY-MM ...]
partitions detach cases_caseevent 2025-01   (then: pg_dump -t cases_caseevent_p202501 …)
partitions attach cases_caseevent 2025-01
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from civic import partitions


def _month(raw: str) -> dt.date:
    try:
        month = dt.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        raise CommandError(f"{raw!r} is not a month (YYYY-MM)") from None
    if not 2000 <= month.year <= 2100:
        raise CommandError(f"{raw!r}: a month between 2000 and 2100")
    return month


class Command(BaseCommand):
    help = "List, create ahead, detach (for archive) and attach back monthly partitions."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="the partitions of every monthly table")
        ensure = actions.add_parser("ensure", help="create this and the next months")
        ensure.add_argument("--ahead", type=int, default=partitions.MONTHS_AHEAD)
        ensure.add_argument("--month", action="append", default=[], help="YYYY-MM, repeatable")
        for name in ("detach", "attach"):
            sub = actions.add_parser(name, help=f"{name} one month of one table")
            sub.add_argument("table")
            sub.add_argument("month", help="YYYY-MM")

    def handle(self, *args, action, **options):
        if not partitions.supported():
            raise CommandError("Partitions need PostgreSQL; on SQLite the tables are plain.")
        if action == "list":
            self._list()
        elif action == "ensure":
            self._ensure(options["ahead"], [_month(m) for m in options["month"]])
        else:
            table, month = options["table"], _month(options["month"])
            known = {spec.table for spec in partitions.monthly_tables()}
            if table not in known:
                raise CommandError(f"{table!r} is not a monthly table ({', '.join(sorted(known))})")
            run = partitions.detach_month if action == "detach" else partitions.attach_month
            try:
                name = run(table, month)
            except ValueError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"{action}ed {name}")

    def _list(self) -> None:
        for spec in partitions.monthly_tables():
            self.stdout.write(f"{spec.table} (by {spec.column}):")
            for part in partitions.partitions_of(spec.table):
                label = "DEFAULT" if part.month is None else f"{part.month:%Y-%m}"
                self.stdout.write(f"  {label:8} {part.name}  ~{part.rows} rows")
            for month in partitions.detached_months(spec.table):
                self.stdout.write(f"  {month:%Y-%m}  detached")

    def _ensure(self, ahead: int, months: list[dt.date]) -> None:
        created = partitions.ensure_ahead(months_ahead=max(ahead, 1))
        for spec in partitions.monthly_tables():
            created[spec.table] += partitions.ensure_months(spec.table, months)
        for table, made in created.items():
            for month in made:
                self.stdout.write(f"created {partitions.partition_name(table, month)}")
        if not any(created.values()):
            self.stdout.write("nothing to create")
