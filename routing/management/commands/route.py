"""Batch suggestions: read titles and descriptions from CSV/XLSX, write suggested categories."""

from __future__ import annotations

import csv

from django.core.management.base import BaseCommand, CommandError

from civic import text as T
from routing import services as S

OUTPUT_COLUMNS = [
    "row",
    "title",
    "category_level1",
    "category_level2",
    "category_level3",
    "category_path",
    "confidence",
    "decided_by_router",
    "model_version",
]


class Command(BaseCommand):
    help = (
        "Suggest categories for every row of a CSV/XLSX with title and description columns "
        "(留言主题/留言详情 or title/description) and write them to a CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="CSV or XLSX file")
        parser.add_argument("--output", required=True, help="CSV file to write")

    def handle(self, *args, **opts):
        try:
            rows = T.read_table(opts["input"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not rows:
            raise CommandError(f"{opts['input']} has no data rows")
        names = list(rows[0].keys())
        title_col = T.pick_column(names, T.TITLE_COLUMNS)
        body_col = T.pick_column(names, T.BODY_COLUMNS)
        if title_col is None and body_col is None:
            raise CommandError(
                "Missing columns: need 留言主题/title and/or 留言详情/description; "
                f"found {', '.join(n for n in names if n) or 'none'}"
            )
        try:
            S.get_router()
        except S.RouterUnavailableError as exc:
            raise CommandError(exc.message) from exc
        try:
            out = open(opts["output"], "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot write {opts['output']}: {exc}") from exc
        with out:
            writer = csv.writer(out)
            writer.writerow(OUTPUT_COLUMNS)
            for n, row in enumerate(rows, start=1):
                title = row.get(title_col, "") if title_col else ""
                body = row.get(body_col, "") if body_col else ""
                s = S.suggest(title, body)
                levels = [*list(s.path), "", "", ""][:3]
                writer.writerow(
                    [
                        n,
                        title,
                        *levels,
                        " / ".join(s.path),
                        f"{s.confidence:.4f}",
                        int(s.decided_by_router),
                        s.version,
                    ]
                )
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(rows)} suggestions to {opts['output']}"))
