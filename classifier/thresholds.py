"""Choosing the policy's thresholds from out-of-fold predictions on the training set.

The held-out set stays untouched: it only measures the result. Each training
example is scored by a model that saw no mail of its writer brief (5-fold
cross-validation grouped by brief: a writer's phrasing never helps score the same
writer), and the thresholds are read off those honest scores:
- legal guards (the whole mail's and one question sentence's): of the pairs that keep
  legal-question recall >= 0.99 (unseen writers are what production mail is), the one
  with the best macro-F1. Recall is counted over the mails the model decides: a mail
  whose words are mostly unknown to its fold's model (a language no other brief wrote
  in) goes to a person whatever its scores, so it does not drag the guard down for all;
- confidence: the lowest value at which the messages not sent to triage are right
  at least `kept_accuracy` of the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from classifier.corpus import Example
from classifier.coverage import known_word_share, word_vocabulary
from classifier.evaluate import evaluate
from classifier.model import build_pipeline
from classifier.policy import KNOWN_WORDS_MIN, Thresholds, decide
from classifier.sentences import legal_by_sentence

LEGAL_RECALL_TARGET = 0.99
KEPT_ACCURACY_TARGET = 0.975
GUARD_GRID = tuple(round(float(x), 2) for x in np.arange(0.05, 0.55, 0.05))
SENTENCE_GUARD_GRID = (*tuple(round(float(x), 2) for x in np.arange(0.1, 1.0, 0.05)), 1.01)
CONFIDENCE_GRID = tuple(round(float(x), 2) for x in np.arange(0.35, 0.75, 0.05))


@dataclass(frozen=True)
class OutOfFold:
    """Each example's scores, the legal probability of its most legal question sentence
    and its known-word share, from a model that never saw its writer brief."""

    scores: list[dict[str, float]]
    known_words: list[float]
    sentence_legal: list[float]


def out_of_fold(examples: Sequence[Example], folds: int = 5) -> OutOfFold:
    """Scores from models that never saw the example's writer brief (or, with fewer
    briefs than folds, plain stratified folds)."""
    texts = [e.input.text() for e in examples]
    labels = [e.label for e in examples]
    groups = [e.group or e.id for e in examples]
    if len(set(groups)) >= folds:
        cv = StratifiedGroupKFold(folds, shuffle=True, random_state=0)
    else:
        cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    classes = sorted(set(labels))
    scores: list[dict[str, float]] = [{} for _ in examples]
    known = [1.0] * len(examples)
    by_sentence = [0.0] * len(examples)
    for train_index, test_index in cv.split(texts, labels, groups):
        pipeline = build_pipeline()
        pipeline.fit([texts[i] for i in train_index], [labels[i] for i in train_index])
        columns = [str(c) for c in pipeline.classes_]
        rows = pipeline.predict_proba([texts[i] for i in test_index])
        inputs = [examples[i].input for i in test_index]
        shares = known_word_share(inputs, word_vocabulary(pipeline))
        sentences = legal_by_sentence(pipeline.predict_proba, columns, inputs)
        for i, row, share, sentence in zip(test_index, rows, shares, sentences, strict=True):
            by_class = dict(zip(columns, map(float, row), strict=True))
            scores[i] = {label: by_class.get(label, 0.0) for label in classes}
            known[i] = share
            by_sentence[i] = sentence
    return OutOfFold(scores, known, by_sentence)


def choose_thresholds(
    examples: Sequence[Example],
    scores: Sequence[dict[str, float]],
    known_words: Sequence[float] | None = None,
    sentence_legal: Sequence[float] | None = None,
) -> Thresholds:
    truth = [e.label for e in examples]
    machine = [e.input.machine_written for e in examples]
    known = list(known_words) if known_words is not None else [1.0] * len(examples)
    by_sentence = list(sentence_legal) if sentence_legal is not None else [0.0] * len(examples)

    def outcomes(t: Thresholds) -> list[tuple[str, bool]]:
        results = []
        for s, m, share, sentence in zip(scores, machine, known, by_sentence, strict=True):
            d = decide(s, t, machine_written=m, known_words=share, sentence_legal=sentence)
            results.append((d.label, d.needs_triage))
        return results

    legal = [
        i
        for i, label in enumerate(truth)
        if label == "legal_question" and known[i] >= KNOWN_WORDS_MIN
    ]
    best: tuple[float, Thresholds] | None = None
    for guard in GUARD_GRID:
        for sentence in SENTENCE_GUARD_GRID if sentence_legal is not None else (None,):
            candidate = Thresholds(0.0, guard, sentence)
            predicted = outcomes(candidate)
            recall = sum(predicted[i][0] == "legal_question" for i in legal) / max(1, len(legal))
            if recall < LEGAL_RECALL_TARGET:
                continue
            macro = evaluate(truth, [p for p, _ in predicted], [False] * len(truth)).macro_f1
            if best is None or macro > best[0]:
                best = (macro, candidate)
    chosen = best[1] if best else Thresholds(0.0, GUARD_GRID[0], SENTENCE_GUARD_GRID[0])
    confidence = CONFIDENCE_GRID[-1]
    for candidate_confidence in CONFIDENCE_GRID:
        predicted = outcomes(
            Thresholds(candidate_confidence, chosen.legal_guard, chosen.sentence_guard)
        )
        kept = [(p, t) for (p, abstain), t in zip(predicted, truth, strict=True) if not abstain]
        if kept and sum(p == t for p, t in kept) / len(kept) >= KEPT_ACCURACY_TARGET:
            confidence = candidate_confidence
            break
    return Thresholds(float(confidence), chosen.legal_guard, chosen.sentence_guard)
