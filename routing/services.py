"""Runtime API of the dispatch router: `suggest(title, description) -> Suggestion`.

The model is loaded once per process (module-level cache behind a lock, so concurrent first
requests in a threaded server load it once). If no artefact exists at ROUTER_MODEL_PATH and
ROUTER_TRAIN_ON_DEMAND is on (the default), it is trained from data/complaints_train.csv on first
use and saved there — `make run` shows suggestions without a manual training step, and no pickled
binary is committed (a joblib pickle is tied to the scikit-learn version that wrote it).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from civic import text as T
from civic.errors import ApplicationError

from . import classifier as M

logger = logging.getLogger(__name__)

DEFAULT_TRAINING_FILE = T.DATA_DIR / "complaints_train.csv"


class RouterUnavailableError(ApplicationError):
    status_code = 503


@dataclass(frozen=True)
class Suggestion:
    path: tuple[str, ...]  # category names, first level first
    label: str  # the predicted first-level category
    confidence: float  # calibrated probability of `label`
    probabilities: dict[str, float]
    version: str
    decided_by_router: bool


_lock = threading.Lock()
_router: M.TrainedRouter | None = None
load_count = 0  # how many times this process loaded or trained a model (tests assert on it)


def model_path() -> Path:
    return Path(settings.ROUTER_MODEL_PATH)


def threshold() -> float:
    return float(settings.ROUTER_CONFIDENCE_THRESHOLD)


def get_router() -> M.TrainedRouter:
    global _router, load_count
    router = _router
    if router is not None:
        return router
    with _lock:
        if _router is None:
            _router = _load_or_train()
            load_count += 1
        return _router


def reset() -> None:
    """Forget the cached model (after training a new one in this process, and in tests)."""
    global _router
    with _lock:
        _router = None


def _load_or_train() -> M.TrainedRouter:
    path = model_path()
    if path.exists():
        try:
            return M.load(path)
        except Exception as exc:  # a corrupt file or one pickled by another sklearn version
            logger.warning("router model at %s unusable (%s); retraining", path, exc)
    if not getattr(settings, "ROUTER_TRAIN_ON_DEMAND", True):
        raise RouterUnavailableError(
            _("No dispatch router model is available: run manage.py train_router."),
            {"path": str(path)},
        )
    started = time.monotonic()
    router = M.train(M.examples_from_file(DEFAULT_TRAINING_FILE))
    try:
        M.save(router, path)
    except OSError as exc:  # read-only deployment: keep serving from memory
        logger.warning("could not save router model to %s: %s", path, exc)
    logger.info("router model %s trained in %.1fs", router.version, time.monotonic() - started)
    return router


def deeper_path(label: str, title: str, description: str) -> tuple[str, ...]:
    """Extend the first-level label by 二级/三级 names of the tree found in the text.

    The training data is labelled at the first level only, so deeper levels come from the
    category names themselves: the longest 三级 name under `label` present in the text (with its
    二级 parent), else the longest 二级 name. No match → the first level alone.
    """
    text = T.normalise(title) + " " + T.normalise(description)
    best: tuple[int, tuple[str, ...]] = (0, (label,))
    for first, second, third in T.category_tree():
        if first != label:
            continue
        for name, path in ((third, (first, second, third)), (second, (first, second))):
            if len(name) < 2 or name in T.GENERIC_CATEGORY_WORDS:
                continue
            # 三级 beats 二级 at equal length; longer names are more specific.
            score = len(name) * 2 + (1 if len(path) == 3 else 0)
            if name in text and score > best[0]:
                best = (score, path)
    return best[1]


def suggest(title: str | None, description: str | None) -> Suggestion:
    router = get_router()
    proba = router.scorer.predict_proba(M.prepare(title, description))
    classes = [str(c) for c in router.scorer.classes_]
    best = int(proba.argmax())
    label = classes[best]
    confidence = float(proba[best])
    return Suggestion(
        path=deeper_path(label, title or "", description or ""),
        label=label,
        confidence=confidence,
        probabilities={c: float(p) for c, p in zip(classes, proba, strict=True)},
        version=router.version,
        decided_by_router=confidence >= threshold(),
    )


def category_ids(path: tuple[str, ...]) -> list[int | None]:
    """Ids of the civic.Category rows matching the suggested path by name, level by level."""
    from civic.models import Category

    ids: list[int | None] = []
    parent = None
    for level, name in enumerate(path, start=1):
        if level > 1 and parent is None:  # no match above: nothing deeper can match
            ids.append(None)
            continue
        qs = Category.objects.filter(level=level, name=name, active=True)
        if parent is not None:
            qs = qs.filter(parent=parent)
        parent = qs.order_by("id").first()
        ids.append(parent.id if parent else None)
    return ids


def suggest_for_dispatch(title: str, description: str) -> Suggestion | None:
    """The proposal on the dispatcher's case page (cases.hooks), when a model is at hand. A page
    never waits for training: seed_demo or `train_router` writes the model; until then the
    dispatcher decides alone."""
    if _router is None and not model_path().exists():
        return None
    return suggest(title, description)


def seed_router(stdout=None) -> None:
    """seed_demo step: make sure the dispatch router has a model (trained once, then loaded)."""
    router = get_router()
    if stdout:
        stdout.write(f"router: model {router.version}")
