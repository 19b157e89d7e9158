import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.importing import (
    ImportStopped,
    copy_supported,
    default_workers,
    import_file,
    write_rejects,
)
from civic.models import Region


class Command(BaseCommand):
    help = "Import historical cases from a CSV or XLSX file (civic's columns or the public message-board columns)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--region", help="region code or name for rows without a region column")
        parser.add_argument("--rejects", help="write rejected rows (line, reasons) to this CSV")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes reading, checking and writing parts of a CSV file side by side "
            "(default: 2 on PostgreSQL; 0 on SQLite, and for XLSX files: one process does it all)",
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, file, region, rejects, batch_size, workers, dry_run, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if workers is None:
            workers = default_workers()
        elif workers < 0:
            raise CommandError("--workers must be 0 or more")
        elif workers and not copy_supported():
            raise CommandError("--workers needs PostgreSQL (SQLite takes one writer at a time)")
        default_region = None
        if region:
            default_region = (
                Region.objects.filter(code=region).first()
                or Region.objects.filter(name=region).first()
            )
            if default_region is None:
                raise CommandError(f"Unknown region: {region}")
        try:
            report = import_file(
                path,
                default_region=default_region,
                batch_size=batch_size,
                dry_run=dry_run,
                workers=workers,
            )
        except ImportStopped as exc:
            raise CommandError(
                f"Import stopped, a batch could not be written: {exc} "
                f"({exc.report.imported} cases of earlier batches were imported; run the "
                "import again to finish it: what is imported is skipped as duplicate)"
            ) from exc
        except (UnicodeDecodeError, ValueError, KeyError, OSError, csv.Error) as exc:
            raise CommandError(
                f"Cannot read {path}: {exc} (batches read before the error were imported; "
                "run the import again once the file is fixed)"
            ) from exc
        for line, reasons in report.rejected[:50]:
            self.stderr.write(f"line {line}: {'; '.join(reasons)}")
        if len(report.rejected) > 50:
            self.stderr.write(f"… and {len(report.rejected) - 50} more rejected rows")
        if rejects:
            with open(rejects, "w", encoding="utf-8", newline="") as fh:
                write_rejects(report, fh)
        verb = "would import" if dry_run else "imported"
        self.stdout.write(
            f"{verb} {report.imported}, duplicates skipped {report.duplicates}, rejected {len(report.rejected)} "
            f"in {report.seconds:.2f} s ({report.rows_per_second:,.0f} rows/s)"
        )
