"""manage.py reply_quality_measure on a small file of real-style rows."""

import csv

import pytest
from django.core.management import CommandError, call_command

from reply_quality.measurement import FIGURES_END, FIGURES_START

ROWS = [
    (
        "多福巷路面塌陷",
        "多福巷门口路面塌陷一个大坑。",
        "网友您好！留言已收悉。",
        "2019/5/9 9:49:10",
    ),
    ("幸福路路灯不亮", "幸福路东段路灯一个月不亮。", "网友您好！留言已收悉。", "2019/5/9 9:50:10"),
    (
        "学校周边占道经营",
        "学校门口小摊占道经营，影响学生通行。",
        "您好！关于学校周边占道经营问题，街道城管执法队于5月6日到现场清理了占道摊点，"
        "下一步将加强巡查。",
        "2019/5/10 10:00:00",
    ),
]


def _write(path, rows):
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["留言编号", "留言主题", "留言详情", "答复意见", "答复时间"])
        for i, row in enumerate(rows, start=1):
            writer.writerow([i, *row])


def test_measure_writes_distributions_flags_and_extremes(tmp_path):
    source, out = tmp_path / "replies.csv", tmp_path / "doc.md"
    _write(source, ROWS)
    out.write_text(
        f"# Doc\n\nprose\n\n{FIGURES_START}\nOLD-FIGURES\n{FIGURES_END}\n\nafter\n", "utf-8"
    )
    call_command("reply_quality_measure", file=str(source), out=str(out))
    text = out.read_text("utf-8")
    assert text.startswith("# Doc\n\nprose") and text.rstrip().endswith("after")
    assert "OLD-FIGURES" not in text
    assert "### Quantiles" in text and "### Share flagged at the current thresholds" in text
    # The two acknowledgements are identical replies to different complaints: boilerplate.
    assert "| boilerplate | similarity ≥ 0.9 | 2 | 66.7% |" in text
    worst = text.split("lowest combined score")[1]
    assert worst.index("留言已收悉") < worst.index("占道摊点")


def test_measure_refuses_a_file_without_the_columns(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("a,b\n1,2\n", "utf-8")
    with pytest.raises(CommandError):
        call_command("reply_quality_measure", file=str(source), out=str(tmp_path / "x.md"))
