"""Import historical cases from CSV or XLSX, fast and without half-imports.

Rows are validated with the same rules as intake (cases.services validation helpers); good rows
are inserted in batches (each batch one transaction; on PostgreSQL with COPY, elsewhere
bulk_create), case numbers come from a
block reserved on the daily sequence, and every case gets an "import" audit event. A bad row is
reported with its line number and reasons and never stops the good ones. Re-importing a row with
the same number (or the same external reference) skips it as a duplicate.

Columns (civic's own): number, external_ref, received_at, channel, kind, urgency, category
(leaf code, "一级/二级/三级" path, or a leaf name), region (code or name), title, description,
address, lat, lng, reporter_name, reporter_phone, reporter_email, status (received or closed).
The public message-board columns are accepted too: 留言编号 → external_ref, 留言主题 → title,
留言时间 → received_at, 留言详情 → description, 一级分类 → a leaf of that first-level category,
留言用户 is ignored (a pseudonym, not a contact).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from civic import calendar
from civic.errors import DomainValidationError
from civic.models import Category, Region

from . import numbers as case_numbers
from . import services
from .models import Case, CaseEvent, Channel, Kind, Outcome, Status, Urgency

PUBLIC_COLUMNS = {
    "留言编号": "external_ref",
    "留言主题": "title",
    "留言时间": "received_at",
    "留言详情": "description",
    "一级分类": "first_level",
    "留言用户": "_ignored",
}
ALIASES = {
    "body": "description",
    "details": "description",
    "subject": "title",
    "time": "received_at",
}
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
)


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, list[str]]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        total = self.imported + self.duplicates + len(self.rejected)
        return total / self.seconds if self.seconds else 0.0


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) from CSV (UTF-8, with or without BOM) or XLSX (first sheet)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
        for number, values in enumerate(rows, start=2):
            yield (
                number,
                {
                    header[i]: (
                        ""
                        if v is None
                        else (
                            v.strftime("%Y-%m-%d %H:%M:%S")
                            if isinstance(v, dt.datetime)
                            else str(v)
                        )
                    )
                    for i, v in enumerate(values)
                    if i < len(header)
                },
            )
        workbook.close()
        return
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            yield reader.line_num, {(k or "").strip(): (v or "") for k, v in row.items()}


def normalise(row: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in row.items():
        name = PUBLIC_COLUMNS.get(key) or ALIASES.get(key.lower()) or key.lower()
        out[name] = " ".join(value.split()) if name not in ("description",) else value.strip()
    return out


class Resolver:
    """Caches lookups of categories and regions across the whole file."""

    def __init__(self, default_region: Region | None):
        self.default_region = default_region
        self.leaves = {
            c.code: c
            for c in Category.objects.filter(level=3, active=True).select_related("parent__parent")
        }
        self.by_path = {c.full_name("/"): c for c in self.leaves.values()}
        self.by_name: dict[str, Category] = {}
        for leaf in self.leaves.values():
            self.by_name.setdefault(leaf.name, leaf)
        self.first_level_default: dict[str, Category] = {}
        for leaf in sorted(self.leaves.values(), key=lambda c: c.path):
            top = leaf.parent.parent.name
            # Prefer an "其他" (other) leaf as the catch-all of a first-level category.
            if top not in self.first_level_default or (
                leaf.name == "其他" and self.first_level_default[top].name != "其他"
            ):
                self.first_level_default[top] = leaf
        self.regions = {r.code: r for r in Region.objects.all()}
        self.region_names = {r.name: r for r in self.regions.values()}

    def category(self, row: dict[str, str]) -> Category | None:
        value = row.get("category", "")
        if value:
            return (
                self.leaves.get(value)
                or self.by_path.get(value.replace(" / ", "/"))
                or self.by_name.get(value)
            )
        if row.get("first_level"):
            return self.first_level_default.get(row["first_level"])
        return None

    def region(self, row: dict[str, str]) -> Region | None:
        value = row.get("region", "")
        if value:
            return self.regions.get(value) or self.region_names.get(value)
        return self.default_region


def parse_time(value: str) -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        parsed = None
        for fmt in DATE_FORMATS:
            try:
                parsed = dt.datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


# Built once: `Channel.values` builds a new list on every access (a third of validation time).
ALLOWED = {
    "channel": frozenset(Channel.values),
    "kind": frozenset(Kind.values),
    "urgency": frozenset(Urgency.values),
    "status": frozenset({Status.RECEIVED, Status.CLOSED}),
}
ALLOWED_TEXT = {name: ", ".join(sorted(values)) for name, values in ALLOWED.items()}


def validate(
    row: dict[str, str], resolver: Resolver, *, latest: dt.datetime | None = None
) -> tuple[dict | None, list[str]]:
    """Clean one row or say why not. `latest`: the newest acceptable received time."""
    errors: list[str] = []
    if latest is None:
        latest = timezone.now() + dt.timedelta(minutes=5)
    category = resolver.category(row)
    if category is None:
        errors.append("unknown category")
    region = resolver.region(row)
    if region is None:
        errors.append("unknown region (give a region column or --region)")
    received = parse_time(row.get("received_at", ""))
    if received is None:
        errors.append("received_at missing or not a date")
    elif received > latest:
        errors.append("received_at is in the future")
    channel = row.get("channel") or Channel.WEB
    kind = row.get("kind") or Kind.COMPLAINT
    urgency = row.get("urgency") or (category.default_urgency if category else Urgency.GENERAL)
    status = row.get("status") or Status.RECEIVED
    for name, value in (
        ("channel", channel),
        ("kind", kind),
        ("urgency", urgency),
        ("status", status),
    ):
        if value not in ALLOWED[name]:
            errors.append(f"{name} {value!r} not one of {ALLOWED_TEXT[name]}")
    cleaned: dict = {}
    for name, limit, required in (
        ("title", 200, True),
        ("description", 5000, True),
        ("address", 300, False),
        ("reporter_name", 100, False),
        ("reporter_phone", 32, False),
        ("reporter_email", 254, False),
        ("number", 20, False),
        ("external_ref", 64, False),
    ):
        value = (row.get(name) or "").replace("\x00", "").strip()
        if name == "title" and not value and row.get("description"):
            value = row["description"].strip()[:40]
        if required and not value:
            errors.append(f"{name} is empty")
        elif len(value) > limit:
            if name == "description":
                value = value[:limit]  # long historical texts are kept, cut at the limit
            else:
                errors.append(f"{name} longer than {limit}")
        cleaned[name] = value
    try:
        lat, lng = services._validate_coordinates(row.get("lat") or None, row.get("lng") or None)
    except DomainValidationError as exc:
        errors.append(exc.message)
        lat = lng = None
    if errors:
        return None, errors
    cleaned.update(
        category=category,
        region=region,
        received_at=received,
        channel=channel,
        kind=kind,
        urgency=urgency,
        status=status,
        lat=lat,
        lng=lng,
    )
    return cleaned, []


def _existing(column: str, values: list[str]) -> set[str]:
    """Which of `values` some case already has in `column` (number or external_ref)."""
    if not values:
        return set()
    if connection.vendor == "postgresql":
        # One array parameter: `__in` would send thousands of placeholders per batch, and
        # building and parsing them cost more Python than the lookup itself. The array goes
        # through a sub-select so the planner does not estimate each of its 5,000 values
        # against the column's statistics: that took 178 ms per batch for external_ref,
        # against 8 ms for the lookup. `<> ''` repeats the external_ref index's condition.
        table = Case._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column} FROM {table} "
                f"WHERE {column} = ANY(ARRAY(SELECT unnest(%s::text[]))) AND {column} <> ''",
                [values],
            )
            return {row[0] for row in cursor.fetchall()}
    return set(
        Case.objects.filter(**{f"{column}__in": values})
        .exclude(**{column: ""})
        .order_by()
        .values_list(column, flat=True)
    )


def _insert(batch: list[dict], report: ImportReport) -> None:
    numbers_given = [r["number"] for r in batch if r["number"]]
    refs_given = [r["external_ref"] for r in batch if r["external_ref"]]
    with transaction.atomic():
        existing_numbers = _existing("number", numbers_given)
        existing_refs = _existing("external_ref", refs_given)
        fresh: list[dict] = []
        seen_refs: set[str] = set()
        for row in batch:
            if (row["number"] and row["number"] in existing_numbers) or (
                row["external_ref"]
                and (row["external_ref"] in existing_refs or row["external_ref"] in seen_refs)
            ):
                report.duplicates += 1
                continue
            seen_refs.add(row["external_ref"])
            fresh.append(row)
        by_day: dict[dt.date, list[dict]] = {}
        for row in fresh:
            if not row["number"]:
                by_day.setdefault(calendar.local_date(row["received_at"]), []).append(row)
        explicit = {row["number"] for row in fresh if row["number"]}
        for day, rows in by_day.items():
            numbers: list[str] = []
            while len(numbers) < len(rows):
                # Historical numbers given in the file may sit on the sequence: skip those.
                block = case_numbers.reserve(day, len(rows) - len(numbers))
                taken = explicit | _existing("number", block)
                numbers += [n for n in block if n not in taken]
            for row, number in zip(rows, numbers, strict=True):
                row["number"] = number
        now = timezone.now()
        values = [
            {
                "number": row["number"],
                "external_ref": row["external_ref"],
                "channel": row["channel"],
                "kind": row["kind"],
                "urgency": row["urgency"],
                "category_id": row["category"].pk,
                "title": row["title"],
                "description": row["description"],
                "address": row["address"],
                "lat": row["lat"],
                "lng": row["lng"],
                "region_id": row["region"].pk,
                "reporter_name": row["reporter_name"],
                "reporter_phone": row["reporter_phone"],
                "reporter_email": row["reporter_email"],
                "anonymous": not (
                    row["reporter_name"] or row["reporter_phone"] or row["reporter_email"]
                ),
                "access_code_hash": services.UNUSABLE_ACCESS_CODE,
                "status": row["status"],
                "outcome": Outcome.RESOLVED if row["status"] == Status.CLOSED else "",
                "received_at": row["received_at"],
                "closed_at": row["received_at"] if row["status"] == Status.CLOSED else None,
                "updated_at": now,
            }
            for row in fresh
        ]
        if connection.vendor == "postgresql":
            _copy_cases_and_events(values, now)
        else:
            Case.objects.bulk_create([Case(**v) for v in values], batch_size=2000)
            ids = dict(
                Case.objects.filter(number__in=[v["number"] for v in values]).values_list(
                    "number", "id"
                )
            )
            CaseEvent.objects.bulk_create(
                [
                    CaseEvent(
                        case_id=ids[v["number"]],
                        at=now,
                        action="import",
                        to_status=v["status"],
                        data={"received_at": v["received_at"].isoformat()},
                    )
                    for v in values
                ],
                batch_size=2000,
            )
        report.imported += len(values)


class _CopyTemplate:
    """A model's columns for COPY and a row of its defaults: each row copies the template and
    sets what it has (no model instances, no per-row merging of 40-odd defaults)."""

    def __init__(self, model, *, with_pk: bool):
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        # JSON defaults as COPY text; callers pass JSON values already dumped.
        self.defaults = [
            None
            if f.primary_key
            else json.dumps(f.get_default())
            if f.get_internal_type() == "JSONField"
            else f.get_default()
            for f in self.fields
        ]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.sql = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"

    def row(self, values: dict) -> list:
        out = self.defaults.copy()
        for name, value in values.items():
            out[self.index[name]] = value
        return out


def _copy(template: _CopyTemplate, rows) -> None:
    # The queued writer sends from a thread: the server inserts (and updates its indexes)
    # while this process formats the next rows.
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(template.sql, writer=QueuedLibpqWriter(raw)) as copy:
            for row in rows:
                copy.write_row(row)


def _copy_cases_and_events(values: list[dict], now: dt.datetime) -> None:
    """COPY the cases with ids taken from their sequence up front (so their events need no
    lookup), then one "import" event each. PostgreSQL only."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Case._meta.db_table, len(values)],
        )
        ids = [r[0] for r in cursor.fetchall()]
    cases, events = _templates()
    _copy(cases, (cases.row({**v, "id": i}) for v, i in zip(values, ids, strict=True)))
    _copy(
        events,
        (
            events.row(
                {
                    "case_id": i,
                    "at": now,
                    "action": "import",
                    "to_status": v["status"],
                    "data": json.dumps({"received_at": v["received_at"].isoformat()}),
                }
            )
            for v, i in zip(values, ids, strict=True)
        ),
    )


@functools.cache
def _templates() -> tuple[_CopyTemplate, _CopyTemplate]:
    return _CopyTemplate(Case, with_pk=True), _CopyTemplate(CaseEvent, with_pk=False)


def import_file(
    path: Path,
    *,
    default_region: Region | None = None,
    batch_size: int = 5000,
    dry_run: bool = False,
) -> ImportReport:
    report = ImportReport()
    resolver = Resolver(default_region)
    start = time.perf_counter()
    latest = timezone.now() + dt.timedelta(minutes=5)
    batch: list[dict] = []
    for line, raw in read_rows(path):
        row = normalise(raw)
        if not any(v.strip() for v in row.values()):
            continue
        cleaned, errors = validate(row, resolver, latest=latest)
        if errors:
            report.rejected.append((line, errors))
            continue
        batch.append(cleaned)
        if len(batch) >= batch_size:
            if not dry_run:
                _insert(batch, report)
            else:
                report.imported += len(batch)
            batch = []
    if batch:
        if not dry_run:
            _insert(batch, report)
        else:
            report.imported += len(batch)
    report.seconds = time.perf_counter() - start
    return report


def write_rejects(report: ImportReport, handle: io.TextIOBase) -> None:
    writer = csv.writer(handle)
    writer.writerow(["line", "reasons"])
    for line, reasons in report.rejected:
        writer.writerow([line, "; ".join(reasons)])
