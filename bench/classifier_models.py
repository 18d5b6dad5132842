"""Choose the classifier by measurement: model kinds and text forms, writer-disjoint.

For each variant (logistic regression or a calibrated linear SVM; numbers, amounts
and addresses kept as placeholder tokens or dropped), score every training example
with a model that never saw its writer brief (5-fold cross-validation grouped by
brief), choose the thresholds from those scores as training does, and report the
policy's figures; then fit on all of the corpus and measure the held-out briefs and,
if given, a labelled folder (e.g. ../shared/clientmail, measured only). Prints a
table; always exits 0.

    python bench/classifier_models.py [--labels CSV DIR] [--variants lr,lr-c5,svm,lr-drop,...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import classifier.features as features  # noqa: E402
from classifier.commands import examples_from_labels  # noqa: E402
from classifier.corpus import HELDOUT_DIR, TRAIN_DIR, Example, corpus_files, load_examples  # noqa: E402
from classifier.evaluate import Report  # noqa: E402
from classifier.model import build_pipeline  # noqa: E402
from classifier.persistence import ModelBundle  # noqa: E402
from classifier.sentence_model import fit_sentence_model  # noqa: E402
from classifier.thresholds import choose_thresholds, out_of_fold  # noqa: E402
from classifier.train import measure, measure_scores  # noqa: E402
from inbox.mail.parse import parse_file  # noqa: E402


def _svm() -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    return CalibratedClassifierCV(LinearSVC(C=0.5, class_weight="balanced"), cv=3)


def _lr(c: float) -> Callable[[], Any]:
    from sklearn.linear_model import LogisticRegression

    return lambda: LogisticRegression(C=c, max_iter=3000, class_weight="balanced")


VARIANTS: dict[str, tuple[Callable[[], Any] | None, bool]] = {
    "lr": (None, True),
    "lr-c5": (_lr(5.0), True),
    "lr-c2": (_lr(2.0), True),
    "svm": (_svm, True),
    "lr-drop": (None, False),
    "svm-drop": (_svm, False),
}


def _line(name: str, report: Report) -> str:
    status = report.per_label["status_request"]["recall"]
    return (
        f"{name:<26} macro-F1 {report.macro_f1:.3f}  legal recall {report.legal_recall:.3f}  "
        f"status recall {status:.3f}  abstain {report.abstain_rate:.3f}"
    )


def _labelled(csv_path: Path, directory: Path) -> list[Example]:
    out = []
    for path, label in examples_from_labels(csv_path, directory):
        parsed, _unreadable = parse_file(path)
        if parsed is not None:
            out.append(Example(path.name, label, features.ModelInput.from_parsed(parsed)))
    return out


def _sentence_guard_cost(bundle: ModelBundle, heldout: list[Example], thresholds: Any) -> None:
    """Legal precision and recall on the held-out briefs with and without the
    sentence-level guard, and the share of mixed status + legal mails labelled legal."""
    pipeline = bundle.pipeline
    classes = [str(c) for c in pipeline.classes_]
    rows = pipeline.predict_proba([e.input.text() for e in heldout])
    scores = [dict(zip(classes, map(float, row), strict=True)) for row in rows]
    without = measure_scores(heldout, scores, thresholds)
    with_guard = measure(bundle, heldout, thresholds)
    for name, report in (("without sentence guard", without), ("with sentence guard", with_guard)):
        legal = report.per_label["legal_question"]
        print(
            f"   {name:<24} legal precision {legal['precision']:.3f} "
            f"recall {legal['recall']:.3f}  macro-F1 {report.macro_f1:.3f}"
        )
    mixed_ids = _mixed_status_legal_ids()
    mixed = [e for e in heldout if e.id in mixed_ids]
    if mixed:
        rate = measure(bundle, mixed, thresholds).legal_recall
        print(f"   mixed status + legal held-out mails labelled legal: {rate:.3f} of {len(mixed)}")


def _mixed_status_legal_ids() -> set[str]:
    ids = set()
    for path in corpus_files(HELDOUT_DIR):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                if record["label"] == "legal_question" and "status_request" in (
                    record.get("also") or []
                ):
                    ids.add(str(record["id"]))
    return ids


def run(name: str, model: Callable[[], Any] | None, keep_placeholders: bool, args: Any) -> None:
    original = features._placeholder
    if not keep_placeholders:
        features._placeholder = lambda match: " "  # type: ignore[assignment]
    original_build = build_pipeline

    def build(**params: Any) -> Any:
        pipeline = original_build(**params)
        if model is not None:
            pipeline.set_params(model=model())
        return pipeline

    import classifier.thresholds as thresholds_module

    thresholds_module.build_pipeline = build  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        train = load_examples(corpus_files(TRAIN_DIR))
        heldout = load_examples(corpus_files(HELDOUT_DIR))
        oof = out_of_fold(train)
        thresholds = choose_thresholds(
            train, oof.scores, oof.known_words, oof.sentence_legal, oof.folds
        )
        print(
            f"== {name}: {len(train)} examples, {len({e.group for e in train})} briefs; "
            f"thresholds {thresholds}"
        )
        cv = measure_scores(train, oof.scores, thresholds, oof.sentence_legal, oof.known_words)
        print(_line("writer-disjoint CV", cv))
        pipeline = build()
        pipeline.fit([e.input.text() for e in train], [e.label for e in train])
        bundle = ModelBundle(pipeline, {}, fit_sentence_model(train))
        print(_line("held-out briefs", measure(bundle, heldout, thresholds)))
        _sentence_guard_cost(bundle, heldout, thresholds)
        if args.labels:
            labelled = _labelled(Path(args.labels[0]), Path(args.labels[1]))
            print(_line(f"labelled ({len(labelled)})", measure(bundle, labelled, thresholds)))
        print(f"   {time.perf_counter() - started:.0f} s")
    finally:
        features._placeholder = original
        thresholds_module.build_pipeline = original_build  # type: ignore[assignment]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", nargs=2, metavar=("CSV", "DIR"))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args(argv)
    for name in args.variants.split(","):
        model, keep = VARIANTS[name]
        try:
            run(name, model, keep, args)
        except Exception as exc:  # a benchmark reports, it does not fail
            print(f"{name}: failed: {exc!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
