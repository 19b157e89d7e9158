"""Train the dispatch router and save a versioned artefact (docs/router.md)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from routing import classifier as M
from routing import registry
from routing import services as S


class Command(BaseCommand):
    help = (
        "Train the dispatch router on the labelled data in data/ (or --input files), optionally "
        "with dispatched cases, and activate it only if it is not worse than the active model."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--input",
            action="append",
            help="CSV/XLSX with columns 留言主题 (title), 留言详情 (description), 一级分类 (label); "
            "repeatable; default: every labelled file in data/",
        )
        parser.add_argument(
            "--with-cases",
            action="store_true",
            help="add cases dispatched in the last ROUTER_RETRAIN_CASE_MONTHS months, labelled "
            "with their final category",
        )
        parser.add_argument(
            "--force", action="store_true", help="activate even if held-out macro-F1 is worse"
        )
        parser.add_argument(
            "--output",
            help="write the artefact to this path instead of the versioned registry "
            "(no promotion guard)",
        )
        parser.add_argument("--seed", type=int, default=M.SEED)
        parser.add_argument("--test-size", type=float, default=0.25)
        parser.add_argument("--cv-folds", type=int, default=5)
        parser.add_argument("--cv-repeats", type=int, default=3, help="0 skips cross-validation")
        parser.add_argument(
            "--self-training",
            action="store_true",
            help="add confidently predicted unlabelled public texts (measured: no gain, off)",
        )
        parser.add_argument("--no-self-training", action="store_true", help="the default")
        parser.add_argument("--evaluate-only", action="store_true", help="report, save nothing")

    def handle(self, *args, **opts):
        try:
            if opts["input"]:
                examples = [e for path in opts["input"] for e in M.examples_from_file(path)]
            else:
                examples = S.base_examples()
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if opts["with_cases"]:
            before = len(examples)
            since = timezone.now() - timedelta(days=31 * settings.ROUTER_RETRAIN_CASE_MONTHS)
            examples = registry.examples_with_cases(
                examples, since=since, limit=settings.ROUTER_RETRAIN_MAX_CASES
            )
            self.stdout.write(f"{len(examples) - before} dispatched cases added")
        self_training = opts["self_training"] and not opts["no_self_training"]
        self.stdout.write(f"{len(examples)} examples, {len({e.label for e in examples})} classes")

        metrics = None
        if opts["test_size"] > 0:
            try:
                ev = M.evaluate(
                    examples,
                    seed=opts["seed"],
                    test_size=opts["test_size"],
                    cv_folds=opts["cv_folds"],
                    cv_repeats=opts["cv_repeats"],
                    self_training=self_training,
                    log=self.stdout.write if opts["verbosity"] > 1 else None,
                )
            except ValueError as exc:  # e.g. a class with too few examples to stratify
                raise CommandError(f"Cannot evaluate: {exc}") from exc
            metrics = ev.as_dict()
            self._report(metrics)
        if opts["evaluate_only"]:
            return

        router = M.train(examples, seed=opts["seed"], self_training=self_training)
        router.metadata["metrics"] = metrics
        summary = json.dumps(
            {k: v for k, v in router.metadata.items() if k != "metrics"}, ensure_ascii=False
        )
        if opts["output"]:
            versioned = M.save(router, Path(opts["output"]))
            S.reset()
            self.stdout.write(self.style.SUCCESS(f"Saved router {router.version} to {versioned}"))
            self.stdout.write(summary)
            return
        result = registry.promote_if_not_worse(router, force=opts["force"])
        self.stdout.write(summary)
        if result.promoted:
            self.stdout.write(
                self.style.SUCCESS(f"Activated router {result.version} ({result.reason})")
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Kept router {result.version} but did not activate it ({result.reason}); "
                    f"{result.active_version} stays active. --force activates it anyway."
                )
            )

    def _report(self, metrics: dict) -> None:
        hold = metrics["holdout"]
        self.stdout.write(f"Held-out split (stratified, n={hold['size']}):")
        self.stdout.write(f"  {'class':<12}{'precision':>10}{'recall':>10}{'F1':>10}{'n':>6}")
        for label, m in hold["per_class"].items():
            self.stdout.write(
                f"  {label:<12}{m['precision']:>10.3f}{m['recall']:>10.3f}"
                f"{m['f1-score']:>10.3f}{int(m['support']):>6}"
            )
        self.stdout.write(f"  macro-F1 {hold['macro_f1']:.3f}")
        cv = metrics["cv"]
        if cv["scores"]:
            self.stdout.write(
                f"Repeated stratified CV ({len(cv['scores'])} folds): macro-F1 "
                f"{cv['macro_f1_mean']:.3f} ± {cv['macro_f1_sd']:.3f}"
            )
