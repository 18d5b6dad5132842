"""Fit the model on the training corpus; measure it on the held-out set; save it.

The held-out set is only measured, never fitted on: its figures go into the model
file's metadata so anyone can see what the shipped model scored.
"""

from __future__ import annotations

import datetime as dt
import platform
from collections.abc import Callable, Iterable, Sequence
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
from classifier.policy import (
    ENGLISH,
    KNOWN_WORDS_MIN,
    LANGUAGE_GROUPS,
    Decision,
    Thresholds,
    decide,
    reads_sentences,
)
from classifier.sentence_model import fit_sentence_model, sentence_reader
from classifier.sentences import legal_by_sentence
from classifier.thresholds import (
    LEGAL_RECALL_TARGET,
    OutOfFold,
    choose_thresholds,
    language_groups,
    out_of_fold,
)
from inbox.models import LABELS

Progress = Callable[[str], None]
ALL_MAIL = "all"  # the reports over every mail, beside each language group's


def fit(examples: Sequence[Example]) -> object:
    pipeline = build_pipeline()
    pipeline.fit([e.input.text() for e in examples], [e.label for e in examples])
    return pipeline


def measure(bundle: ModelBundle, examples: Sequence[Example], thresholds: Thresholds) -> Report:
    """Run the full decision policy (guard and abstain included) on labeled examples."""
    return measure_by_group(bundle, examples, thresholds)[ALL_MAIL]


def measure_by_group(
    bundle: ModelBundle, examples: Sequence[Example], thresholds: Thresholds
) -> dict[str, Report]:
    """`measure` over all the examples (ALL_MAIL) and over each language group's."""
    pipeline = bundle.pipeline
    probabilities = pipeline.predict_proba([e.input.text() for e in examples])
    classes = [str(c) for c in pipeline.classes_]
    scores = [dict(zip(classes, map(float, row), strict=True)) for row in probabilities]
    inputs = [e.input for e in examples]
    groups = language_groups(examples)
    unread = [
        not reads_sentences(row, thresholds, group)
        for row, group in zip(scores, groups, strict=True)
    ]
    by_sentence = legal_by_sentence(sentence_reader(bundle), inputs, unread)
    known = known_word_share(inputs, word_vocabulary(pipeline))
    return reports_by_group(examples, scores, thresholds, by_sentence, known)


def measure_scores(
    examples: Sequence[Example],
    scores: Sequence[dict[str, float]],
    thresholds: Thresholds,
    sentence_legal: Sequence[float] | None = None,
    known_words: Sequence[float] | None = None,
) -> Report:
    """The policy over given scores (e.g. out-of-fold ones): labels, abstentions, report.
    Without `sentence_legal` / `known_words` those two checks are not applied."""
    return reports_by_group(examples, scores, thresholds, sentence_legal, known_words)[ALL_MAIL]


def reports_by_group(
    examples: Sequence[Example],
    scores: Sequence[dict[str, float]],
    thresholds: Thresholds,
    sentence_legal: Sequence[float] | None = None,
    known_words: Sequence[float] | None = None,
) -> dict[str, Report]:
    """`measure_scores` over all the examples (ALL_MAIL) and each language group's (a
    group with no example has no report), each mail decided with its group's
    thresholds."""
    by_sentence = sentence_legal or [0.0] * len(examples)
    known = known_words or [1.0] * len(examples)
    groups = language_groups(examples)
    decisions = [
        decide(
            row,
            thresholds,
            machine_written=example.input.machine_written,
            sentence_legal=sentence,
            known_words=share,
            group=group,
        )
        for example, row, sentence, share, group in zip(
            examples, scores, by_sentence, known, groups, strict=True
        )
    ]
    reports = {ALL_MAIL: _report(examples, decisions, range(len(examples)))}
    for group in LANGUAGE_GROUPS:
        inside = [i for i, g in enumerate(groups) if g == group]
        if inside:
            reports[group] = _report(examples, decisions, inside)
    return reports


def _report(
    examples: Sequence[Example], decisions: Sequence[Decision], inside: Iterable[int]
) -> Report:
    rows = list(inside)
    return evaluate(
        [examples[i].label for i in rows],
        [decisions[i].label for i in rows],
        [decisions[i].needs_triage for i in rows],
    )


def legal_recall_decided(
    examples: Sequence[Example], oof: OutOfFold, thresholds: Thresholds
) -> dict[str, float]:
    """The thresholds' constraint as a figure, over all mail (ALL_MAIL) and each language
    group's: legal-question recall over the mails the model decides (not sent to a
    person for their unknown words)."""
    kept = [i for i, share in enumerate(oof.known_words) if share >= KNOWN_WORDS_MIN]
    reports = reports_by_group(
        [examples[i] for i in kept],
        [oof.scores[i] for i in kept],
        thresholds,
        [oof.sentence_legal[i] for i in kept],
        [oof.known_words[i] for i in kept],
    )
    return {name: report.legal_recall for name, report in reports.items()}


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
    for name, picked in ((ALL_MAIL, chosen), *chosen.by_group):
        progress(f"chosen for {_group_name(name)}: {_described(picked)}")
    thresholds = override or chosen
    cross_validated = reports_by_group(
        train, oof.scores, thresholds, oof.sentence_legal, oof.known_words
    )
    decided = legal_recall_decided(train, oof, thresholds)
    for name, report in cross_validated.items():
        below = " (under the target)" if decided[name] < LEGAL_RECALL_TARGET else ""
        progress(
            f"writer-disjoint cross-validation, {_group_name(name)}: "
            f"macro-F1 {report.macro_f1:.3f}, legal recall {report.legal_recall:.3f} "
            f"({decided[name]:.3f} of the mails the model decides{below})"
        )
    progress("fitting the final model and the sentence model on all training examples")
    pipeline = fit(train)
    sentence_pipeline = fit_sentence_model(train)
    progress("fitted; measuring on the held-out set" if heldout else "fitted")
    unmeasured = ModelBundle(pipeline, {}, sentence_pipeline)  # type: ignore[arg-type]
    measured = measure_by_group(unmeasured, heldout, thresholds) if heldout else {}
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
        "writer_disjoint_cv_metrics": cross_validated[ALL_MAIL].as_dict(),
        "writer_disjoint_legal_recall_decided": round(decided[ALL_MAIL], 4),
        # each language group's mail alone (policy.language_group), with its thresholds
        "writer_disjoint_cv_by_group": {
            name: {**r.as_dict(), "legal_recall_decided": round(decided[name], 4)}
            for name, r in cross_validated.items()
            if name != ALL_MAIL
        },
        "writer_briefs": len({e.group for e in train}),
        "heldout_metrics": measured[ALL_MAIL].as_dict() if measured else None,
        "heldout_by_group": {n: r.as_dict() for n, r in measured.items() if n != ALL_MAIL},
        "library_versions": {
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "skops": skops.__version__,
        },
    }
    metadata.update(extra_metadata or {})
    report = measured.get(ALL_MAIL)
    return ModelBundle(pipeline, metadata, sentence_pipeline), report  # type: ignore[arg-type]


def _group_name(name: str) -> str:
    """How a report names a language group (or all mail)."""
    return {ALL_MAIL: "all mail", ENGLISH: "English mail"}.get(name, "other languages")


def _described(t: Thresholds) -> str:
    return (
        f"legal guard {t.legal_guard} (one question sentence {t.sentence_guard}, "
        f"counted from P(legal) {t.sentence_gate}), confidence {t.confidence}, "
        f"legal doubt from {t.doubt} (without a question sentence {t.doubt_without_sentence})"
    )
