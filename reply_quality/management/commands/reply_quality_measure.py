"""Run the four reply checks over a file of real complaints and replies and write the figures."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reply_quality import measurement


class Command(BaseCommand):
    help = (
        "Measure the reply checks on a CSV/XLSX with 留言主题, 留言详情, 答复意见 (and 答复时间) "
        "columns and write the distributions, flagged shares and best/worst replies as Markdown."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", required=True, help="CSV or XLSX of complaints and replies")
        parser.add_argument(
            "--out",
            required=True,
            help="Markdown file to write; one holding the figure markers keeps the rest of its "
            "text and only the part between the markers is replaced",
        )

    def handle(self, *args, **opts):
        try:
            rows = measurement.load_rows(opts["file"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not rows:
            raise CommandError("The file has no replies.")
        measurement.measure(rows)
        out = Path(opts["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        figures = measurement.report(rows, source=Path(opts["file"]).name)
        out.write_text(measurement.place_figures(out, figures), encoding="utf-8")
        self.stdout.write(f"{len(rows)} replies measured; figures written to {out}")
