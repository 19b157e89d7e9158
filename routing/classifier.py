"""Training, evaluation and the versioned artefact of the dispatch router (精准派单).

The model: a scikit-learn Pipeline — `Prepare` (normalise + jieba once per text) → a FeatureUnion
of jieba words, character 1–3-grams and a category-tree keyword-match feature → a calibrated
LinearSVC with balanced class weights (settings chosen by grouped nested CV, docs/router.md;
the measurement itself is routing/evaluation.py). `RouterClassifier` wraps it and adds the real
category names of the tree (二级/三级分类 under each first-level label) as pseudo-documents at
fit time, so the prior knowledge is learnt inside every cross-validation fold and never touches
the held-out texts. Every step is deterministic under a fixed seed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import classification_report, f1_score
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import LabelEncoder
from sklearn.svm import LinearSVC

from civic import text as T

SEED = 20200101
TITLE_WEIGHT = 5
# jieba is the slow step (~40k characters/s here); long bodies are segmented only up to this
# length. The character n-grams still see the whole body.
BODY_WORD_LIMIT = 600
# Model settings (docs/router.md, "Nested CV" and "What was tried and dropped": grouped CV on
# 7,059 texts). Word bigrams, character 4-grams, other title weights and body limits all landed
# within noise (±0.006) of these; character 4-grams doubled the vocabulary for nothing. C and
# the keyword weight are what the nested CV's inner search picks between (C 0.5 and 1.0 tied).
WORD_NGRAMS = (1, 1)
WORD_MIN_DF = 1
CHAR_NGRAMS = (1, 3)
DEFAULT_C = 0.5
KEYWORD_SCALE = 0.25
TRAINING_FILES = ("complaints_train.csv", "complaints_labelled.csv")
FORMAT = 1
SEP = "\t"


@dataclass(frozen=True)
class Example:
    title: str
    description: str
    label: str


# --- features -------------------------------------------------------------------------------


def prepare(title: str | None, description: str | None) -> str:
    """One text in the form the pipeline reads: "title \\t words \\t chars".

    Kept as a plain string so the pipeline accepts lists of strings and pickles without lambdas.
    """
    title_n = T.normalise(title).replace(SEP, " ")
    body_n = T.normalise(description).replace(SEP, " ")
    words = T.segment(title_n) * TITLE_WEIGHT + T.segment(body_n[:BODY_WORD_LIMIT])
    chars = " 。".join([title_n] * TITLE_WEIGHT + [body_n])
    return SEP.join([title_n, " ".join(words), chars])


def _words_part(doc: str) -> str:
    return doc.split(SEP)[1]


def _chars_part(doc: str) -> str:
    return doc.split(SEP)[2]


def _split_ws(doc: str) -> list[str]:
    return doc.split()


def keyword_lexicon(labels: Iterable[str] | None = None) -> dict[str, tuple[str, ...]]:
    """keyword → first-level labels, from the 二级/三级 names of the real category tree."""
    wanted = set(labels) if labels is not None else None
    lex: dict[str, set[str]] = {}
    for first, second, third in T.category_tree():
        if wanted is not None and first not in wanted:
            continue
        for name in (second, third):
            for part in re.split(r"[、/（）()和及与,，]", name):
                if len(part) >= 2 and part not in T.GENERIC_CATEGORY_WORDS:
                    lex.setdefault(part, set()).add(first)
    return {k: tuple(sorted(v)) for k, v in sorted(lex.items())}


class KeywordMatch(BaseEstimator, TransformerMixin):
    """log(1 + number of category-tree keywords of each first-level class found in the text).

    The lexicon is prior knowledge (the category names), built from the labels seen in `fit`;
    `scale` sets its weight against the TF-IDF blocks.
    """

    def __init__(self, scale: float = 0.5):
        self.scale = scale

    def fit(self, X, y=None):
        labels = sorted(set(y)) if y is not None else sorted({r[0] for r in T.category_tree()})
        self.labels_ = labels
        self.lexicon_ = keyword_lexicon(labels)
        return self

    def columns(self) -> dict[str, int]:
        return {label: i for i, label in enumerate(self.labels_)}

    def counts(self, doc: str, columns: dict[str, int]) -> np.ndarray:
        """How many keywords of each class the document's title and body hold."""
        found = np.zeros(len(columns))
        parts = doc.split(SEP)
        haystack = parts[0] + parts[-1]
        for keyword, labels in self.lexicon_.items():
            if keyword in haystack:
                for label in labels:
                    found[columns[label]] += 1
        return found

    def transform(self, X):
        columns = self.columns()
        out = np.zeros((len(X), len(columns)))
        for row, doc in enumerate(X):
            out[row] = self.counts(doc, columns)
        return sp.csr_matrix(np.log1p(out) * self.scale)


def build_features(keyword_scale: float | None = None) -> FeatureUnion:
    """The three feature blocks, unfitted (`keyword_scale` defaults to KEYWORD_SCALE)."""
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    preprocessor=_words_part,
                    tokenizer=_split_ws,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=WORD_NGRAMS,
                    min_df=WORD_MIN_DF,
                    sublinear_tf=True,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    preprocessor=_chars_part,
                    analyzer="char",
                    ngram_range=CHAR_NGRAMS,
                    sublinear_tf=True,
                    min_df=2,
                ),
            ),
            (
                "keywords",
                KeywordMatch(scale=KEYWORD_SCALE if keyword_scale is None else keyword_scale),
            ),
        ]
    )


def build_classifier(
    seed: int = SEED, calibration_folds: int = 5, C: float | None = None
) -> CalibratedClassifierCV:
    svc = LinearSVC(C=DEFAULT_C if C is None else C, class_weight="balanced", random_state=seed)
    # ensemble=False: one SVC on all data, sigmoid calibrators fitted on out-of-fold scores.
    # Five calibrated copies (the default) cost 5x the prediction time for no gain here.
    return CalibratedClassifierCV(svc, method="sigmoid", cv=calibration_folds, ensemble=False)


def build_pipeline(
    seed: int = SEED,
    calibration_folds: int = 5,
    *,
    C: float | None = None,
    keyword_scale: float | None = None,
) -> Pipeline:
    return Pipeline(
        [
            ("features", build_features(keyword_scale)),
            ("clf", build_classifier(seed, calibration_folds, C)),
        ]
    )


def calibration_folds(y) -> int:
    """5 calibration folds, fewer when a class has fewer examples (tiny training sets)."""
    counts = np.unique(np.asarray(y), return_counts=True)[1]
    return int(max(2, min(5, counts.min())))


class RouterClassifier(BaseEstimator, ClassifierMixin):
    """The pipeline plus category-tree pseudo-documents added at fit time.

    X is a list of `prepare()`d strings. With `pseudo_docs`, one document per (一级, 二级) group
    of the tree — the 二级 name as title, its 三级 names as body — is added for each label that
    occurs in y. With `unlabelled` texts, one round of self-training adds those predicted with
    probability ≥ `self_training_threshold`.
    """

    def __init__(
        self,
        seed: int = SEED,
        pseudo_docs: bool = True,
        unlabelled: Sequence[str] | None = None,
        self_training_threshold: float = 0.8,
        C: float | None = None,
        keyword_scale: float | None = None,
    ):
        self.seed = seed
        self.C = C
        self.keyword_scale = keyword_scale
        self.pseudo_docs = pseudo_docs
        self.unlabelled = unlabelled
        self.self_training_threshold = self_training_threshold

    def _pseudo(self, labels: set[str]) -> tuple[list[str], list[str]]:
        groups: dict[tuple[str, str], list[str]] = {}
        for first, second, third in T.category_tree():
            if first in labels:
                groups.setdefault((first, second), []).append(third)
        docs, ys = [], []
        for (first, second), thirds in groups.items():
            docs.append(prepare(second, " ".join(thirds)))
            ys.append(first)
        return docs, ys

    def training_set(self, X, y) -> tuple[list[str], list[str]]:
        """The documents and labels the pipeline is fitted on: X, y + the pseudo-documents."""
        X, y = list(X), [str(v) for v in y]
        if self.pseudo_docs:
            px, py = self._pseudo(set(y))
            X, y = X + px, y + py
        return X, y

    def _pipeline(self, folds: int) -> Pipeline:
        # getattr: estimators pickled before these settings existed lack the attributes.
        return build_pipeline(
            self.seed,
            folds,
            C=getattr(self, "C", None),
            keyword_scale=getattr(self, "keyword_scale", None),
        )

    def fit(self, X, y):
        X, y = self.training_set(X, y)
        folds = calibration_folds(y)
        self.pipeline_ = self._pipeline(folds).fit(X, y)
        if self.unlabelled:
            proba = self.pipeline_.predict_proba(list(self.unlabelled))
            keep = proba.max(axis=1) >= self.self_training_threshold
            if keep.any():
                extra_x = [d for d, k in zip(self.unlabelled, keep, strict=True) if k]
                extra_y = list(self.pipeline_.classes_[proba.argmax(axis=1)[keep]])
                self.pipeline_ = self._pipeline(folds).fit(X + extra_x, y + extra_y)
            self.n_self_trained_ = int(keep.sum())
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, X):
        return self.pipeline_.predict_proba(list(X))

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


_WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn's character analyzer


def char_ngram_counts(text: str, min_n: int, max_n: int) -> Counter:
    """What scikit-learn's "char" analyzer yields for `text`, counted: whitespace runs become
    one space, then every n-gram for n in [min_n, max_n]. Each n-gram list is built from the
    previous one by C-level concatenation instead of a Python loop of slices."""
    text = _WHITE_SPACES.sub(" ", text)
    counts: Counter = Counter()
    grams: list[str] = []
    for n in range(1, min(max_n, len(text)) + 1):
        grams = list(text) if n == 1 else list(map(str.__add__, grams, text[n - 1 :]))
        if n >= min_n:
            counts.update(grams)
    return counts


def _counter(block: TfidfVectorizer):
    """doc → Counter of the block's tokens, the same tokens as `block.build_analyzer()`."""
    if block.analyzer == "char" and block.input == "content":
        preprocess = block.build_preprocessor()
        min_n, max_n = block.ngram_range
        return lambda doc: char_ngram_counts(preprocess(doc), min_n, max_n)
    analyzer = block.build_analyzer()
    return lambda doc: Counter(analyzer(doc))


class FastScorer:
    """The fitted pipeline's `predict_proba` for one document, computed directly.

    Per call, scikit-learn validates its input at every step (FeatureUnion, both vectorizers,
    the TF-IDF transforms, the calibrated SVC, each sigmoid calibrator): about half of a
    suggestion's time went there, the arithmetic being a few hundred multiplications. This
    reads the fitted parameters once and repeats the same arithmetic in the same order: each
    block's analyzer and vocabulary, sublinear tf × idf, l2 norm; the keyword block; the SVC's
    decision function; the sigmoid calibrators, normalised as `_CalibratedClassifier` does. A
    test compares it with the pipeline on every real text (`tests/cases/test_router.py`).
    """

    def __init__(self, pipeline: Pipeline):
        blocks = pipeline.named_steps["features"].transformer_list
        self.blocks: list[tuple[str, Any]] = []
        offset = 0
        for name, block in blocks:
            if isinstance(block, TfidfVectorizer):
                if block.norm != "l2" or not block.use_idf or block.binary:
                    raise ValueError(f"FastScorer does not handle block {name!r}'s settings")
                self.blocks.append(("tfidf", (offset, _counter(block), block)))
                size = len(block.vocabulary_)
            elif isinstance(block, KeywordMatch):
                self.blocks.append(("keywords", (offset, block, block.columns())))
                size = len(block.labels_)
            else:
                raise ValueError(f"FastScorer does not know block {name!r}")
            offset += size
        clf = pipeline.named_steps["clf"]
        if len(clf.calibrated_classifiers_) != 1 or clf.method != "sigmoid":
            raise ValueError("FastScorer expects one sigmoid-calibrated classifier")
        calibrated = clf.calibrated_classifiers_[0]
        svc = calibrated.estimator
        if offset != svc.coef_.shape[1] or len(calibrated.classes) < 3:
            raise ValueError("FastScorer expects a multi-class classifier over these blocks")
        self.coef_t = np.ascontiguousarray(svc.coef_.T)
        self.intercept = svc.intercept_
        self.positions = LabelEncoder().fit(calibrated.classes).transform(svc.classes_)
        self.a = np.array([c.a_ for c in calibrated.calibrators])
        self.b = np.array([c.b_ for c in calibrated.calibrators])
        self.classes_ = clf.classes_

    @staticmethod
    def _tfidf(offset, count, block, doc):
        counts = count(doc)
        index = np.fromiter(map(block.vocabulary_.get, counts, repeat(-1)), np.intp, len(counts))
        values = np.fromiter(counts.values(), np.float64, len(counts))
        known = index >= 0
        index, values = index[known], values[known]
        order = np.argsort(index)  # the order of the sparse row's columns
        index, values = index[order], values[order]
        if block.sublinear_tf:
            np.log(values, out=values)
            values += 1
        values *= block.idf_[index]
        norm = np.sqrt(np.dot(values, values))
        if norm > 0:
            values /= norm
        return index + offset, values

    @staticmethod
    def _keywords(offset, block, columns, doc):
        # KeywordMatch.transform for one document, without building a sparse matrix.
        found = block.counts(doc, columns)
        index = np.flatnonzero(found)
        return index + offset, np.log1p(found[index]) * block.scale

    def predict_proba(self, doc: str) -> np.ndarray:
        indices, values = [], []
        for kind, spec in self.blocks:
            index, value = (self._tfidf if kind == "tfidf" else self._keywords)(*spec, doc)
            indices.append(index)
            values.append(value)
        index = np.concatenate(indices)
        decision = np.concatenate(values) @ self.coef_t[index] + self.intercept
        proba = np.zeros(len(self.classes_))
        proba[self.positions] = expit(-(self.a * decision + self.b))
        total = proba.sum()
        proba = proba / total if total != 0 else np.full_like(proba, 1 / len(proba))
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba


# --- data -----------------------------------------------------------------------------------


def examples_from_rows(rows: list[dict[str, str]], source: str = "input") -> list[Example]:
    """Examples from table rows with the public dataset's columns (or English ones)."""
    if not rows:
        raise ValueError(f"{source} has no data rows")
    names = list(rows[0].keys())
    title_col = T.pick_column(names, T.TITLE_COLUMNS)
    body_col = T.pick_column(names, T.BODY_COLUMNS)
    label_col = T.pick_column(names, T.LABEL_COLUMNS)
    missing = [
        want
        for want, col in (
            ("留言主题/title", title_col),
            ("留言详情/description", body_col),
            ("一级分类/label", label_col),
        )
        if col is None
    ]
    if missing:
        raise ValueError(f"{source} lacks column(s): {', '.join(missing)}")
    out = []
    for row in rows:
        label = (row.get(label_col) or "").strip()
        title, body = row.get(title_col) or "", row.get(body_col) or ""
        if label and (title.strip() or body.strip()):
            out.append(Example(title, body, label))
    if not out:
        raise ValueError(f"{source} has no labelled rows")
    return out


def examples_from_file(path: str | Path) -> list[Example]:
    return examples_from_rows(T.read_table(path), source=Path(path).name)


def example_key(title: str | None, description: str | None) -> tuple[str, str]:
    """What makes two examples "the same text": normalised title and body."""
    return T.normalise(title), T.normalise(description)


def default_examples(data_dir: str | Path | None = None) -> list[Example]:
    """The labelled examples of data/complaints_train.csv + data/complaints_labelled.csv (the
    router's training set), in file order; a text seen before (same normalised title and
    body) is dropped, whatever its label."""
    data_dir = Path(data_dir) if data_dir is not None else T.DATA_DIR
    return examples_from_files([data_dir / name for name in TRAINING_FILES])


def examples_from_files(paths: Iterable[str | Path]) -> list[Example]:
    """The examples of several files in order, a text seen before (`example_key`) dropped."""
    seen: set[tuple[str, str]] = set()
    out = []
    for path in paths:
        for example in examples_from_file(path):
            key = example_key(example.title, example.description)
            if key not in seen:
                seen.add(key)
                out.append(example)
    return out


def unlabelled_texts() -> list[str]:
    """Titles + bodies of the unlabelled public samples (hot issues, replies), prepared."""
    out = []
    for name in ("hot_issues_sample.csv", "replies_sample.csv"):
        path = T.DATA_DIR / name
        if path.exists():
            for row in T.read_table(path):
                out.append(prepare(row.get("留言主题"), row.get("留言详情")))
    return out


def data_hash(examples: Sequence[Example]) -> str:
    h = hashlib.sha256()
    for ex in examples:
        h.update(f"{ex.title}\x1f{ex.description}\x1f{ex.label}\x1e".encode())
    return h.hexdigest()


# --- evaluation -----------------------------------------------------------------------------


@dataclass
class Evaluation:
    holdout_macro_f1: float
    holdout_report: dict[str, Any]
    holdout_size: int
    cv_macro_f1_mean: float | None = None
    cv_macro_f1_sd: float | None = None
    cv_scores: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "holdout": {
                "size": self.holdout_size,
                "macro_f1": round(self.holdout_macro_f1, 4),
                "per_class": {
                    k: {m: round(v[m], 4) for m in ("precision", "recall", "f1-score", "support")}
                    for k, v in self.holdout_report.items()
                    if isinstance(v, dict) and k not in ("macro avg", "weighted avg")
                },
            },
            "cv": {
                "scheme": "repeated stratified k-fold, grouped by near-duplicates",
                "scores": [round(s, 4) for s in self.cv_scores],
                "macro_f1_mean": None
                if self.cv_macro_f1_mean is None
                else round(self.cv_macro_f1_mean, 4),
                "macro_f1_sd": None
                if self.cv_macro_f1_sd is None
                else round(self.cv_macro_f1_sd, 4),
            },
        }


def evaluate(
    examples: Sequence[Example],
    *,
    seed: int = SEED,
    test_size: float = 0.25,
    cv_folds: int = 5,
    cv_repeats: int = 3,
    self_training: bool = False,
    log=None,
) -> Evaluation:
    """Hold-out split, then repeated CV; both grouped by near-duplicates (a text and its
    reposted or rewritten copy never sit on both sides, `evaluation.near_duplicate_groups`) and
    stratified by label as far as the groups allow. Every fit sees only its fold."""
    from .evaluation import grouped_folds, near_duplicate_groups

    docs = [prepare(e.title, e.description) for e in examples]
    y = np.array([e.label for e in examples])
    groups = near_duplicate_groups(examples)
    unl = unlabelled_texts() if self_training else None
    # The first fold of a grouped stratified k-fold with k = 1 / test_size is the hold-out.
    tr, te = grouped_folds(y, groups, max(2, round(1 / test_size)), seed)[0]
    est = RouterClassifier(seed=seed, unlabelled=unl)
    est.fit([docs[i] for i in tr], y[tr])
    pred = est.predict([docs[i] for i in te])
    report = classification_report(y[te], pred, output_dict=True, zero_division=0)
    ev = Evaluation(
        holdout_macro_f1=float(f1_score(y[te], pred, average="macro")),
        holdout_report=report,
        holdout_size=len(te),
    )
    if cv_repeats > 0:
        k = 0
        for repeat_ in range(cv_repeats):
            for a, b in grouped_folds(y, groups, cv_folds, seed + repeat_):
                fold = RouterClassifier(seed=seed, unlabelled=unl).fit([docs[i] for i in a], y[a])
                score = float(f1_score(y[b], fold.predict([docs[i] for i in b]), average="macro"))
                ev.cv_scores.append(score)
                k += 1
                if log:
                    log(f"  fold {k}: macro-F1 {score:.3f}")
        ev.cv_macro_f1_mean = float(np.mean(ev.cv_scores))
        ev.cv_macro_f1_sd = float(np.std(ev.cv_scores))
    return ev


# --- artefact -------------------------------------------------------------------------------


@dataclass
class TrainedRouter:
    estimator: RouterClassifier
    metadata: dict[str, Any]

    @property
    def version(self) -> str:
        return self.metadata["version"]

    @functools.cached_property
    def scorer(self) -> FastScorer:
        """The estimator's probabilities for one document, fast (built on first use)."""
        return FastScorer(self.estimator.pipeline_)


def train(
    examples: Sequence[Example], *, seed: int = SEED, self_training: bool = False
) -> TrainedRouter:
    docs = [prepare(e.title, e.description) for e in examples]
    y = [e.label for e in examples]
    unl = unlabelled_texts() if self_training else None
    est = RouterClassifier(seed=seed, unlabelled=unl).fit(docs, y)
    digest = data_hash(examples)
    now = datetime.now(UTC)
    meta = {
        "format": FORMAT,
        "version": f"{now:%Y%m%d%H%M%S}-{digest[:8]}",
        "trained_at": now.isoformat(timespec="seconds"),
        "data_hash": digest,
        "n_examples": len(examples),
        "classes": [str(c) for c in est.classes_],
        "seed": seed,
        "self_trained": int(getattr(est, "n_self_trained_", 0)),
        "metrics": None,
    }
    return TrainedRouter(est, meta)


def save(router: TrainedRouter, path: str | Path) -> Path:
    """Write router-<version>.joblib + .json next to `path`, then atomically point `path` at it."""
    import joblib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    versioned = path.parent / f"router-{router.version}.joblib"
    payload = {"format": FORMAT, "estimator": router.estimator, "metadata": router.metadata}
    joblib.dump(payload, versioned, compress=3)
    versioned.with_suffix(".json").write_text(
        json.dumps(router.metadata, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    if versioned != path:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        joblib.dump(payload, tmp, compress=3)
        os.replace(tmp, path)
        path.with_suffix(".json").write_text(
            json.dumps(router.metadata, ensure_ascii=False, indent=2), encoding="utf-8"
        )
    return versioned


# Artefacts written before the router left cases/ name its classes by their old modules.
FORMER_MODULES = {"cases.routing.model": __name__, "cases.routing.text": "civic.text"}


def _alias_former_modules() -> None:
    """Let pickles written as cases.routing.* load (the modules were moved, not changed)."""
    import importlib
    import sys

    for former, current in FORMER_MODULES.items():
        sys.modules.setdefault(former, importlib.import_module(current))
    sys.modules.setdefault("cases.routing", sys.modules[__package__])


def load(path: str | Path) -> TrainedRouter:
    import joblib

    _alias_former_modules()
    payload = joblib.load(path)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a router artefact of format {FORMAT}")
    return TrainedRouter(payload["estimator"], payload["metadata"])
