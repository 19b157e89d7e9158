"""The router's measured figures (docs/router.md): grouped nested CV, time splits, calibration,
the confidence threshold, per-class scores, and training / load time and artefact size."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand

from routing import classifier as M
from routing import evaluation as E


def measure_artefact(data: E.Dataset, seed: int = M.SEED) -> dict:
    """Train on `data`, save to a temporary folder, time `classifier.load` on the artefact."""
    started = time.perf_counter()
    router = M.train(data.examples, seed=seed)
    train_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        path = M.save(router, Path(folder) / "router.joblib")
        size = path.stat().st_size
        started = time.perf_counter()
        M.load(path)
        load_s = time.perf_counter() - started
    return {
        "n_examples": len(data.examples),
        "train_seconds": round(train_s, 2),
        "load_seconds": round(load_s, 3),
        "artefact_bytes": size,
    }


class Command(BaseCommand):
    help = "Measure the dispatch router on data/: nested grouped CV, time split, calibration."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quick", action="store_true", help="a small stratified subset, 3×2 folds (tests)"
        )
        parser.add_argument("--output", help="also write the figures to this JSON file")
        parser.add_argument("--seed", type=int, default=M.SEED)
        parser.add_argument(
            "--jobs", type=int, default=2, help="outer folds fitted at once (default 2 = 2 CPUs)"
        )

    def handle(self, *args, **opts):
        started = time.perf_counter()
        data = E.load_dataset()
        log = self.stdout.write if opts["verbosity"] > 0 else None
        report = E.run(data, quick=opts["quick"], seed=opts["seed"], jobs=opts["jobs"], log=log)
        self.stdout.write("training, saving and loading the model …")
        used = E.quick_subset(data, 420, opts["seed"]) if opts["quick"] else data
        report["artefact"] = measure_artefact(used, opts["seed"])
        report["total_seconds"] = round(time.perf_counter() - started, 1)
        self._print(report)
        if opts["output"]:
            Path(opts["output"]).write_text(
                json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
            )
            self.stdout.write(f"wrote {opts['output']}")

    def _print(self, r: dict) -> None:
        w = self.stdout.write
        d, g, n = r["data"], r["groups"], r["nested_cv"]
        w("")
        w(f"Data: {d['texts']} texts {d['by_source']}" + (" (quick subset)" if r["quick"] else ""))
        w(
            f"Near-duplicate groups (cosine ≥ {g['threshold']}): {g['groups']} groups; "
            f"{g['texts_in_multi_text_groups']} texts in {g['multi_text_groups']} multi-text "
            f"groups (largest {g['largest_group']})"
        )
        w(f"Nested CV: {n['outer_folds']} outer × {n['inner_folds']} inner grouped folds")
        for f in n["folds"]:
            w(
                f"  fold {f['fold']}: macro-F1 {f['macro_f1']:.4f} "
                f"(train {f['n_train']}, test {f['n_test']}) chosen {f['chosen']}"
            )
        w(
            f"  macro-F1 {n['macro_f1_mean']:.4f} ± {n['macro_f1_sd']:.4f} (mean ± sd over "
            f"folds); pooled {n['pooled_macro_f1']:.4f}; accuracy {n['accuracy']:.4f}"
        )
        st = r["settings"]
        w(
            f"  chosen most often: {st['chosen_most_often']}; "
            f"classifier defaults: {st['classifier_defaults']}"
        )
        o = n["original_sample"]
        if o["macro_f1"] is not None:
            w(
                f"  complaints_train.csv rows in test folds (n={o['n']}): macro-F1 {o['macro_f1']:.4f}"
            )
        w("Per class (outer-fold predictions):")
        w(f"  {'class':<12}{'precision':>10}{'recall':>10}{'F1':>10}{'n':>7}")
        for label, m in r["per_class"].items():
            w(
                f"  {label:<12}{m['precision']:>10.3f}{m['recall']:>10.3f}"
                f"{m['f1']:>10.3f}{m['n']:>7}"
            )
        c = r["calibration"]
        w(f"Calibration: ECE {c['ece']:.4f} (10 bins)")
        w(f"  {'bin':<10}{'confidence':>11}{'accuracy':>10}{'n':>7}")
        for b in c["bins"]:
            if b["count"]:
                w(
                    f"  {b['bin']:<10}{b['mean_confidence']:>11.3f}"
                    f"{b['accuracy']:>10.3f}{b['count']:>7}"
                )
        t = r["threshold"]
        w(f"Threshold: {t['chosen']:.2f} ({t['rule']})")
        for row in [t["at_chosen"], *t["table"]]:
            acc = "-" if row["accuracy"] is None else f"{row['accuracy']:.3f}"
            w(f"  ≥ {row['threshold']:.2f}: coverage {row['coverage']:.3f}, accuracy {acc}")
        ts = r["time_split"]
        w(f"Time split at {ts['cut']} ({ts['dated_texts']} dated texts):")
        for name in ("all", "dated_only"):
            s = ts[name]
            w(
                f"  {name}: train {s['n_train']}, test {s['n_test']}: macro-F1 "
                f"{s['macro_f1']:.4f}, accuracy {s['accuracy']:.4f}"
            )
        a = r["artefact"]
        w(
            f"Model on {a['n_examples']} texts: trained in {a['train_seconds']:.1f} s, loaded in "
            f"{a['load_seconds']:.2f} s, artefact {a['artefact_bytes'] / 1e6:.1f} MB"
        )
        w(f"Total {r['total_seconds']:.0f} s")
