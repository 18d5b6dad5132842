"""Fit the intent models on the intent-labelled corpus and say, honestly, whether they
beat the phrase rules.

Each label's mails are scored out of fold, grouped by writer brief (no writer scored
by a model that read them), next to the rules' answer for the same mail. The
threshold under which the rules answer instead of the model is read off those scores
(0: the model always; above 1: the rules always), and the same three figures (rules,
model, the two combined) are measured on the held-out briefs, which are never fitted.
The rules are handed in (`RulesIntent`): this layer does not import them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from classifier.corpus import Example
from classifier.features import ModelInput
from classifier.intent_model import IntentModels, build_intent_pipeline
from inbox.models import INTENTS

RulesIntent = Callable[[str, ModelInput], str]  # (label, input) -> the rules' intent
Progress = Callable[[str], None]
THRESHOLD_GRID = (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.01)
MAX_FOLDS = 5


@dataclass(frozen=True)
class Scored:
    """One mail's true intent, the model's guess and probability, and the rules' answer."""

    truth: str
    model: str
    probability: float
    rules: str

    def combined(self, threshold: float) -> str:
        return self.model if self.probability >= threshold else self.rules


def with_intent(examples: Sequence[Example], label: str) -> list[Example]:
    return [e for e in examples if e.label == label and e.intent]


def out_of_fold(
    examples: Sequence[Example],
    rules: RulesIntent,
    label: str,
    build: Callable[[], Pipeline] = build_intent_pipeline,
) -> list[Scored]:
    """Each mail scored by a model fitted without its writer brief (as many folds as
    briefs, up to five; GroupKFold does not shuffle, so the folds never change)."""
    groups = [e.group or e.id for e in examples]
    folds = min(MAX_FOLDS, len(set(groups)))
    if folds < 2:
        raise ValueError(f"{label}: intent-labelled mail from one writer brief only; need two")
    texts = [e.input.text() for e in examples]
    truth = [str(e.intent) for e in examples]
    scored: list[Scored | None] = [None] * len(examples)
    for fit_index, test_index in GroupKFold(folds).split(texts, truth, groups):
        pipeline = build()
        pipeline.fit([texts[i] for i in fit_index], [truth[i] for i in fit_index])
        rows = pipeline.predict_proba([texts[i] for i in test_index])
        for i, row in zip(test_index, rows, strict=True):
            best = int(row.argmax())
            scored[i] = Scored(
                truth[i],
                str(pipeline.classes_[best]),
                float(row[best]),
                rules(label, examples[i].input),
            )
    return [s for s in scored if s is not None]


def scored_by(
    models: IntentModels, label: str, examples: Sequence[Example], rules: RulesIntent
) -> list[Scored]:
    out = []
    for e in examples:
        intent, probability = models.predict(label, e.input)
        out.append(Scored(str(e.intent), intent, probability, rules(label, e.input)))
    return out


def accuracies(scored: Sequence[Scored], threshold: float) -> dict[str, float | int]:
    """Share right for the rules alone, the model alone, and the two combined."""
    n = len(scored)

    def share(right: int) -> float:
        return round(right / n, 4) if n else 0.0

    return {
        "n": n,
        "rules": share(sum(s.rules == s.truth for s in scored)),
        "model": share(sum(s.model == s.truth for s in scored)),
        "combined": share(sum(s.combined(threshold) == s.truth for s in scored)),
    }


def choose_threshold(scored: Sequence[Scored]) -> float:
    """The grid value with the most out-of-fold mails right (ties: the lower, i.e. more
    of the model, whose errors were measured on unseen writers)."""
    return max(
        THRESHOLD_GRID,
        key=lambda t: (sum(s.combined(t) == s.truth for s in scored), -t),
    )


def train_intent_models(
    train: Sequence[Example],
    heldout: Sequence[Example],
    rules: RulesIntent,
    extra_metadata: dict[str, object] | None = None,
    progress: Progress = print,
) -> IntentModels:
    """A model per label with intent-labelled mail; the figures go into its metadata
    (nothing time-dependent: the same corpus gives the same file). One BLAS thread:
    these fits are small, and on a busy machine threads only fight each other."""
    with threadpool_limits(1):
        return _train(train, heldout, rules, extra_metadata or {}, progress)


def _train(
    train: Sequence[Example],
    heldout: Sequence[Example],
    rules: RulesIntent,
    extra_metadata: dict[str, object],
    progress: Progress,
) -> IntentModels:
    pipelines, thresholds, cv, held = {}, {}, {}, {}
    for label in INTENTS:
        examples = with_intent(train, label)
        if not examples:
            progress(f"{label}: no intent-labelled training mail; the rules answer alone")
            continue
        briefs = sorted({e.group for e in examples})
        progress(f"{label}: {len(examples)} mails from {len(briefs)} briefs ({', '.join(briefs)})")
        scored = out_of_fold(examples, rules, label)
        thresholds[label] = choose_threshold(scored)
        cv[label] = accuracies(scored, thresholds[label])
        progress(f"  writer-disjoint CV: {_line(cv[label])}, threshold {thresholds[label]}")
        pipeline = build_intent_pipeline()
        pipeline.fit([e.input.text() for e in examples], [str(e.intent) for e in examples])
        pipelines[label] = pipeline
    models = IntentModels(pipelines, {"thresholds": thresholds})
    for label in pipelines:
        examples = with_intent(heldout, label)
        if examples:
            held[label] = accuracies(scored_by(models, label, examples, rules), thresholds[label])
            progress(f"  {label} held-out: {_line(held[label])}")
    models.metadata.update(
        {
            **extra_metadata,
            "training_examples": {label: len(with_intent(train, label)) for label in pipelines},
            "writer_disjoint_cv": cv,
            "heldout": held,
        }
    )
    return models


def _line(figures: dict[str, float | int]) -> str:
    return (
        f"rules {figures['rules']:.3f}, model {figures['model']:.3f}, "
        f"combined {figures['combined']:.3f} (n={figures['n']})"
    )
