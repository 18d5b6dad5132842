"""Choosing the policy's thresholds from out-of-fold predictions on the training set.

The held-out set stays untouched: it only measures the result. Each training
example is scored by a model that saw no mail of its writer brief (5-fold
cross-validation grouped by brief: a writer's phrasing never helps score the same
writer), and the thresholds are read off those honest scores:
- legal guards (the whole mail's, one question sentence's, and the whole mail's legal
  probability a sentence needs behind it): of the combinations that keep
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
from classifier.model import build_pipeline
from classifier.policy import KNOWN_WORDS_MIN, Thresholds, decide
from classifier.sentence_model import fit_sentence_model, pipeline_reader
from classifier.sentences import legal_by_sentence, whole_model_reader
from inbox.models import LABELS

LEGAL_RECALL_TARGET = 0.99
KEPT_ACCURACY_TARGET = 0.975
GUARD_GRID = tuple(round(float(x), 3) for x in np.arange(0.05, 0.525, 0.025))
SENTENCE_GUARD_GRID = (*tuple(round(float(x), 2) for x in np.arange(0.1, 1.0, 0.05)), 1.01)
# The whole mail's legal probability a sentence needs behind it to count (0: always).
SENTENCE_GATE_GRID = (0.0, 0.005, 0.01, 0.02, 0.03)
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
        sentence_pipeline = fit_sentence_model([examples[i] for i in train_index])
        reader = (
            pipeline_reader(sentence_pipeline)
            if sentence_pipeline is not None
            else whole_model_reader(pipeline.predict_proba, columns)
        )
        sentences = legal_by_sentence(reader, inputs)
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

    chosen = _best_guards(truth, scores, machine, known, sentence_legal)
    confidence = CONFIDENCE_GRID[-1]
    for candidate_confidence in CONFIDENCE_GRID:
        predicted = outcomes(
            Thresholds(
                candidate_confidence,
                chosen.legal_guard,
                chosen.sentence_guard,
                chosen.sentence_gate,
            )
        )
        kept = [(p, t) for (p, abstain), t in zip(predicted, truth, strict=True) if not abstain]
        if kept and sum(p == t for p, t in kept) / len(kept) >= KEPT_ACCURACY_TARGET:
            confidence = candidate_confidence
            break
    return Thresholds(
        float(confidence), chosen.legal_guard, chosen.sentence_guard, chosen.sentence_gate
    )


def _best_guards(
    truth: Sequence[str],
    scores: Sequence[dict[str, float]],
    machine: Sequence[bool],
    known: Sequence[float],
    sentence_legal: Sequence[float] | None,
) -> Thresholds:
    """The guards (whole mail, one sentence, the sentence's gate) with the best macro-F1
    among those keeping legal recall >= the target: policy.decide's labels, computed
    for the whole grid at once (thousands of combinations over the corpus)."""
    labels = sorted({*LABELS, *truth})
    legal, other = labels.index("legal_question"), labels.index("other")
    p = np.array([[row.get(label, 0.0) for label in labels] for row in scores])
    y = np.array([labels.index(t) for t in truth])
    is_machine = np.array(machine, dtype=bool)
    model_label = np.where(is_machine, other, p.argmax(axis=1))
    p_legal = p[:, legal]
    sentence = np.array(sentence_legal if sentence_legal is not None else [0.0] * len(truth))
    counted = (y == legal) & (np.array(known) >= KNOWN_WORDS_MIN)
    sentence_grid = SENTENCE_GUARD_GRID if sentence_legal is not None else (None,)
    gate_grid = SENTENCE_GATE_GRID if sentence_legal is not None else (0.0,)
    best: tuple[float, Thresholds] | None = None
    for guard in GUARD_GRID:
        by_mail = p_legal >= guard
        for sentence_guard in sentence_grid:
            reads_legal = sentence >= (guard if sentence_guard is None else sentence_guard)
            for gate in gate_grid:
                guarded = ~is_machine & (by_mail | (reads_legal & (p_legal >= gate)))
                predicted = np.where(guarded, legal, model_label)
                if counted.any() and (predicted[counted] == legal).mean() < LEGAL_RECALL_TARGET:
                    continue
                macro = _macro_f1(y, predicted, len(labels))
                if best is None or macro > best[0]:
                    best = (macro, Thresholds(0.0, guard, sentence_guard, gate))
    return best[1] if best else Thresholds(0.0, GUARD_GRID[0], SENTENCE_GUARD_GRID[0])


def _macro_f1(truth: np.ndarray, predicted: np.ndarray, n_labels: int) -> float:
    f1s = []
    for label in range(n_labels):
        tp = int(((predicted == label) & (truth == label)).sum())
        fp = int(((predicted == label) & (truth != label)).sum())
        fn = int(((predicted != label) & (truth == label)).sum())
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f1s))
