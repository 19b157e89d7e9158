"""bench.scale_report: the scaling table of `make bench-scale` from the per-size results."""

import json

from bench import scale_report


def _results(cases: int, inbox: float, sweep: float, surfaces: list[tuple[str, str, float, str]]):
    return {
        "workloads": {
            "db_size": {
                "bytes": cases * 4 * 2**30 // 1_000_000,
                "bytes_per_million_cases": 4 * 2**30,
            },
            "latency": {"inbox page": {"p95_ms": inbox}, "API case list": {"p95_ms": 20.0}},
            "surfaces": {
                "rows": [
                    {"route": r, "role": role, "p95_ms": p95, "met": met}
                    for r, role, p95, met in surfaces
                ]
            },
            "sweep": {"ratio": sweep},
        }
    }


def test_each_figure_at_every_size_with_its_ratio_to_the_smallest(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(scale_report, "BENCH", tmp_path)
    (tmp_path / "scale-1000000.json").write_text(
        json.dumps(
            _results(
                1_000_000,
                30.0,
                0.7,
                [
                    ("cases:unit_case", "handler", 20.0, "yes"),
                    ("cases:inbox", "handler", 30.0, "yes"),
                ],
            )
        )
    )
    (tmp_path / "scale-10000000.json").write_text(
        json.dumps(
            _results(
                10_000_000,
                42.0,
                0.9,
                [
                    ("cases:unit_case", "handler", 25.0, "yes"),
                    ("cases:inbox", "handler", 60.0, "NO"),
                ],
            )
        )
    )

    assert scale_report.main([1_000_000, 3_000_000, 10_000_000]) == 0

    table = (tmp_path / "scale.md").read_text()
    lines = {line.split(" | ")[0].strip("| "): line for line in table.splitlines()}
    assert "| 1,000,000 | 10,000,000 | 10,000,000 / 1,000,000 |" in table  # 3M: no results
    assert lines["inbox page p95, ms"].startswith("| inbox page p95, ms | 30 | 42 | 1.40× |")
    assert lines["case page (unit) p95, ms"].startswith(
        "| case page (unit) p95, ms | 20 | 25 | 1.25× |"
    )
    assert lines["surfaces under their target"].startswith(
        "| surfaces under their target | 2 | 1 |"
    )
    assert lines["database, GiB"].startswith("| database, GiB | 4 | 40 | 10.00× |")
    assert "sweep / its SQL | 0.7 | 0.9 |" in table


def test_no_results_is_said_plainly(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(scale_report, "BENCH", tmp_path)
    assert scale_report.main([1_000_000]) == 1
    assert "make bench-scale" in capsys.readouterr().out
    assert not (tmp_path / "scale.md").exists()
