"""The router's honest evaluation: near-duplicate groups, grouped nested CV, calibration figures,
the router_metrics command."""

import json

import numpy as np
import pytest
from django.core.management import call_command

from routing import classifier as M
from routing import evaluation as E
from tests.routing.test_router import fixture_examples

REPOST = M.Example(
    "出租车拒载严重，请管一管",
    "晚上打出租车经常被司机拒载，司机还绕路多收费，希望有关部门管一管",
    "交通运输",
)


def with_reposts() -> list[M.Example]:
    """The fixture plus a lightly edited copy of every third text (as people repost on the board)."""
    examples = fixture_examples()
    copies = [
        M.Example(e.title + "！", "您好，" + e.description + "，谢谢", e.label)
        for e in examples[::3]
    ]
    return examples + copies


def test_a_lightly_edited_copy_shares_its_original_group_and_unrelated_texts_do_not():
    examples = [*fixture_examples(), REPOST]
    groups = E.near_duplicate_groups(examples)
    original = next(i for i, e in enumerate(examples) if e.title == "出租车拒载严重")
    assert groups[original] == groups[-1]
    others = [g for i, g in enumerate(groups) if i not in (original, len(examples) - 1)]
    assert len(set(others)) == len(others)  # every other fixture text is a group of its own
    assert groups[original] not in others


def test_group_summary_counts_multi_text_groups():
    summary = E.group_summary(np.array([0, 0, 1, 2, 2, 2, 3]), 0.25)
    assert summary["groups"] == 4
    assert summary["multi_text_groups"] == 2
    assert summary["texts_in_multi_text_groups"] == 5
    assert summary["largest_group"] == 3


def test_nested_cv_never_puts_a_test_group_in_its_training_part():
    examples = with_reposts()
    y = np.array([e.label for e in examples])
    groups = E.near_duplicate_groups(examples)
    assert len(set(groups)) == len(fixture_examples())  # each copy joined its original
    docs = [M.prepare(e.title, e.description) for e in examples]
    result = E.nested_cv(docs, y, groups, grid=E.GRID[:2], outer_folds=3, inner_folds=2)
    assert len(result.folds) == 3
    seen = np.concatenate([test for _, test in result.folds])
    assert sorted(seen) == list(range(len(examples)))  # every text is tested exactly once
    for train, test in result.folds:
        assert not set(groups[train]) & set(groups[test])
        # the inner search splits the outer training part the same way
        for a, b in E.grouped_folds(y[train], groups[train], 2, M.SEED):
            assert not set(groups[train][a]) & set(groups[train][b])
    assert all(c in E.GRID[:2] for c in result.chosen)
    assert np.allclose(result.proba.sum(axis=1), 1)


def test_reliability_table_and_ece_equal_hand_computed_values():
    confidence = [0.95, 0.92, 0.85, 0.55, 0.45, 0.41]
    correct = [True, False, True, True, False, True]
    ece, table = E.reliability(confidence, correct)
    rows = {r["bin"]: r for r in table if r["count"]}
    assert set(rows) == {"0.4–0.5", "0.5–0.6", "0.8–0.9", "0.9–1.0"}
    assert rows["0.9–1.0"]["count"] == 2
    assert rows["0.9–1.0"]["mean_confidence"] == pytest.approx(0.935)
    assert rows["0.9–1.0"]["accuracy"] == pytest.approx(0.5)
    assert rows["0.4–0.5"]["mean_confidence"] == pytest.approx(0.43)
    assert rows["0.4–0.5"]["accuracy"] == pytest.approx(0.5)
    # (2·|0.5−0.935| + 1·|1−0.85| + 1·|1−0.55| + 2·|0.5−0.43|) / 6
    assert ece == pytest.approx((0.87 + 0.15 + 0.45 + 0.14) / 6)
    assert sum(r["count"] for r in table) == 6 and len(table) == 10


def test_threshold_is_the_lowest_that_reaches_the_accuracy_asked():
    confidence = [0.95, 0.92, 0.85, 0.75, 0.55, 0.45]
    correct = [True, True, True, True, False, False]
    assert E.coverage_at(confidence, correct, 0.5) == {
        "threshold": 0.5,
        "coverage": pytest.approx(5 / 6),
        "accuracy": pytest.approx(0.8),
        "suggested": 5,
    }
    # ≥ 0.56 shows the four right ones only: the lowest threshold with 100 % accuracy.
    assert E.choose_threshold(confidence, correct, target=0.95) == 0.56
    assert E.choose_threshold(confidence, correct, target=0.8) == 0.46
    assert E.coverage_at(confidence, correct, 0.99)["accuracy"] is None


def test_per_class_scores_from_predictions():
    got = E.per_class(["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    assert got["a"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "n": 2}
    assert got["b"]["precision"] == pytest.approx(2 / 3) and got["b"]["recall"] == 1.0


def test_default_examples_are_both_files_without_repeated_texts():
    examples = M.default_examples()
    keys = [M.example_key(e.title, e.description) for e in examples]
    assert len(keys) == len(set(keys))
    train = M.examples_from_file(M.T.DATA_DIR / "complaints_train.csv")
    train_keys = list(dict.fromkeys(M.example_key(e.title, e.description) for e in train))
    assert len(train_keys) == 394  # complaints_train.csv holds one text twice
    assert keys[: len(train_keys)] == train_keys
    assert len(examples) == 7059
    data = E.load_dataset()
    assert data.examples == examples
    assert (data.source == E.TRAIN_FILE).sum() == len(train_keys)
    assert all(
        (d is not None) == (s == E.TRAIN_FILE) for d, s in zip(data.dates, data.source, strict=True)
    )


def test_router_metrics_quick_writes_every_figure(tmp_path):
    out = tmp_path / "metrics.json"
    call_command("router_metrics", "--quick", "--output", str(out), verbosity=0)
    report = json.loads(out.read_text(encoding="utf-8"))
    assert {
        "data",
        "groups",
        "nested_cv",
        "per_class",
        "calibration",
        "threshold",
        "time_split",
        "settings",
        "artefact",
    } <= set(report)
    nested = report["nested_cv"]
    assert len(nested["folds"]) == nested["outer_folds"] == 3
    assert 0 <= nested["macro_f1_mean"] <= 1 and nested["original_sample"]["n"] > 0
    assert len(report["calibration"]["bins"]) == 10 and 0 <= report["calibration"]["ece"] <= 1
    assert [r["threshold"] for r in report["threshold"]["table"]] == [0.5, 0.6, 0.7, 0.8, 0.9]
    assert report["time_split"]["all"]["n_test"] > 0
    assert report["time_split"]["dated_only"]["n_train"] > 0
    assert report["artefact"]["artefact_bytes"] > 0 and report["artefact"]["load_seconds"] > 0
