"""import_cases: civic's columns, the public dataset's columns, XLSX, bad rows, re-imports."""

import csv
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from cases.models import Case, CaseEvent

# Committed data: on PostgreSQL the importer's writer threads read it over their own connections.
pytestmark = pytest.mark.django_db(transaction=True)
DATA = Path(__file__).resolve().parents[1] / "data"


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fields = list(dict.fromkeys(k for r in rows for k in r))
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def row(world, **extra):
    base = {
        "received_at": "2026-03-02 09:30:00",
        "category": world.department_category.code,
        "region": world.community.code,
        "title": "路灯不亮",
        "description": "小区路灯坏了",
        "channel": "hotline",
        "kind": "complaint",
        "status": "closed",
        "reporter_phone": "13800000000",
    }
    base.update(extra)
    return base


def test_good_and_bad_rows(world, tmp_path, capsys):
    rows = [
        row(world),
        row(world, title="", description=""),
        row(world, category="NOPE"),
        row(world, received_at="yesterday"),
        row(world, kind="rant"),
        row(world, lat="99", lng="116"),
        row(world, number="2026030299999"),
    ]
    path = write_csv(tmp_path / "cases.csv", rows)
    rejects = tmp_path / "rejects.csv"
    call_command("import_cases", str(path), "--rejects", str(rejects))
    out, err = capsys.readouterr()
    assert "imported 2" in out and "rejected 5" in out
    assert "line 3: title is empty" in err and "line 4: unknown category" in err
    assert Case.objects.count() == 2
    assert Case.objects.get(number="2026030299999").status == "closed"
    assert CaseEvent.objects.filter(action="import").count() == 2
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "line,reasons" and len(lines) == 6
    # Numbers come from the day's sequence.
    assert Case.objects.exclude(number="2026030299999").get().number.startswith("20260302")
    # Nobody was given a code for a historical case: no code opens it.
    from cases import services

    for case in Case.objects.all():
        for code in ("", "!", "ABCD2345"):
            assert not services.access_code_matches(case, code)
    # Every imported field landed (COPY on PostgreSQL, bulk_create elsewhere).
    imported = Case.objects.get(number="2026030299999")
    assert (imported.title, imported.reporter_phone, imported.channel) == (
        "路灯不亮",
        "13800000000",
        "hotline",
    )
    assert imported.category == world.department_category and imported.region == world.community
    assert not imported.anonymous and imported.outcome == "resolved"
    event = CaseEvent.objects.get(case=imported)
    assert event.to_status == "closed" and event.data["received_at"].startswith("2026-03-02")


def test_reimport_skips_duplicates(world, tmp_path, capsys):
    path = write_csv(
        tmp_path / "cases.csv", [row(world, number="2026030200001"), row(world, external_ref="X-1")]
    )
    call_command("import_cases", str(path))
    call_command("import_cases", str(path))
    assert "duplicates skipped 2" in capsys.readouterr().out
    assert Case.objects.count() == 2


def test_numbers_on_the_sequence_are_skipped_and_external_refs_deduplicated(
    world, tmp_path, capsys
):
    # An earlier import holds 2026030200001 (a historical number given in its file), and the
    # day's counter has not moved: the next numberless row must not be given that number.
    first = write_csv(tmp_path / "first.csv", [row(world, number="2026030200001")])
    call_command("import_cases", str(first))
    rows = [
        row(world, external_ref="R-1"),
        row(world, external_ref="R-2"),
        row(world, external_ref="R-1"),  # the same reference twice in one file
        row(world),
    ]
    call_command("import_cases", str(write_csv(tmp_path / "second.csv", rows)))
    assert "duplicates skipped 1" in capsys.readouterr().out
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers == [
        "2026030200001",
        "2026030200002",
        "2026030200003",
        "2026030200004",
    ]
    assert sorted(Case.objects.exclude(external_ref="").values_list("external_ref", flat=True)) == [
        "R-1",
        "R-2",
    ]


def test_public_dataset_columns(world, capsys):
    call_command("import_cases", str(DATA / "public_sample.csv"), "--region", world.community.code)
    out = capsys.readouterr().out
    # The fixture's first-level labels must exist as categories: world has only 城乡建设.
    imported = Case.objects.count()
    assert imported >= 1 and f"imported {imported}" in out
    case = Case.objects.first()
    assert case.external_ref and case.category.parent.parent.name == "城乡建设"


def test_xlsx(world, tmp_path, capsys):
    wb = Workbook()
    ws = wb.active
    data = row(world)
    ws.append(list(data))
    ws.append(list(data.values()))
    path = tmp_path / "cases.xlsx"
    wb.save(path)
    call_command("import_cases", str(path))
    assert Case.objects.count() == 1


def test_dry_run_writes_nothing_and_bad_paths_are_clear(world, tmp_path, capsys):
    path = write_csv(tmp_path / "cases.csv", [row(world)])
    call_command("import_cases", str(path), "--dry-run")
    assert "would import 1" in capsys.readouterr().out and Case.objects.count() == 0
    with pytest.raises(CommandError):
        call_command("import_cases", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError):
        call_command("import_cases", str(path), "--region", "nowhere")


def test_a_number_or_reference_repeated_in_the_file_is_a_duplicate(world, tmp_path, capsys):
    rows = [
        row(world, number="2026030200007"),
        row(world, number="2026030200007", title="又一次"),
        row(world, external_ref="R-9", number="2026030200008"),
        # Its number is new, its reference is not: an earlier row holds it.
        row(world, external_ref="R-9", number="2026030200009"),
    ]
    call_command("import_cases", str(write_csv(tmp_path / "cases.csv", rows)))
    assert "imported 2, duplicates skipped 2" in capsys.readouterr().out
    assert sorted(Case.objects.values_list("number", flat=True)) == [
        "2026030200007",
        "2026030200008",
    ]
    assert Case.objects.get(number="2026030200007").title == "路灯不亮"


def test_ragged_rows_blank_lines_and_nul_characters_are_read_as_a_spreadsheet_would(
    world, tmp_path, capsys
):
    header = ["received_at", "category", "region", "title", "description", "status"]
    good = ["2026-03-02 09:30", world.department_category.code, world.community.code]
    lines = [
        ",".join(header),
        ",".join([*good, "路灯\x00不亮", "小区路灯坏了", "closed"]),
        "",  # a blank line
        ",".join([*good, "井盖丢失", "井盖不见了", "closed", "extra", "fields"]),
        ",".join([*good, "缺少状态", "最后一列没有"]),  # the status column is missing
        ",".join([*good, "", ""]),  # too short to hold a title or description
    ]
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command("import_cases", str(path))
    out, err = capsys.readouterr()
    assert "imported 3, duplicates skipped 0, rejected 1" in out
    assert "line 6: title is empty; description is empty" in err
    assert set(Case.objects.values_list("title", "status")) == {
        ("路灯不亮", "closed"),
        ("井盖丢失", "closed"),
        ("缺少状态", "received"),
    }


def test_quoted_fields_may_span_lines_and_hold_tabs_and_backslashes(world, tmp_path):
    description = '第一段\n第二段\t带制表符 C:\\路径 "引号"\r\n第三段'
    path = write_csv(tmp_path / "cases.csv", [row(world, description=description)])
    call_command("import_cases", str(path))
    # Stored exactly as written (whatever a COPY format does with these), the ends trimmed.
    assert Case.objects.get().description == description


@pytest.mark.postgres  # elsewhere both imports take the ORM path
def test_the_copy_and_orm_writers_store_the_same_cases(world, tmp_path, monkeypatch):
    """On PostgreSQL batches go through a binary COPY (rows built by the importer), elsewhere
    through bulk_create; both must store the same values."""
    from cases.importing import rows as importing

    rows = [
        row(world, reporter_phone="", status="received", lat="39.9", lng="116.4"),
        row(world, description="多行\n描述\t\\", address="东城区\\1号", urgency="general"),
    ]
    first = write_csv(
        tmp_path / "a.csv", [dict(r, external_ref=f"A-{i}") for i, r in enumerate(rows)]
    )
    second = write_csv(
        tmp_path / "b.csv", [dict(r, external_ref=f"B-{i}") for i, r in enumerate(rows)]
    )
    call_command("import_cases", str(first), "--workers", "0")
    monkeypatch.setattr(importing, "copy_supported", lambda: False)
    call_command("import_cases", str(second), "--workers", "0")
    skip = {"id", "number", "external_ref", "updated_at"}
    fields = [f.attname for f in Case._meta.concrete_fields if f.attname not in skip]

    def stored(prefix):
        cases = Case.objects.filter(external_ref__startswith=prefix).order_by("external_ref")
        return [
            (
                [getattr(c, f) for f in fields],
                [(e.action, e.to_status, e.data) for e in c.events.all()],
            )
            for c in cases
        ]

    assert stored("A-") == stored("B-") and len(stored("A-")) == 2


@pytest.mark.postgres
def test_workers_write_batches_side_by_side_without_gaps_or_duplicates(world, tmp_path, capsys):
    rows = [
        row(world, received_at=f"2026-03-0{1 + i % 3} 09:{i % 60:02d}", external_ref=f"W-{i}")
        for i in range(1200)
    ]
    rows[700]["external_ref"] = "W-5"  # the same reference in another batch
    path = write_csv(tmp_path / "many.csv", rows)
    call_command("import_cases", str(path), "--workers", "2", "--batch-size", "100")
    assert "imported 1199, duplicates skipped 1" in capsys.readouterr().out
    assert Case.objects.count() == 1199
    assert CaseEvent.objects.filter(action="import").count() == 1199
    for day in ("20260301", "20260302", "20260303"):
        numbers = sorted(
            int(n[8:])
            for n in Case.objects.filter(number__startswith=day).values_list("number", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1))  # each day's sequence, no gap
    call_command("import_cases", str(path), "--workers", "2", "--batch-size", "100")
    assert "imported 0, duplicates skipped 1200" in capsys.readouterr().out


@pytest.mark.parametrize("per_batch", [True, False], ids=["keys-per-batch", "keys-per-row"])
@pytest.mark.parametrize("workers", [0, pytest.param(2, marks=pytest.mark.postgres)])
def test_a_batch_that_cannot_be_written_stops_the_import_and_keeps_the_earlier_ones(
    world, tmp_path, workers, per_batch, settings
):
    from django.db import connection

    from cases.importing import ImportStopped, import_file
    from civic.models import Region
    from tests.factories import RegionFactory

    settings.IMPORT_CHECK_KEYS_PER_BATCH = per_batch
    # The default region is gone by the time the rows that need it are written (deleted
    # meanwhile, as by an administrator): that batch fails on its foreign key, checked once
    # for the batch or (per row) at commit.
    gone = RegionFactory(level="community", parent=world.community.parent)
    Region.objects.filter(pk=gone.pk).delete()
    with_region = [row(world, external_ref=f"K-{i}") for i in range(3)]
    without = [dict(row(world, external_ref=f"X-{i}"), region="") for i in range(3)]
    path = write_csv(tmp_path / "cases.csv", with_region + without)
    with pytest.raises(ImportStopped) as stopped:
        import_file(path, default_region=gone, batch_size=3, workers=workers)
    assert stopped.value.report.imported == 3
    if connection.vendor == "postgresql":
        checked_by_batch = "a row the batch refers to does not exist" in str(stopped.value)
        assert checked_by_batch == per_batch
    assert sorted(Case.objects.values_list("external_ref", flat=True)) == ["K-0", "K-1", "K-2"]
    assert CaseEvent.objects.count() == 3


def test_workers_need_postgresql(world, tmp_path, settings):
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("SQLite only: PostgreSQL takes the workers")
    path = write_csv(tmp_path / "cases.csv", [row(world)])
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("import_cases", str(path), "--workers", "2")
    assert Case.objects.count() == 0


@pytest.mark.postgres
def test_keys_checked_per_batch_leave_the_checks_on_for_the_rest_of_the_transaction(
    world, tmp_path
):
    from django.db import IntegrityError, connection, transaction

    from cases.importing import import_file

    path = write_csv(tmp_path / "cases.csv", [row(world, external_ref="T-1")])
    with transaction.atomic():
        assert import_file(path).imported == 1
        with connection.cursor() as cursor:
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"
        case = Case.objects.get()
        with pytest.raises(IntegrityError), transaction.atomic():
            Case.objects.filter(pk=case.pk).update(region_id=-1)
            connection.check_constraints()  # the deferred check, now
    assert Case.objects.get().region_id == world.community.pk


@pytest.mark.postgres
def test_a_role_that_may_not_skip_the_triggers_imports_with_them(world, tmp_path):
    """session_replication_role needs a superuser (or GRANT SET ON PARAMETER): without it
    the import falls back to PostgreSQL's per-row checks and stores the same rows."""
    import os

    from django.db import DatabaseError, connection, transaction

    from cases.importing import import_file

    role = f"civic_test_importer_{os.getpid()}"
    path = write_csv(tmp_path / "cases.csv", [row(world, external_ref=f"R-{i}") for i in range(4)])
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        try:
            cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
            cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
            cursor.execute(f"SET ROLE {role}")
            with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
            report = import_file(path, batch_size=2)
        finally:
            cursor.execute("RESET ROLE")
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
    assert report.imported == 4
    assert sorted(Case.objects.values_list("external_ref", flat=True)) == [
        "R-0",
        "R-1",
        "R-2",
        "R-3",
    ]
    assert CaseEvent.objects.filter(action="import").count() == 4


@pytest.mark.postgres
def test_workers_read_a_misleading_file_as_one_pass_would(world, tmp_path):
    """Workers cut the file where the count of quotes is even; stray quotes in unquoted fields
    mislead that count (a cut inside a quoted field). What they store and report (rows,
    duplicates, rejects and their line numbers) is what one pass reads."""
    from django.db import connection

    from cases.importing import import_file
    from cases.importing.parallel import chunks, read_chunk

    header = "external_ref,received_at,category,region,title,description,channel,kind,status"
    lines = [header]
    for i in range(60):
        if i % 11 == 0:
            lines.append("")  # a blank line
        category = "NOPE" if i % 13 == 5 else world.department_category.code
        title = f'{i}号楼"路灯' if i % 7 == 0 else f"{i}号楼路灯"  # a quote mid-field: literal
        description = f'"第一行\r\n第二行 ""{i}"""' if i % 5 == 0 else f"描述{i}"
        ref = "R-3" if i == 30 else f"R-{i}"
        lines.append(
            f"{ref},2026-03-02 09:{i:02d},{category},{world.community.code},{title},"
            f"{description},hotline,complaint,closed"
        )
    lines.append(f'R-END,2026-03-02 10:00,{world.department_category.code},,末行,"没有结束的引号')
    path = tmp_path / "misleading.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    size = path.stat().st_size
    with path.open("rb") as handle:
        cuts = list(chunks(handle, 0, 3))
        misjudged = [end for start, end in cuts if read_chunk(handle, start, end, size)[1] != end]
    assert misjudged, "the file should mislead the count of quotes"

    def imported(workers):
        report = import_file(path, default_region=world.community, batch_size=3, workers=workers)
        cases = Case.objects.order_by("external_ref")
        stored = [
            (c.external_ref, c.title, c.description, c.received_at, c.category_id, c.status)
            for c in cases
        ]
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE cases_case, cases_caseevent CASCADE")
        return report.imported, report.duplicates, report.rejected, stored

    one_pass = imported(0)
    assert one_pass[0] == 60 - 5 + 1 - 1  # 5 unknown categories, R-END, R-3 again
    assert [line for line, _ in one_pass[2]][:2] == [10, 26]  # where those rows end
    assert imported(2) == one_pass
    assert imported(3) == one_pass


@pytest.mark.parametrize("workers", [0, pytest.param(2, marks=pytest.mark.postgres)])
def test_a_file_that_is_not_utf8_halfway_is_refused_clearly(world, tmp_path, workers):
    rows = [row(world, external_ref=f"G-{i}") for i in range(2)]
    path = write_csv(tmp_path / "cases.csv", rows)
    with path.open("ab") as fh:
        fh.write("G-9,2026-03-02 09:30,,,路灯,描述\n".encode("gbk"))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_cases", str(path), "--workers", str(workers), "--batch-size", "1")
    # Batches read before the error may be kept (each is whole); nothing after it.
    assert set(Case.objects.values_list("external_ref", flat=True)) <= {"G-0", "G-1"}


@pytest.mark.postgres
@pytest.mark.parametrize("failure", ["dies", "defect"])
def test_a_worker_that_dies_or_fails_stops_the_import_without_hanging(
    world, tmp_path, monkeypatch, failure
):
    import os

    from cases.importing import ImportStopped, import_file
    from cases.importing import parallel as parallel_import

    written = parallel_import.write_batch

    def write_batch(rows, **options):  # forked workers inherit the patch
        if any(r.external_ref == "D-7" for r in rows):
            if failure == "dies":
                os._exit(9)  # as if killed
            raise ZeroDivisionError("a defect")
        return written(rows, **options)

    monkeypatch.setattr(parallel_import, "write_batch", write_batch)
    path = write_csv(tmp_path / "cases.csv", [row(world, external_ref=f"D-{i}") for i in range(10)])
    expected = ImportStopped if failure == "dies" else RuntimeError
    with pytest.raises(expected, match="exited" if failure == "dies" else "a defect") as stopped:
        import_file(path, batch_size=2, workers=2)
    refs = set(Case.objects.values_list("external_ref", flat=True))
    assert {"D-6", "D-7"}.isdisjoint(refs)  # the failed batch wrote nothing
    if failure == "dies":
        assert stopped.value.report.imported == len(refs)


@pytest.mark.postgres
def test_a_header_with_a_stray_quote_is_read_in_one_pass(world, tmp_path, capsys):
    rows = [row(world, external_ref=f"H-{i}") for i in range(4)]
    path = write_csv(tmp_path / "cases.csv", rows)
    text = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(text[0].rstrip("\r") + ',备注"旧\r\n' + text[1], encoding="utf-8")
    call_command("import_cases", str(path), "--workers", "2", "--batch-size", "1")
    assert "imported 4, duplicates skipped 0, rejected 0" in capsys.readouterr().out
