"""Fit the model on the training corpus; measure it on the held-out set; save it.

The held-out set is only measured, never fitted on: its figures go into the model
file's metadata so anyone can see what the shipped model scored.
"""

from __future__ import annotations

import datetime as dt
import platform
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import scipy
import sklearn
import skops

from classifier.corpus import Example, data_hash
from classifier.coverage import known_word_share, word_vocabulary
from classifier.evaluate import Report, evaluate
from classifier.model import build_pipeline
from classifier.persistence import ModelBundle
from classifier.policy import KNOWN_WORDS_MIN, Thresholds, decide, reads_sentences
from classifier.sentence_model import fit_sentence_model, sentence_reader
from classifier.sentences import legal_by_sentence
from classifier.thresholds import OutOfFold, choose_thresholds, out_of_fold
from inbox.models import LABELS

Progress = Callable[[str], None]


def fit(examples: Sequence[Example]) -> object:
    pipeline = build_pipeline()
    pipeline.fit([e.input.text() for e in examples], [e.label for e in examples])
    return pipeline


def measure(bundle: ModelBundle, examples: Sequence[Example], thresholds: Thresholds) -> Report:
    """Run the full decision policy (guard and abstain included) on labeled examples."""
    pipeline = bundle.pipeline
    probabilities = pipeline.predict_proba([e.input.text() for e in examples])
    classes = [str(c) for c in pipeline.classes_]
    scores = [dict(zip(classes, map(float, row), strict=True)) for row in probabilities]
    inputs = [e.input for e in examples]
    unread = [not reads_sentences(row, thresholds) for row in scores]
    by_sentence = legal_by_sentence(sentence_reader(bundle), inputs, unread)
    known = known_word_share(inputs, word_vocabulary(pipeline))
    return measure_scores(examples, scores, thresholds, by_sentence, known)


def measure_scores(
    examples: Sequence[Example],
    scores: Sequence[dict[str, float]],
    thresholds: Thresholds,
    sentence_legal: Sequence[float] | None = None,
    known_words: Sequence[float] | None = None,
) -> Report:
    """The policy over given scores (e.g. out-of-fold ones): labels, abstentions, report.
    Without `sentence_legal` / `known_words` those two checks are not applied."""
    predicted, abstained = [], []
    by_sentence = sentence_legal or [0.0] * len(examples)
    known = known_words or [1.0] * len(examples)
    for example, row, sentence, share in zip(examples, scores, by_sentence, known, strict=True):
        decision = decide(
            row,
            thresholds,
            machine_written=example.input.machine_written,
            sentence_legal=sentence,
            known_words=share,
        )
        predicted.append(decision.label)
        abstained.append(decision.needs_triage)
    return evaluate([e.label for e in examples], predicted, abstained)


def legal_recall_decided(
    examples: Sequence[Example], oof: OutOfFold, thresholds: Thresholds
) -> float:
    """The thresholds' constraint as a figure: legal-question recall over the mails the
    model decides (not sent to a person for their unknown words)."""
    kept = [i for i, share in enumerate(oof.known_words) if share >= KNOWN_WORDS_MIN]
    return measure_scores(
        [examples[i] for i in kept],
        [oof.scores[i] for i in kept],
        thresholds,
        [oof.sentence_legal[i] for i in kept],
        [oof.known_words[i] for i in kept],
    ).legal_recall


def train_model(
    train: Sequence[Example],
    heldout: Sequence[Example],
    train_files: Sequence[Path],
    override: Thresholds | None = None,
    progress: Progress = print,
    extra_metadata: dict[str, object] | None = None,
) -> tuple[ModelBundle, Report | None]:
    """Fit, choose thresholds (unless overridden), measure on the held-out set."""
    counts = {label: sum(e.label == label for e in train) for label in LABELS}
    progress(f"training on {len(train)} examples {counts}")
    progress("scoring each example with a model that never saw its writer brief (5 folds)")
    oof = out_of_fold(train)
    chosen = choose_thresholds(train, oof.scores, oof.known_words, oof.sentence_legal, oof.folds)
    progress(
        f"chosen: legal guard {chosen.legal_guard} (one question sentence "
        f"{chosen.sentence_guard}, counted from P(legal) {chosen.sentence_gate}), "
        f"confidence {chosen.confidence}, legal doubt from {chosen.doubt}"
    )
    thresholds = override or chosen
    cross_validated = measure_scores(
        train, oof.scores, thresholds, oof.sentence_legal, oof.known_words
    )
    decided = legal_recall_decided(train, oof, thresholds)
    progress(
        f"writer-disjoint cross-validation: macro-F1 {cross_validated.macro_f1:.3f}, "
        f"legal recall {cross_validated.legal_recall:.3f} "
        f"({decided:.3f} of the mails the model decides)"
    )
    progress("fitting the final model and the sentence model on all training examples")
    pipeline = fit(train)
    sentence_pipeline = fit_sentence_model(train)
    progress("fitted; measuring on the held-out set" if heldout else "fitted")
    unmeasured = ModelBundle(pipeline, {}, sentence_pipeline)  # type: ignore[arg-type]
    report = measure(unmeasured, heldout, thresholds) if heldout else None
    now = dt.datetime.now(dt.UTC)
    digest = data_hash(train_files)
    metadata: dict[str, object] = {
        "version": f"{now:%Y%m%dT%H%M%SZ}-{digest[:8]}",
        "labels": list(LABELS),
        "trained_at": now.isoformat(timespec="seconds"),
        "training_examples": len(train),
        "training_label_counts": counts,
        "training_data_sha256": digest,
        "training_files": [p.name for p in train_files],
        "thresholds": chosen.as_dict(),
        "thresholds_measured": thresholds.as_dict(),
        "writer_disjoint_cv_metrics": cross_validated.as_dict(),
        "writer_disjoint_legal_recall_decided": round(decided, 4),
        "writer_briefs": len({e.group for e in train}),
        "heldout_metrics": report.as_dict() if report else None,
        "library_versions": {
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "skops": skops.__version__,
        },
    }
    metadata.update(extra_metadata or {})
    return ModelBundle(pipeline, metadata, sentence_pipeline), report  # type: ignore[arg-type]
