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
from django.db.models import Count
from django.utils.translation import gettext as _

from cases.selectors import RouteProposal, route_proposal_explained
from civic import text as T
from civic.errors import ApplicationError
from civic.models import Category, Region, Unit

from . import classifier as M
from .models import DispatchFeedback

logger = logging.getLogger(__name__)


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
_stamp: tuple[int, int] | None = None  # (mtime_ns, size) of the active artefact when loaded
_checked_at = 0.0
load_count = 0  # how many times this process loaded or trained a model (tests assert on it)


def model_path() -> Path:
    return Path(settings.ROUTER_MODEL_PATH)


def threshold() -> float:
    return float(settings.ROUTER_CONFIDENCE_THRESHOLD)


def _active_stamp() -> tuple[int, int] | None:
    try:
        st = model_path().stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _stale() -> bool:
    """Has another process activated a model (a promotion, a rollback) since this one loaded?
    Looked at no more often than ROUTER_RELOAD_SECONDS: one stat() call."""
    global _checked_at
    now = time.monotonic()
    if now - _checked_at < float(getattr(settings, "ROUTER_RELOAD_SECONDS", 30)):
        return False
    _checked_at = now
    stamp = _active_stamp()
    return stamp is not None and stamp != _stamp


def get_router() -> M.TrainedRouter:
    global _router, _stamp, load_count
    router = _router
    if router is not None and not _stale():
        return router
    with _lock:
        if _router is None or _active_stamp() not in (None, _stamp):
            _router = _load_or_train()
            _stamp = _active_stamp()
            load_count += 1
        return _router


def reset() -> None:
    """Forget the cached model (after training a new one in this process, and in tests)."""
    global _router, _stamp
    with _lock:
        _router = None
        _stamp = None


def base_examples() -> list[M.Example]:
    """The labelled texts the router always learns from (ROUTER_TRAINING_FILES, in data/ by
    default), the same text counted once."""
    return M.examples_from_files(settings.ROUTER_TRAINING_FILES)


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
    router = M.train(base_examples())
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


def category_rows(path: tuple[str, ...]) -> list[Category | None]:
    """The civic.Category rows matching the suggested path by name, level by level."""
    rows: list[Category | None] = []
    parent = None
    for level, name in enumerate(path, start=1):
        if level > 1 and parent is None:  # no match above: nothing deeper can match
            rows.append(None)
            continue
        qs = Category.objects.filter(level=level, name=name, active=True)
        if parent is not None:
            qs = qs.filter(parent=parent)
        parent = qs.order_by("id").first()
        rows.append(parent)
    return rows


def category_ids(path: tuple[str, ...]) -> list[int | None]:
    return [row.id if row else None for row in category_rows(path)]


@dataclass(frozen=True)
class DispatchSuggestion:
    """What the dispatcher sees: the router's category path and confidence, the unit the
    dispatch rules pick for that category at the case's place, and the rule that picked it."""

    suggestion: Suggestion
    categories: tuple[Category | None, ...]  # the path's Category rows (None where unmatched)
    proposal: RouteProposal | None

    @property
    def path(self) -> tuple[str, ...]:
        return self.suggestion.path

    @property
    def confidence(self) -> float:
        return self.suggestion.confidence

    @property
    def shown(self) -> bool:
        return self.suggestion.decided_by_router

    @property
    def first_level(self) -> Category | None:
        return self.categories[0] if self.categories else None

    @property
    def unit(self):
        return self.proposal.unit if self.proposal else None


def _unit_for(node: Category, region: Region, hint: Category | None) -> RouteProposal:
    """The dispatch rules for a suggested category. The router names a leaf only when the text
    holds its name; for a first or second level the rules need a leaf: the intake category if
    it lies under the suggestion, else the unit responsible for most leaves under it."""
    if node.is_leaf:
        return route_proposal_explained(category=node, region=region)
    if hint is not None and hint.path.startswith(node.path):
        return route_proposal_explained(category=hint, region=region)
    unit = (
        Unit.objects.filter(
            active=True,
            kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.ENTERPRISE],
            responsible_categories__path__startswith=node.path,
        )
        .annotate(leaves=Count("responsible_categories"))
        .order_by("-leaves", "code")
        .first()
    )
    if unit is not None:
        return RouteProposal(unit, "responsible", node.name)
    return route_proposal_explained(category=node, region=region)


def explain(
    suggestion: Suggestion, region: Region | None, hint: Category | None = None
) -> DispatchSuggestion:
    """The suggestion with its Category rows and the unit the rules pick at `region`;
    `hint` is the category chosen at intake."""
    categories = tuple(category_rows(suggestion.path))
    deepest = next((c for c in reversed(categories) if c is not None), None)
    proposal = (
        _unit_for(deepest, region, hint) if deepest is not None and region is not None else None
    )
    return DispatchSuggestion(suggestion, categories, proposal)


def suggest_for_dispatch(case) -> DispatchSuggestion | None:
    """The proposal on the dispatcher's case page (cases.hooks), when a model is at hand. A page
    never waits for training: seed_demo or `train_router` writes the model; until then the
    dispatcher decides alone."""
    if _router is None and not model_path().exists():
        return None
    # A resident's draft asking the router for its category (cases' filing) has none yet.
    hint = case.category if case.category_id is not None else None
    return explain(suggest(case.title, case.description), case.region, hint)


def seed_router(stdout=None) -> None:
    """seed_demo step: make sure the dispatch router has a model (trained once, then loaded)."""
    router = get_router()
    if stdout:
        stdout.write(f"router: model {router.version}")


def dispatch_feedback_record(*, event) -> DispatchFeedback | None:
    """Write what the router suggested for the dispatched case beside what the dispatcher chose.

    The suggestion is computed again from the case's text with the active model: the same text
    and model give the same proposal the dispatcher's page showed. Only the first dispatch is
    recorded (a re-dispatch corrects the case, whose final category judges the suggestion).
    """
    case = event.case
    if DispatchFeedback.objects.filter(case=case).exists():
        return None
    proposal = suggest_for_dispatch(case)
    suggestion = proposal.suggestion if proposal else None
    first = proposal.first_level if proposal else None
    chosen = case.category
    chosen_root = chosen
    while chosen_root.parent_id is not None:
        chosen_root = chosen_root.parent
    return DispatchFeedback.objects.create(
        case=case,
        dispatched_at=event.at,
        dispatched_by=event.actor,
        model_version=suggestion.version if suggestion else "",
        suggested_category=first,
        suggested_path=list(suggestion.path) if suggestion else [],
        confidence=suggestion.confidence if suggestion else None,
        threshold=threshold() if suggestion else None,
        shown=bool(suggestion and suggestion.decided_by_router),
        suggested_unit=proposal.unit if proposal else None,
        suggested_rule=proposal.proposal.rule if proposal and proposal.proposal else "",
        chosen_category=chosen,
        chosen_unit=case.lead_unit,
        taken=first is not None and first.id == chosen_root.id,
    )
