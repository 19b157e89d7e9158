"""Import historical cases from CSV or XLSX, fast and without half-imports.

Rows are validated with the same rules as intake (cases.services validation helpers). Good rows
are written in batches, each batch one transaction (on PostgreSQL with COPY, elsewhere
bulk_create); case numbers come from blocks reserved on the daily sequence, and every case gets
an "import" audit event. A bad row is reported with its line number and reasons and never stops
the good ones. A row whose number or external reference is already held by a case, or by an
earlier row of the file, is skipped as a duplicate, so re-importing a file imports nothing twice.

On PostgreSQL, `workers` processes with their own connections each read, check and write parts
of a CSV file side by side (cases.importing.parallel, docs/import.md); the calling process only
splits the file and keeps the file-wide duplicate checks in file order.

Columns (civic's own): number, external_ref, received_at, channel, kind, urgency, category
(leaf code, "一级/二级/三级" path, or a leaf name), region (code or name), title, description,
address, lat, lng, reporter_name, reporter_phone, reporter_email, status (received or closed).
The public message-board columns are accepted too: 留言编号 → external_ref, 留言主题 → title,
留言时间 → received_at, 留言详情 → description, 一级分类 → a leaf of that first-level category,
留言用户 is ignored (a pseudonym, not a contact).

Modules, each importing only those before it: `rows` (read, check and write rows in batches),
`parallel` (the same by several processes); this one chooses between them.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.utils import timezone

from civic import partitions
from civic.models import Region

from . import parallel
from .rows import (
    ImportReport,
    ImportStopped,
    copy_supported,
    import_in_turn,
    write_rejects,
)

__all__ = [
    "ImportReport",
    "ImportStopped",
    "copy_supported",
    "default_workers",
    "import_file",
    "write_rejects",
]


def default_workers() -> int:
    """Writer processes for `import_cases`: two on PostgreSQL; none on SQLite, which takes one
    writer at a time (the reading process writes)."""
    return 2 if copy_supported() else 0


def import_file(
    path: Path,
    *,
    default_region: Region | None = None,
    batch_size: int = 5000,
    dry_run: bool = False,
    workers: int = 0,
) -> ImportReport:
    """Import `path`. `workers` > 0 (a CSV file, outside a transaction): that many processes,
    each with its own connection, read, check and write parts of the file side by side
    (cases.importing.parallel); otherwise this process does it all, batch after batch."""
    report = ImportReport()
    start = time.perf_counter()
    if not dry_run:
        # The import's audit events are dated now: their month's partition exists before the
        # first COPY (the beat task makes months ahead; this covers a database without beat).
        moment = timezone.now()
        partitions.ensure_for_moments([moment, moment + dt.timedelta(days=1)])
    if workers and not dry_run and parallel.possible(path):
        parallel.import_csv(
            path, report, default_region=default_region, batch_size=batch_size, workers=workers
        )
    else:
        import_in_turn(path, report, default_region, batch_size, dry_run)
    report.seconds = time.perf_counter() - start
    return report
