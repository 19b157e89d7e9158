"""Train the dispatch router and save a versioned artefact (docs/router.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from routing import classifier as M
from routing import services as S


def case_training_rows() -> Iterator[tuple[str, str, str]]:
    """(title, description, first-level category name) of every categorised case in the DB."""
    try:
        Case = apps.get_model("cases", "Case")
    except LookupError as exc:
        raise CommandError(
            "The cases app has no Case model yet; train with --input FILE instead."
        ) from exc
    qs = (
        Case.objects.filter(category__isnull=False)
        .select_related("category__parent__parent")
        .only("title", "description", "category")
        .order_by("pk")
    )
    for case in qs.iterator(chunk_size=2000):
        node = case.category
        while node.parent_id is not None:
            node = node.parent
        yield case.title, case.description, node.name


class Command(BaseCommand):
    help = "Train the dispatch router from cases in the database or from --input CSV/XLSX."

    def add_arguments(self, parser):
        parser.add_argument(
            "--input",
            help="CSV/XLSX with columns 留言主题 (title), 留言详情 (description), 一级分类 (label)",
        )
        parser.add_argument(
            "--output", help=f"artefact path (default {settings.ROUTER_MODEL_PATH})"
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
        if opts["input"]:
            try:
                examples = M.examples_from_file(opts["input"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        else:
            examples = [M.Example(t, d, label) for t, d, label in case_training_rows()]
            if not examples:
                raise CommandError("No categorised cases in the database; use --input FILE.")
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
        path = Path(opts["output"] or settings.ROUTER_MODEL_PATH)
        versioned = M.save(router, path)
        S.reset()
        self.stdout.write(self.style.SUCCESS(f"Saved router {router.version} to {versioned}"))
        self.stdout.write(
            json.dumps(
                {k: v for k, v in router.metadata.items() if k != "metrics"}, ensure_ascii=False
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
