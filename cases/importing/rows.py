"""Reading, checking and writing the rows of an import file, batch after batch (the package's
docstring, cases/importing/__init__.py, describes the whole import)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from civic.errors import DomainValidationError
from civic.models import Category, Region

from .. import numbers as case_numbers
from .. import privacy, services
from ..models import Case, CaseEvent, Channel, Kind, Outcome, Status, Urgency

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
# The text columns: (name, most characters, required). Values beyond the limit are rejected,
# except descriptions: long historical texts are kept, cut at the limit.
TEXT_COLUMNS = (
    ("title", 200, True),
    ("description", 5000, True),
    ("address", 300, False),
    ("reporter_name", 100, False),
    ("reporter_phone", 32, False),
    ("reporter_email", 254, False),
    ("number", 20, False),
    ("external_ref", 64, False),
)


class ImportStopped(Exception):
    """Writing a batch failed (a database error): that batch wrote nothing, earlier batches
    are kept, and `report` counts them. Running the import again finishes it."""

    def __init__(self, cause: BaseException, report: ImportReport):
        super().__init__(str(cause))
        self.cause = cause
        self.report = report


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


# --- reading ----------------------------------------------------------------------------------


def column_name(header: str) -> str:
    """civic's name for a header: the public dataset's columns and a few aliases are mapped."""
    header = (header or "").strip()
    return PUBLIC_COLUMNS.get(header) or ALIASES.get(header.lower()) or header.lower()


def read_records(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and (line number, values) of each row, from CSV (UTF-8, with or without BOM)
    or XLSX (first sheet). Blank lines are skipped; a CSV row's line number is the line on which
    it ends, an XLSX row's its row number."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    handle = path.open(encoding="utf-8-sig", newline="")
    reader = csv.reader(handle)
    try:
        header = next(reader, [])
    except BaseException:
        handle.close()
        raise

    def records() -> Iterator[tuple[int, list[str]]]:
        with handle:
            for values in reader:
                if values:
                    yield reader.line_num, values

    return header, records()


def _read_xlsx(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = ["" if h is None else str(h) for h in next(rows, [])]

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return str(value)

    def records() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(rows, start=2):
                if values:
                    yield number, [text(v) for v in values]
        finally:
            workbook.close()

    return header, records()


# --- validation -------------------------------------------------------------------------------


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

    def category(self, value: str, first_level: str) -> Category | None:
        if value:
            return (
                self.leaves.get(value)
                or self.by_path.get(value.replace(" / ", "/"))
                or self.by_name.get(value)
            )
        if first_level:
            return self.first_level_default.get(first_level)
        return None

    def region(self, value: str) -> Region | None:
        if value:
            return self.regions.get(value) or self.region_names.get(value)
        return self.default_region


def parse_time(value: str, zone: dt.tzinfo) -> dt.datetime | None:
    """An ISO 8601 time or one of DATE_FORMATS; a time without an offset is in `zone`."""
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
    # zoneinfo resolves a wall time by itself (as timezone.make_aware does).
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


# The columns a row's validation reads.
READ_COLUMNS = (
    "category",
    "first_level",
    "region",
    "received_at",
    "channel",
    "kind",
    "urgency",
    "status",
    *(name for name, _limit, _required in TEXT_COLUMNS),
    "lat",
    "lng",
)
# Intake's sets (`Choices.values` builds a new list on every access).
ALLOWED = {
    "channel": services.CHANNELS,
    "kind": services.KINDS,
    "urgency": services.URGENCIES,
    "status": frozenset({Status.RECEIVED, Status.CLOSED}),
}
ALLOWED_TEXT = {name: ", ".join(sorted(values)) for name, values in ALLOWED.items()}


@dataclass(slots=True)
class Row:
    """One validated row, ready to write."""

    line: int
    number: str
    external_ref: str
    channel: str
    kind: str
    urgency: str
    category_id: int
    region_id: int
    title: str
    description: str
    address: str
    lat: object
    lng: object
    reporter_name: str
    reporter_phone: str
    reporter_email: str
    status: str
    received_at: dt.datetime


class RowChecker:
    """Validates rows of one file: the header is read once, so a row is a list of values."""

    def __init__(self, header: list[str], resolver: Resolver, *, latest: dt.datetime | None = None):
        self.resolver = resolver
        # `latest`: the newest acceptable received time.
        self.latest = latest or timezone.now() + dt.timedelta(minutes=5)
        self.zone = ZoneInfo(settings.TIME_ZONE)
        index: dict[str, int] = {}
        for position, name in enumerate(header):
            index[column_name(name)] = position  # a repeated column: the last one counts
        # Only the columns the file has and the importer reads; the others count as empty.
        self.columns = [(name, index[name]) for name in READ_COLUMNS if name in index]

    def _values(self, values: list[str]) -> dict[str, str]:
        """The row's values by column name. Whitespace runs become one space, except in
        descriptions (kept as written, trimmed); NUL characters (which no text column can
        hold) are dropped."""
        count = len(values)
        out = {}
        for name, position in self.columns:
            if position < count:
                value = values[position]
                if "\x00" in value:
                    value = value.replace("\x00", "")
                out[name] = value.strip() if name == "description" else " ".join(value.split())
        return out

    def blank(self, values: list[str]) -> bool:
        return not any(map(str.strip, values))

    def rows(self, records: Iterable[tuple[int, list[str]]], rejected: list) -> Iterator[Row]:
        """The valid rows of (line, values) records. Blank records are skipped; a bad one's
        (line, reasons) goes to `rejected`."""
        for line, values in records:
            if self.blank(values):
                continue
            row, errors = self.check(line, values)
            if errors:
                rejected.append((line, errors))
            else:
                yield row

    def check(self, line: int, values: list[str]) -> tuple[Row | None, list[str]]:
        """The cleaned row, or why not."""
        row = self._values(values)
        get = row.get
        errors: list[str] = []
        category = self.resolver.category(get("category", ""), get("first_level", ""))
        if category is None:
            errors.append("unknown category")
        region = self.resolver.region(get("region", ""))
        if region is None:
            errors.append("unknown region (give a region column or --region)")
        received = parse_time(get("received_at", ""), self.zone)
        if received is None:
            errors.append("received_at missing or not a date")
        elif received > self.latest:
            errors.append("received_at is in the future")
        channel = get("channel") or Channel.WEB
        kind = get("kind") or Kind.COMPLAINT
        urgency = get("urgency") or (category.default_urgency if category else Urgency.GENERAL)
        status = get("status") or Status.RECEIVED
        for name, value in (
            ("channel", channel),
            ("kind", kind),
            ("urgency", urgency),
            ("status", status),
        ):
            if value not in ALLOWED[name]:
                errors.append(f"{name} {value!r} not one of {ALLOWED_TEXT[name]}")
        text: dict[str, str] = {}
        for name, limit, required in TEXT_COLUMNS:
            value = get(name, "")
            if name == "title" and not value:
                value = get("description", "")[:40].strip()
            if required and not value:
                errors.append(f"{name} is empty")
            elif len(value) > limit:
                if name == "description":
                    value = value[:limit]
                else:
                    errors.append(f"{name} longer than {limit}")
            text[name] = value
        lat, lng = get("lat", ""), get("lng", "")
        if lat or lng:
            try:
                lat, lng = services._validate_coordinates(lat or None, lng or None)
            except DomainValidationError as exc:
                errors.append(str(exc.message))
        else:
            lat = lng = None
        if errors:
            return None, errors
        return Row(
            line=line,
            number=text["number"],
            external_ref=text["external_ref"],
            channel=channel,
            kind=kind,
            urgency=urgency,
            category_id=category.id,
            region_id=region.id,
            title=text["title"],
            description=text["description"],
            address=text["address"],
            lat=lat,
            lng=lng,
            reporter_name=text["reporter_name"],
            reporter_phone=text["reporter_phone"],
            reporter_email=text["reporter_email"],
            status=status,
            received_at=received,
        ), []


# --- writing ----------------------------------------------------------------------------------


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


def _numbers_taken(day: dt.date, first: int, last: int) -> set[str]:
    """Numbers of `day` from `first` to `last` that cases already hold: historical numbers
    imported from a file may sit on the sequence. One index range scan per width (numbers
    have at least five digits, so `…99999` and `…100000` sort apart)."""
    taken: set[str] = set()
    low = first
    while low <= last:
        width = max(5, len(str(low)))
        high = min(last, 10**width - 1)
        rows = Case.objects.filter(
            number__gte=case_numbers.number(day, low), number__lte=case_numbers.number(day, high)
        ).values_list("number", flat=True)
        taken |= {n for n in rows if len(n) == 8 + width}
        low = high + 1
    return taken


def _assign_numbers(rows: list[Row], explicit: set[str]) -> None:
    """Numbers from each received day's sequence for the rows without one, in file order within
    the day, skipping numbers that a case or a row of the file (`explicit`, read as it grows) holds."""
    zone = timezone.get_current_timezone()
    by_day: dict[dt.date, list[Row]] = {}
    for row in rows:
        by_day.setdefault(row.received_at.astimezone(zone).date(), []).append(row)
    # Days in order: each day's counter row stays locked until the reserving transaction
    # commits, so writers running side by side must take them in one order or they deadlock.
    for day, day_rows in sorted(by_day.items()):
        numbers: list[str] = []
        while len(numbers) < len(day_rows):
            wanted = len(day_rows) - len(numbers)
            block = case_numbers.reserve(day, wanted)
            first = int(block[0][8:])
            taken = _numbers_taken(day, first, first + wanted - 1)
            numbers += [n for n in block if n not in taken and n not in explicit]
        for row, number in zip(day_rows, numbers, strict=True):
            row.number = number


def _copy_type(field) -> str:
    """The PostgreSQL type psycopg dumps a field's values as, in binary COPY: the column's own
    type without its modifier (varchar(20) and text travel alike)."""
    name = re.sub(r"\(.*\)", "", field.db_type(connection)).strip()
    return "text" if name == "varchar" else name


class _CopyTemplate:
    """A model's columns for a binary COPY and a row of its defaults: each row copies the
    defaults and sets what it has (no model instances, no per-row merging of 40-odd defaults).
    psycopg writes the rows with one dumper per column, fixed once by `set_types`, in C: no
    value is formatted or escaped as text in Python, and PostgreSQL parses no text for keys,
    numbers and times. Stop 23, 5,000 cases into an index-less copy of the table: 10.7 -> 3-4
    µs of Python a row, PostgreSQL 18-22 -> 14-18; in a real batch (indexes, events) about 1
    and 2 µs less a row."""

    def __init__(self, model, *, with_pk: bool):
        self.fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        self.row = [None if f.primary_key else f.get_default() for f in self.fields]
        self.types = [_copy_type(f) for f in self.fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.sql = f"COPY {model._meta.db_table} ({columns}) FROM STDIN (FORMAT BINARY)"

    def positions(self, *names: str) -> list[int]:
        return [self.index[name] for name in names]


CASE_COLUMNS = (
    "id",
    "number",
    "external_ref",
    "channel",
    "kind",
    "urgency",
    "category_id",
    "title",
    "description",
    "address",
    "lat",
    "lng",
    "region_id",
    "reporter_name",
    "reporter_phone",
    "reporter_phone_key",
    "reporter_email",
    "anonymous",
    "access_code_hash",
    "status",
    "outcome",
    "received_at",
    "closed_at",
    "updated_at",
)
EVENT_COLUMNS = ("case_id", "to_status", "data")  # at and action: the batch's, the same for all


@functools.cache
def _templates() -> tuple[_CopyTemplate, _CopyTemplate]:
    return _CopyTemplate(Case, with_pk=True), _CopyTemplate(CaseEvent, with_pk=False)


def _case_values(row: Row, now: dt.datetime) -> tuple:
    """The values of CASE_COLUMNS after the id."""
    closed = row.status == Status.CLOSED
    return (
        row.number,
        row.external_ref,
        row.channel,
        row.kind,
        row.urgency,
        row.category_id,
        row.title,
        row.description,
        row.address,
        row.lat,
        row.lng,
        row.region_id,
        row.reporter_name,
        row.reporter_phone,
        privacy.phone_key(row.reporter_phone),
        row.reporter_email,
        not (row.reporter_name or row.reporter_phone or row.reporter_email),
        services.UNUSABLE_ACCESS_CODE,
        row.status,
        Outcome.RESOLVED if closed else "",
        row.received_at,
        row.received_at if closed else None,
        now,
    )


@contextlib.contextmanager
def _keys_checked_per_batch(rows: list[Row]) -> Iterator[None]:
    """Check the batch's foreign keys once, not row by row. PostgreSQL only; inside the
    batch's transaction.

    PostgreSQL checks every inserted row's foreign keys with a trigger per row and key (11 µs a
    row each for the cases and their events at 1M rows). A batch refers to a handful of
    categories and regions, and its events to cases it inserts itself, so those checks are
    done here once: the referenced rows are locked FOR KEY SHARE (what each row's check would
    take, so that nobody deletes them before the commit) and counted, and the triggers are
    off (`session_replication_role = replica`) for this transaction only. Where the role may
    not set it (superuser, or GRANT SET ON PARAMETER) or IMPORT_CHECK_KEYS_PER_BATCH is
    False, the triggers do the checking as usual."""
    replica, before = False, None
    if settings.IMPORT_CHECK_KEYS_PER_BATCH:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('session_replication_role')")
                before = cursor.fetchone()[0]
                cursor.execute("SET LOCAL session_replication_role = replica")
            replica = True
        except DatabaseError:  # permission denied: the triggers check each row
            pass
    if replica:
        with connection.cursor() as cursor:
            for model, ids in (
                (Category, {r.category_id for r in rows}),
                (Region, {r.region_id for r in rows}),
            ):
                # Locked in id order: two batches never wait for each other in a cycle.
                cursor.execute(
                    f"SELECT count(*) FROM (SELECT 1 FROM {model._meta.db_table} "
                    "WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE) AS locked",
                    [sorted(ids)],
                )
                if cursor.fetchone()[0] != len(ids):
                    raise IntegrityError(
                        f"{model._meta.db_table}: a row the batch refers to does not exist"
                    )
    yield
    if replica:
        # As before for the rest of the transaction (a caller's, when nested).
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('session_replication_role', %s, true)", [before])


def _copy_cases_and_events(rows: list[Row], now: dt.datetime) -> None:
    """COPY the cases with ids taken from their sequence up front (so their events need no
    lookup), then one "import" event each. PostgreSQL only."""
    with _keys_checked_per_batch(rows):
        _copy_rows(rows, now)


def _copy_rows(rows: list[Row], now: dt.datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Case._meta.db_table, len(rows)],
        )
        ids = [r[0] for r in cursor.fetchall()]
    cases, events = _templates()
    case_at = cases.positions(*CASE_COLUMNS)
    event_at = events.positions(*EVENT_COLUMNS)
    event_row = events.row.copy()
    event_row[events.index["at"]] = now
    event_row[events.index["action"]] = "import"

    def case_rows():
        for row, pk in zip(rows, ids, strict=True):
            values = cases.row.copy()
            for position, value in zip(case_at, (pk, *_case_values(row, now)), strict=True):
                values[position] = value
            yield values

    def event_rows():
        for row, pk in zip(rows, ids, strict=True):
            values = event_row.copy()
            data = {"received_at": row.received_at.isoformat()}
            for position, value in zip(event_at, (pk, row.status, data), strict=True):
                values[position] = value
            yield values

    _copy(cases, case_rows())
    _copy(events, event_rows())


def _copy(template: _CopyTemplate, rows: Iterable[list]) -> None:
    # The queued writer sends from a thread: the server inserts (and updates its indexes)
    # while this process builds the next rows.
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(template.sql, writer=QueuedLibpqWriter(raw)) as copy:
            copy.set_types(template.types)
            for row in rows:
                copy.write_row(row)


def _create_cases_and_events(rows: list[Row], now: dt.datetime) -> None:
    """The same rows through the ORM (databases without COPY)."""
    names = CASE_COLUMNS[1:]
    Case.objects.bulk_create(
        [Case(**dict(zip(names, _case_values(row, now), strict=True))) for row in rows],
        batch_size=2000,
    )
    ids = dict(
        Case.objects.filter(number__in=[row.number for row in rows]).values_list("number", "id")
    )
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case_id=ids[row.number],
                at=now,
                action="import",
                to_status=row.status,
                data={"received_at": row.received_at.isoformat()},
            )
            for row in rows
        ],
        batch_size=2000,
    )


def copy_supported() -> bool:
    return connection.vendor == "postgresql"


def write_batch(
    rows: list[Row], *, explicit: set[str] = frozenset(), reserve_apart: bool = False
) -> tuple[int, int]:
    """Write one batch of validated rows in one transaction; (imported, duplicates).

    A row whose number or reference a case already holds is a duplicate (rows of the same file
    were compared with each other before). `explicit`: the numbers that rows of the file carry,
    which the day's sequence must skip. Numbers are reserved inside the transaction, so a
    failed batch leaves no gap; with `reserve_apart` they are reserved and committed first, so
    that concurrent batches of the same days do not wait for each other's commit (a failed
    batch then leaves its numbers unused)."""
    existing_numbers = _existing("number", [r.number for r in rows if r.number])
    existing_refs = _existing("external_ref", [r.external_ref for r in rows if r.external_ref])
    fresh = [
        r
        for r in rows
        if not (r.number and r.number in existing_numbers)
        and not (r.external_ref and r.external_ref in existing_refs)
    ]
    unnumbered = [r for r in fresh if not r.number]
    if reserve_apart:
        with transaction.atomic():
            _assign_numbers(unnumbered, explicit)
    with transaction.atomic():
        if not reserve_apart:
            _assign_numbers(unnumbered, explicit)
        now = timezone.now()
        if fresh and copy_supported():
            _copy_cases_and_events(fresh, now)
        elif fresh:
            _create_cases_and_events(fresh, now)
    return len(fresh), len(rows) - len(fresh)


class FileKeys:
    """The numbers and references of the file's rows so far. A row repeating one that an
    earlier row holds is a duplicate, found before writing so that batches written side by
    side never share one; `numbers` are what the day's sequences must skip."""

    def __init__(self):
        self.numbers: set[str] = set()
        self.numbered: list[str] = []  # the same numbers in file order
        self.refs: set[str] = set()

    def repeats(self, number: str, ref: str) -> bool:
        """Does an earlier row hold this number or reference? If not, remember both."""
        if (number and number in self.numbers) or (ref and ref in self.refs):
            return True
        if number:
            self.numbers.add(number)
            self.numbered.append(number)
        if ref:
            self.refs.add(ref)
        return False


def import_in_turn(
    path: Path, report: ImportReport, default_region: Region | None, batch_size: int, dry_run: bool
) -> None:
    """Read, check and write the file in this process, batch after batch."""
    header, records = read_records(path)
    checker = RowChecker(header, Resolver(default_region))
    keys = FileKeys()
    batch: list[Row] = []

    def flush() -> None:
        if dry_run:
            report.imported += len(batch)
            return
        imported, duplicates = write_batch(batch, explicit=keys.numbers)
        report.imported += imported
        report.duplicates += duplicates

    try:
        for row in checker.rows(records, report.rejected):
            if keys.repeats(row.number, row.external_ref):
                report.duplicates += 1
                continue
            batch.append(row)
            if len(batch) >= batch_size:
                flush()
                batch = []
        if batch:
            flush()
    except DatabaseError as exc:
        raise ImportStopped(exc, report) from exc


def write_rejects(report: ImportReport, handle: io.TextIOBase) -> None:
    writer = csv.writer(handle)
    writer.writerow(["line", "reasons"])
    for line, reasons in report.rejected:
        writer.writerow([line, "; ".join(reasons)])
