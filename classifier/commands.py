"""What `inbox-router classify`, `train` and `eval` do, apart from argument parsing."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from classifier.corpus import (
    HELDOUT_DIR,
    INTENTS_DIR,
    TRAIN_DIR,
    CorpusError,
    Example,
    corpus_files,
    data_hash,
    has_intent,
    load_examples,
)
from classifier.evaluate import Report
from classifier.features import ModelInput
from classifier.intent_model import IntentModels, save_intent_models
from classifier.intent_train import RulesIntent, train_intent_models
from classifier.persistence import save_bundle
from classifier.policy import Thresholds
from classifier.predict import Classifier
from classifier.registry import corrections, register_candidate
from classifier.train import ALL_MAIL, measure, measure_by_group, train_model
from inbox.mail.parse import parse_file
from inbox.models import LABELS
from inbox.settings import Settings

Out = Callable[[str], None]


def unreadable_result(path: Path, reason: str) -> dict[str, object]:
    """Mail we cannot parse still gets a line: `other`, abstaining, with the reason."""
    return {
        "file": str(path),
        "label": "other",
        "confidence": 0.0,
        "scores": dict.fromkeys(LABELS, 0.25),
        "needs_triage": True,
        "error": reason,
    }


def classify_files(
    settings: Settings,
    paths: Sequence[Path],
    out: Out,
    *,
    as_json: bool,
    model_path: Path | None = None,
) -> None:
    classifier = Classifier.from_settings(settings, model_path)
    for path in paths:
        parsed, error = parse_file(path)
        if parsed is None:
            result = unreadable_result(path, error or "unreadable")
            explanation: list[str] = []
        else:
            prediction = classifier.predict_parsed(parsed, explain=not as_json)
            result = {"file": str(path), **prediction.as_json()}
            explanation = [term for term, _ in prediction.explanation]
        if as_json:
            out(json.dumps(result, ensure_ascii=False))
        else:
            flag = "  (needs triage)" if result["needs_triage"] else ""
            why = f"  [{', '.join(explanation)}]" if explanation else ""
            out(f"{path}: {result['label']} {float(result['confidence']):.2f}{flag}{why}")


def examples_from_labels(csv_path: Path, directory: Path) -> list[tuple[Path, str]]:
    """A CSV with `file` and `label` columns naming .eml files in `directory`."""
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"file", "label"} <= set(reader.fieldnames):
            raise CorpusError(f"{csv_path}:1: needs columns 'file' and 'label'")
        rows = []
        for row in reader:
            if row["label"] not in LABELS:
                raise CorpusError(f"{csv_path}:{reader.line_num}: label {row['label']!r} unknown")
            rows.append((directory / row["file"], row["label"]))
    return rows


def evaluate_labeled_files(
    settings: Settings, csv_path: Path, directory: Path, model_path: Path | None = None
) -> Report:
    classifier = Classifier.from_settings(settings, model_path)
    examples = []
    for path, label in examples_from_labels(csv_path, directory):
        parsed, error = parse_file(path)
        if parsed is None:
            raise CorpusError(f"{path}: {error}")
        examples.append(Example(path.name, label, ModelInput.from_parsed(parsed)))
    return measure(classifier.bundle, examples, classifier.thresholds)


def evaluate_heldout(settings: Settings, model_path: Path | None = None) -> dict[str, Report]:
    """The held-out briefs through the whole policy: over all mail (ALL_MAIL) and each
    language group's."""
    classifier = Classifier.from_settings(settings, model_path)
    examples = load_examples(corpus_files(HELDOUT_DIR))
    return measure_by_group(classifier.bundle, examples, classifier.thresholds)


def writer_disjoint_reports(
    settings: Settings, model_path: Path | None = None
) -> dict[str, Report]:
    """The model's cross-validation grouped by writer brief, measured when it was
    trained (the headline figure: no writer scored by a model that read them), over all
    mail (ALL_MAIL) and each language group's (model files since groups)."""
    metadata = Classifier.from_settings(settings, model_path).bundle.metadata
    stored = metadata.get("writer_disjoint_cv_metrics")
    if not isinstance(stored, dict):
        return {}
    by_group = metadata.get("writer_disjoint_cv_by_group") or {}
    return {ALL_MAIL: Report.from_dict(stored)} | {
        name: Report.from_dict(report) for name, report in by_group.items()
    }


def group_lines(reports: dict[str, Report]) -> str:
    """One line a language group: what the full report of all mail shows, in brief."""
    lines = []
    for name, r in reports.items():
        if name == ALL_MAIL:
            continue
        status = r.per_label["status_request"]["recall"]
        lines.append(
            f"language group {name:<6} {r.n:>6} mails: macro-F1 {r.macro_f1:.3f}, "
            f"legal recall {r.legal_recall:.3f}, status recall {status:.3f}, "
            f"abstain {r.abstain_rate:.3f}"
        )
    return "\n".join(lines)


def train_and_save(
    settings: Settings,
    output: Path,
    out: Out,
    extra: Sequence[Example] = (),
) -> Report | None:
    files = corpus_files(TRAIN_DIR)
    out(f"reading {len(files)} corpus files from {TRAIN_DIR}")
    train = load_examples(files) + list(extra)
    heldout = load_examples(corpus_files(HELDOUT_DIR))
    override = None
    if settings.confidence_threshold is not None and settings.legal_guard_threshold is not None:
        override = Thresholds(settings.confidence_threshold, settings.legal_guard_threshold)
    bundle, report = train_model(
        train,
        heldout,
        files,
        override,
        progress=out,
        extra_metadata={"corrections": len(extra)},
    )
    save_bundle(bundle, output)
    out(f"saved model {bundle.version} to {output} ({output.stat().st_size / 1e6:.1f} MB)")
    if report is not None:
        out("held-out set:\n" + report.text())
    return report


def retrain_with_corrections(session, settings: Settings, out: Out):  # type: ignore[no-untyped-def]
    """Train on the corpus plus people's corrections; promote only if not worse."""
    extra = corrections(session)
    out(f"{len(extra)} corrections from the database")
    files = corpus_files(TRAIN_DIR)
    heldout = load_examples(corpus_files(HELDOUT_DIR))
    bundle, _ = train_model(
        load_examples(files) + extra,
        [],
        files,
        None,
        progress=out,
        extra_metadata={"corrections": len(extra)},
    )
    return register_candidate(session, bundle, settings.models_dir, heldout, settings, out)


def train_intents_and_save(
    output: Path,
    rules: RulesIntent,
    out: Out,
    train_dirs: Sequence[Path] = (TRAIN_DIR, INTENTS_DIR),
    heldout_dirs: Sequence[Path] = (HELDOUT_DIR,),
) -> IntentModels:
    """Fit the intent models on the intent-labelled mail of the corpus folders, measure
    them against the phrase rules (`rules`), save them to `output`."""
    files = [f for d in train_dirs for f in corpus_files(d)]
    heldout_files = [f for d in heldout_dirs for f in corpus_files(d)]
    out(f"reading {len(files)} training and {len(heldout_files)} held-out corpus files")
    models = train_intent_models(
        load_examples(files, has_intent),
        load_examples(heldout_files, has_intent),
        rules,
        {
            "training_files": sorted(p.name for p in files),
            "training_data_sha256": data_hash(files),
            "heldout_files": sorted(p.name for p in heldout_files),
        },
        progress=out,
    )
    if not models.pipelines:
        raise CorpusError("no intent-labelled mail in the training corpus: nothing to fit")
    save_intent_models(models, output)
    out(f"saved intent models to {output} ({output.stat().st_size / 1e6:.1f} MB)")
    return models
