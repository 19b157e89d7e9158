"""Every trained router version is kept; one is active. A new model becomes active only if its
held-out macro-F1 is not worse than the active one's (guarded promotion); any kept version can
be activated again (rollback).

Files, all beside ROUTER_MODEL_PATH: `router-<version>.joblib` + `.json` for each version, the
active copy at ROUTER_MODEL_PATH (+ `.json`), and `router-history.json`, the activations in
order. Web and worker processes notice a new active file within ROUTER_RELOAD_SECONDS
(services.get_router).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.errors import ConflictError, NotFoundError

from . import classifier as M
from . import services as S
from .selectors import dispatched_case_examples

HISTORY = "router-history.json"


def _dir() -> Path:
    return S.model_path().parent


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
    os.replace(tmp, path)


def holdout_f1(metadata: dict | None) -> float | None:
    try:
        return float(metadata["metrics"]["holdout"]["macro_f1"])
    except (TypeError, KeyError, ValueError):
        return None


def active_metadata() -> dict | None:
    return _read_json(S.model_path().with_suffix(".json"))


def history() -> list[dict]:
    return _read_json(_dir() / HISTORY) or []


def versions() -> list[dict]:
    """Every kept version's metadata, newest first, with `active` set on the active one."""
    active = (active_metadata() or {}).get("version")
    out = []
    for path in _dir().glob("router-*.json"):
        meta = _read_json(path)
        if path.name == HISTORY or not isinstance(meta, dict) or "version" not in meta:
            continue
        if not path.with_suffix(".joblib").exists():
            continue
        out.append({**meta, "active": meta["version"] == active})
    return sorted(out, key=lambda m: m.get("trained_at", ""), reverse=True)


def keep(router: M.TrainedRouter) -> Path:
    """Write the version's files without activating it. Two trainings on the same data in the
    same second would share a version name: the later one gets a suffix."""
    _dir().mkdir(parents=True, exist_ok=True)
    base, n = router.version, 1
    while (_dir() / f"router-{router.version}.joblib").exists():
        n += 1
        router.metadata["version"] = f"{base}-{n}"
    return M.save(router, _dir() / f"router-{router.version}.joblib")


def activate(version: str, *, reason: str) -> dict:
    """Make a kept version the active one (atomic replace) and log it in the history."""
    source = _dir() / f"router-{version}.joblib"
    meta = _read_json(source.with_suffix(".json"))
    if not source.exists() or not isinstance(meta, dict):
        raise NotFoundError(_("No kept router version %(version)s.") % {"version": version})
    M.load(source)  # refuse a file this process cannot load before it becomes active
    target = S.model_path()
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(fd)
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)
    _write_json(target.with_suffix(".json"), meta)
    entries = history()
    entries.append(
        {
            "version": version,
            "activated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "reason": reason,
        }
    )
    _write_json(_dir() / HISTORY, entries)
    S.reset()
    return meta


def rollback(to: str | None = None) -> dict:
    """Activate `to`, or else the version that was active before the current one."""
    if to is None:
        current = (active_metadata() or {}).get("version")
        earlier = [e["version"] for e in history() if e.get("version") != current]
        if not earlier:
            raise ConflictError(_("There is no earlier router version to roll back to."))
        to = earlier[-1]
    return activate(to, reason="rollback")


@dataclass(frozen=True)
class Promotion:
    promoted: bool
    version: str
    candidate_f1: float | None
    active_version: str | None
    active_f1: float | None
    reason: str


def promote_if_not_worse(router: M.TrainedRouter, *, force: bool = False) -> Promotion:
    """Keep the candidate; activate it if its held-out macro-F1 is at least the active one's.

    Both figures come from the same protocol (`classifier.evaluate`'s held-out split, recorded
    in the metadata at training time). Without an active model, or an active one without
    figures (trained on demand), the candidate is promoted; a candidate without figures is not.
    """
    keep(router)
    active = active_metadata()
    active_version = (active or {}).get("version")
    candidate_f1, active_f1 = holdout_f1(router.metadata), holdout_f1(active)
    if force:
        ok, reason = True, "forced"
    elif active is None or active_f1 is None:
        ok, reason = True, "no active model with held-out figures"
    elif candidate_f1 is None:
        ok, reason = False, "the candidate has no held-out figures"
    elif candidate_f1 >= active_f1:
        ok, reason = True, f"held-out macro-F1 {candidate_f1:.4f} >= {active_f1:.4f}"
    else:
        ok, reason = False, f"held-out macro-F1 {candidate_f1:.4f} < {active_f1:.4f}"
    if ok:
        activate(router.version, reason=f"promoted: {reason}")
    return Promotion(ok, router.version, candidate_f1, active_version, active_f1, reason)


def train_candidate(
    examples: list[M.Example], *, seed: int = M.SEED, test_size: float = 0.25, log=None
) -> M.TrainedRouter:
    """A model on all `examples`, with the held-out figures the promotion guard compares."""
    metrics = None
    if test_size > 0:
        evaluation = M.evaluate(examples, seed=seed, test_size=test_size, cv_repeats=0, log=log)
        metrics = evaluation.as_dict()
    router = M.train(examples, seed=seed)
    router.metadata["metrics"] = metrics
    return router


def examples_with_cases(base: list[M.Example], *, since: datetime, limit: int) -> list[M.Example]:
    """The base data plus dispatched cases labelled with their final category's first level
    (only the labels the base data knows: the router is a first-level classifier over them);
    a case repeating a base text is not added twice."""
    labels = {e.label for e in base}
    seen = {M.example_key(e.title, e.description) for e in base}
    out = list(base)
    for title, description, label in dispatched_case_examples(since=since, limit=limit):
        key = M.example_key(title, description)
        if label in labels and key not in seen:
            seen.add(key)
            out.append(M.Example(title, description, label))
    return out


def retrain(*, with_cases: bool = True, force: bool = False, log=None) -> Promotion:
    """The monthly retraining: base data (+ recent dispatched cases), guarded promotion."""
    examples = S.base_examples()
    if with_cases:
        since = timezone.now() - timedelta(days=31 * settings.ROUTER_RETRAIN_CASE_MONTHS)
        examples = examples_with_cases(
            examples, since=since, limit=settings.ROUTER_RETRAIN_MAX_CASES
        )
    return promote_if_not_worse(train_candidate(examples, log=log), force=force)
