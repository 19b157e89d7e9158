"""The router's honest evaluation (docs/router.md, "Measured figures"): near-duplicate groups,
grouped nested cross-validation, time splits, calibration and the confidence threshold.

Why groups: the board holds the same complaint posted twice, rewritten, or one form letter sent
about several sites. A random split puts one copy in training and the other in test, and the
test then measures memory, not routing. Every split here keeps a near-duplicate group on one
side. Everything is deterministic under `classifier.SEED`; `prepare()` runs once per text.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import product
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold

from civic import text as T

from . import classifier as M

# Cosine of character 2–3-gram TF-IDF (title + body, normalised). Read from samples of the
# nearest pairs (docs/router.md): at ≥ 0.45 nearly every pair is the same complaint reposted or
# rewritten; 0.25–0.45 is mostly the same event told again (same company, same kindergarten,
# same letter about another site); below 0.25 about half the pairs only share a topic (two
# vaccine questions), which is what a fresh message does and must stay allowed across folds.
# Groups stay small at 0.25 (largest 7 texts), so the stricter choice costs nothing.
NEAR_DUPLICATE_THRESHOLD = 0.25
OUTER_FOLDS = 5
INNER_FOLDS = 3
# Small on purpose (CPU): the SVC's C and the keyword block's weight. Both only change the
# classifier on top of the same fitted features, so the inner search fits the features once
# per inner split and the candidates reuse them.
GRID: tuple[dict[str, float], ...] = tuple(
    {"C": c, "keyword_scale": k} for c, k in product((0.5, 1.0), (0.25, 0.5))
)
THRESHOLDS_SHOWN = (0.5, 0.6, 0.7, 0.8, 0.9)
TARGET_ACCURACY = 0.95
TRAIN_FILE = "complaints_train.csv"
LABELLED_FILE = "complaints_labelled.csv"


# --- data -------------------------------------------------------------------------------------


@dataclass
class Dataset:
    """Labelled examples with where they come from and, for complaints_train.csv, when."""

    examples: list[M.Example]
    source: np.ndarray  # TRAIN_FILE or LABELLED_FILE per example
    dates: list[datetime | None]

    @property
    def labels(self) -> np.ndarray:
        return np.array([e.label for e in self.examples])

    def subset(self, index: Sequence[int]) -> Dataset:
        return Dataset(
            [self.examples[i] for i in index],
            self.source[list(index)],
            [self.dates[i] for i in index],
        )


def _date(value: str | None) -> datetime | None:
    value = (value or "").strip()
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def load_dataset(data_dir=None) -> Dataset:
    """The examples of `classifier.default_examples()`, in the same order, with source and date.

    Only complaints_train.csv carries 留言时间; the labelled file's sources dropped it."""
    examples = M.default_examples(data_dir)
    data_dir = data_dir or T.DATA_DIR
    dated = {}
    for row in T.read_table(data_dir / TRAIN_FILE):
        key = M.example_key(row.get("留言主题"), row.get("留言详情"))
        dated.setdefault(key, _date(row.get("留言时间")))
    train_keys = {M.example_key(e.title, e.description) for e in M.examples_from_file(
        data_dir / TRAIN_FILE)}  # fmt: skip
    keys = [M.example_key(e.title, e.description) for e in examples]
    source = np.array([TRAIN_FILE if k in train_keys else LABELLED_FILE for k in keys])
    dates = [dated.get(k) if s == TRAIN_FILE else None for k, s in zip(keys, source, strict=True)]
    return Dataset(examples, source, dates)


# --- near-duplicate groups --------------------------------------------------------------------


def near_duplicate_groups(
    examples: Sequence[M.Example], threshold: float = NEAR_DUPLICATE_THRESHOLD
) -> np.ndarray:
    """A group id per example: texts at least `threshold` similar are joined (union-find), so
    a chain a~b~c is one group even when a and c differ more."""
    texts = [f"{T.normalise(e.title)} {T.normalise(e.description)}" for e in examples]
    vectors = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True)
    matrix = vectors.fit_transform(texts)
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, neighbours in enumerate(T.cosine_neighbours(matrix, threshold)):
        for j in neighbours:
            a, b = root(i), root(int(j))
            if a != b:
                parent[max(a, b)] = min(a, b)
    roots = [root(i) for i in range(len(texts))]
    ids = {r: k for k, r in enumerate(dict.fromkeys(roots))}
    return np.array([ids[r] for r in roots])


def group_summary(groups: np.ndarray, threshold: float) -> dict[str, Any]:
    sizes = Counter(groups.tolist())
    multi = [s for s in sizes.values() if s > 1]
    return {
        "threshold": threshold,
        "similarity": "cosine of character 2–3-gram TF-IDF of normalised title + body",
        "texts": len(groups),
        "groups": len(sizes),
        "multi_text_groups": len(multi),
        "texts_in_multi_text_groups": int(sum(multi)),
        "largest_group": max(sizes.values()) if sizes else 0,
    }


def grouped_folds(y, groups, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y, groups))


# --- nested cross-validation ------------------------------------------------------------------


def _keyword_columns(features) -> slice:
    """Where the keyword block's columns sit in the fitted FeatureUnion's output."""
    start = 0
    for name, block in features.transformer_list:
        width = len(block.labels_) if name == "keywords" else len(block.vocabulary_)
        if name == "keywords":
            return slice(start, start + width)
        start += width
    raise ValueError("the pipeline has no keyword block")


def inner_search(
    docs: Sequence[str],
    y: np.ndarray,
    groups: np.ndarray,
    grid: Sequence[dict[str, float]],
    folds: int,
    seed: int = M.SEED,
) -> tuple[dict[str, float], list[float]]:
    """Mean macro-F1 of each candidate over grouped inner folds; the best one (first on ties).

    Each inner split fits the features once (keyword weight 1) and scales the keyword columns
    per candidate: the same numbers `RouterClassifier(C=…, keyword_scale=…)` would compute."""
    scores = np.zeros((len(grid), folds))
    for k, (a, b) in enumerate(grouped_folds(y, groups, folds, seed)):
        base = M.RouterClassifier(seed=seed)
        train_docs, train_y = base.training_set([docs[i] for i in a], y[a])
        features = M.build_features(keyword_scale=1.0)
        train_x = features.fit_transform(train_docs, train_y).tocsc()
        test_x = features.transform([docs[i] for i in b]).tocsc()
        cols = _keyword_columns(features)
        for c, candidate in enumerate(grid):
            tr, te = train_x.copy(), test_x.copy()
            for m in (tr, te):
                m[:, cols] = m[:, cols] * candidate["keyword_scale"]
            clf = M.build_classifier(seed, M.calibration_folds(train_y), C=candidate["C"])
            clf.fit(tr.tocsr(), train_y)
            scores[c, k] = f1_score(y[b], clf.predict(te.tocsr()), average="macro")
    means = scores.mean(axis=1)
    return dict(grid[int(np.argmax(means))]), [float(s) for s in means]


@dataclass
class NestedResult:
    folds: list[tuple[np.ndarray, np.ndarray]]
    fold_scores: list[float]
    chosen: list[dict[str, float]]
    inner_scores: list[list[float]]
    proba: np.ndarray  # out-of-fold probabilities, columns = classes
    classes: np.ndarray


def nested_cv(
    docs: Sequence[str],
    y: np.ndarray,
    groups: np.ndarray,
    *,
    grid: Sequence[dict[str, float]] = GRID,
    outer_folds: int = OUTER_FOLDS,
    inner_folds: int = INNER_FOLDS,
    seed: int = M.SEED,
    jobs: int = 1,
    log: Callable[[str], None] | None = None,
) -> NestedResult:
    """Outer grouped folds; inside each outer training part a grouped inner search picks the
    settings, then a model with them is fitted on the whole outer training part."""
    classes = np.unique(y)
    folds = grouped_folds(y, groups, outer_folds, seed)
    # Folds are independent: with jobs=2 two run at once (same numbers, half the wall time).
    fits = Parallel(n_jobs=jobs)(
        delayed(_outer_fold)(docs, y, groups, train, test, grid, inner_folds, seed)
        for train, test in folds
    )
    proba = np.zeros((len(y), len(classes)))
    result = NestedResult(folds, [], [], [], proba, classes)
    for k, ((_, test), (chosen, inner, fold_classes, fold_proba)) in enumerate(
        zip(folds, fits, strict=True)
    ):
        proba[np.ix_(test, np.searchsorted(classes, fold_classes))] = fold_proba
        pred = fold_classes[fold_proba.argmax(axis=1)]
        score = float(f1_score(y[test], pred, average="macro"))
        result.fold_scores.append(score)
        result.chosen.append(chosen)
        result.inner_scores.append(inner)
        if log:
            log(f"  outer fold {k + 1}: macro-F1 {score:.4f} with {chosen}")
    return result


def _outer_fold(docs, y, groups, train, test, grid, inner_folds, seed):
    chosen, inner = (
        inner_search([docs[i] for i in train], y[train], groups[train], grid, inner_folds, seed)
        if len(grid) > 1
        else (dict(grid[0]), [])
    )
    est = M.RouterClassifier(seed=seed, **chosen).fit([docs[i] for i in train], y[train])
    return chosen, inner, est.classes_, est.predict_proba([docs[i] for i in test])


# --- calibration and the threshold ------------------------------------------------------------


def reliability(confidence, correct, bins: int = 10) -> tuple[float, list[dict[str, Any]]]:
    """Expected calibration error over equal-width confidence bins, and the table behind it.

    Bin b holds confidences in (b/bins, (b+1)/bins] (the first bin includes 0); ECE is the sum
    over bins of (share of cases) × |accuracy − mean confidence|."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        inside = index == b
        n = int(inside.sum())
        row = {"bin": f"{b / bins:.1f}–{(b + 1) / bins:.1f}", "count": n}
        if n:
            row["mean_confidence"] = float(confidence[inside].mean())
            row["accuracy"] = float(correct[inside].mean())
            ece += n / len(confidence) * abs(row["accuracy"] - row["mean_confidence"])
        else:
            row["mean_confidence"] = row["accuracy"] = None
        table.append(row)
    return float(ece), table


def coverage_at(confidence, correct, threshold: float) -> dict[str, Any]:
    """Share of cases whose confidence reaches `threshold`, and how often those are right."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    shown = confidence >= threshold
    return {
        "threshold": round(float(threshold), 2),
        "coverage": float(shown.mean()),
        "accuracy": float(correct[shown].mean()) if shown.any() else None,
        "suggested": int(shown.sum()),
    }


def choose_threshold(confidence, correct, target: float = TARGET_ACCURACY) -> float:
    """The lowest threshold on a 0.01 grid at which the suggestions shown are at least `target`
    accurate: the most suggestions for the accuracy asked."""
    for t in np.round(np.arange(0.0, 1.0, 0.01), 2):
        row = coverage_at(confidence, correct, t)
        if row["accuracy"] is not None and row["accuracy"] >= target:
            return float(t)
    return 1.0


def per_class(y, pred, classes) -> dict[str, dict[str, float]]:
    p, r, f, n = precision_recall_fscore_support(y, pred, labels=classes, zero_division=0)
    return {
        str(c): {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "n": int(n[i])}
        for i, c in enumerate(classes)
    }


# --- time split -------------------------------------------------------------------------------


def time_split(
    docs: Sequence[str],
    y: np.ndarray,
    dates: Sequence[datetime | None],
    groups: np.ndarray,
    *,
    test_share: float = 0.25,
    settings: dict[str, float] | None = None,
    seed: int = M.SEED,
) -> dict[str, Any]:
    """Test on the dated messages from a cut date on (the latest `test_share` of them).

    `all`: train on every undated message + the dated ones before the cut; `dated_only`: train on
    the dated ones before the cut. Training texts sharing a near-duplicate group with a test text
    are left out of training."""
    dated = np.array([d is not None for d in dates])
    when = sorted(d for d in dates if d is not None)
    cut = when[int(len(when) * (1 - test_share))]
    test = np.array([d is not None and d >= cut for d in dates])
    test_groups = set(groups[test].tolist())
    clean = np.array([g not in test_groups for g in groups])
    out: dict[str, Any] = {"cut": cut.date().isoformat(), "dated_texts": int(dated.sum())}
    for name, train in (("all", ~test & clean), ("dated_only", dated & ~test & clean)):
        est = M.RouterClassifier(seed=seed, **(settings or {})).fit(
            [docs[i] for i in np.flatnonzero(train)], y[train]
        )
        pred = est.predict([docs[i] for i in np.flatnonzero(test)])
        out[name] = {
            "n_train": int(train.sum()),
            "n_test": int(test.sum()),
            "macro_f1": float(f1_score(y[test], pred, average="macro")),
            "accuracy": float((pred == y[test]).mean()),
        }
    return out


# --- everything -------------------------------------------------------------------------------


def quick_subset(data: Dataset, size: int, seed: int = M.SEED) -> Dataset:
    """A stratified sample of about `size` texts, a third of them from complaints_train.csv so
    that the time split and the original-sample score still have rows to work on."""
    rng = np.random.default_rng(seed)
    y = data.labels
    picked: list[int] = []
    for name, share in ((TRAIN_FILE, size // 3), (LABELLED_FILE, size - size // 3)):
        rows = np.flatnonzero(data.source == name)
        for label in np.unique(y[rows]):
            mine = rows[y[rows] == label]
            n = min(len(mine), max(4, round(share * len(mine) / len(rows))))
            picked += rng.choice(mine, size=n, replace=False).tolist()
    return data.subset(sorted(picked))


def run(
    data: Dataset,
    *,
    quick: bool = False,
    seed: int = M.SEED,
    jobs: int = 1,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Every figure of docs/router.md's measured section except timing, as one dict."""
    if quick:
        data = quick_subset(data, 420, seed)
    outer, inner = (3, 2) if quick else (OUTER_FOLDS, INNER_FOLDS)
    grid = GRID[:2] if quick else GRID
    say = log or (lambda _msg: None)
    y = data.labels
    started = time.perf_counter()
    docs = [M.prepare(e.title, e.description) for e in data.examples]
    say(f"prepared {len(docs)} texts in {time.perf_counter() - started:.1f} s")
    groups = near_duplicate_groups(data.examples)
    report: dict[str, Any] = {
        "quick": quick,
        "seed": seed,
        "data": {
            "texts": len(docs),
            "by_source": {str(k): int(v) for k, v in sorted(Counter(data.source).items())},
            "by_class": {str(k): int(v) for k, v in sorted(Counter(y).items())},
        },
        "groups": group_summary(groups, NEAR_DUPLICATE_THRESHOLD),
    }
    say(f"near-duplicate groups: {report['groups']}")

    nested = nested_cv(
        docs,
        y,
        groups,
        grid=grid,
        outer_folds=outer,
        inner_folds=inner,
        seed=seed,
        jobs=jobs,
        log=say,
    )
    pred = nested.classes[nested.proba.argmax(axis=1)]
    confidence = nested.proba.max(axis=1)
    correct = pred == y
    original = data.source == TRAIN_FILE
    original_by_fold = [
        float(f1_score(y[te][original[te]], pred[te][original[te]], average="macro"))
        for _, te in nested.folds
        if original[te].any()
    ]
    report["nested_cv"] = {
        "outer_folds": outer,
        "inner_folds": inner,
        "grid": [dict(g) for g in grid],
        "folds": [
            {
                "fold": k + 1,
                "n_train": len(tr),
                "n_test": len(te),
                "macro_f1": score,
                "chosen": chosen,
                "inner_scores": inner_scores,
            }
            for k, ((tr, te), score, chosen, inner_scores) in enumerate(
                zip(
                    nested.folds,
                    nested.fold_scores,
                    nested.chosen,
                    nested.inner_scores,
                    strict=True,
                )
            )
        ],
        "macro_f1_mean": float(np.mean(nested.fold_scores)),
        "macro_f1_sd": float(np.std(nested.fold_scores)),
        "pooled_macro_f1": float(f1_score(y, pred, average="macro")),
        "accuracy": float(correct.mean()),
        "original_sample": {
            "n": int(original.sum()),
            "macro_f1": float(f1_score(y[original], pred[original], average="macro"))
            if original.any()
            else None,
            "by_fold": original_by_fold,
        },
    }
    report["per_class"] = per_class(y, pred, nested.classes)
    ece, table = reliability(confidence, correct)
    chosen_threshold = choose_threshold(confidence, correct)
    report["calibration"] = {"ece": ece, "bins": table}
    report["threshold"] = {
        "rule": f"lowest threshold (0.01 steps) whose shown suggestions are ≥ {TARGET_ACCURACY:.0%}"
        " accurate on the outer-fold predictions",
        "chosen": chosen_threshold,
        "at_chosen": coverage_at(confidence, correct, chosen_threshold),
        "table": [coverage_at(confidence, correct, t) for t in THRESHOLDS_SHOWN],
    }
    # The settings the outer folds chose most often (the first in grid order on a tie) are the
    # ones to ship; the classifier's defaults should equal them (checked in the report).
    order = [tuple(sorted(g.items())) for g in grid]
    votes = Counter(tuple(sorted(c.items())) for c in nested.chosen)
    final = dict(min(votes, key=lambda k: (-votes[k], order.index(k))))
    defaults = {"C": M.DEFAULT_C, "keyword_scale": M.KEYWORD_SCALE}
    report["settings"] = {"chosen_most_often": final, "classifier_defaults": defaults}
    say("time split …")
    report["time_split"] = time_split(docs, y, data.dates, groups, settings=final, seed=seed)
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report
