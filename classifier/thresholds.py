"""Choosing the policy's thresholds from out-of-fold predictions on the training set.

The held-out set stays untouched: it only measures the result. Each training
example is scored by a model that saw no mail of its writer brief (5-fold
cross-validation grouped by brief: a writer's phrasing never helps score the same
writer), and the thresholds are read off those honest scores:
- legal guard: the highest value that keeps legal-question recall >= 0.99 (unseen
  writers are what production mail is);
- confidence: the lowest value at which the messages not sent to triage are right
  at least `kept_accuracy` of the time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict

from classifier.corpus import Example
from classifier.model import build_pipeline
from classifier.policy import Thresholds, decide

LEGAL_RECALL_TARGET = 0.99
KEPT_ACCURACY_TARGET = 0.975
GUARD_GRID = tuple(round(float(x), 2) for x in np.arange(0.05, 0.55, 0.05))
CONFIDENCE_GRID = tuple(round(float(x), 2) for x in np.arange(0.35, 0.75, 0.05))


def out_of_fold_scores(examples: Sequence[Example], folds: int = 5) -> list[dict[str, float]]:
    """Scores from models that never saw the example's writer brief (or, with fewer
    briefs than folds, plain stratified folds)."""
    texts = [e.input.text() for e in examples]
    labels = [e.label for e in examples]
    groups = [e.group or e.id for e in examples]
    if len(set(groups)) >= folds:
        cv = StratifiedGroupKFold(folds, shuffle=True, random_state=0)
    else:
        cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    probabilities = cross_val_predict(
        build_pipeline(), texts, labels, groups=groups, cv=cv, method="predict_proba"
    )
    classes = sorted(set(labels))
    return [dict(zip(classes, map(float, row), strict=True)) for row in probabilities]


def choose_thresholds(
    examples: Sequence[Example], scores: Sequence[dict[str, float]]
) -> Thresholds:
    truth = [e.label for e in examples]
    machine = [e.input.machine_written for e in examples]

    def outcomes(t: Thresholds) -> list[tuple[str, bool]]:
        results = []
        for s, m in zip(scores, machine, strict=True):
            d = decide(s, t, machine_written=m)
            results.append((d.label, d.needs_triage))
        return results

    legal = [i for i, label in enumerate(truth) if label == "legal_question"]
    guard = GUARD_GRID[0]
    for candidate in GUARD_GRID:
        predicted = outcomes(Thresholds(0.0, candidate))
        recall = sum(predicted[i][0] == "legal_question" for i in legal) / max(1, len(legal))
        if recall >= LEGAL_RECALL_TARGET:
            guard = candidate
    confidence = CONFIDENCE_GRID[-1]
    for candidate in CONFIDENCE_GRID:
        predicted = outcomes(Thresholds(candidate, guard))
        kept = [(p, t) for (p, abstain), t in zip(predicted, truth, strict=True) if not abstain]
        if kept and sum(p == t for p, t in kept) / len(kept) >= KEPT_ACCURACY_TARGET:
            confidence = candidate
            break
    return Thresholds(confidence=float(confidence), legal_guard=float(guard))
