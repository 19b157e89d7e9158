"""import_cases: civic's columns, the public dataset's columns, XLSX, bad rows, re-imports."""

import csv
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from cases.models import Case, CaseEvent

pytestmark = pytest.mark.django_db
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
