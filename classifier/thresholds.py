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
  at least `kept_accuracy` of the time;
- legal doubt (policy.py, doubt.py): the highest bound on the doubt score with which
  legal questions are labelled legal or shown to a person at least 99.5% of the
  time. Recall on new writers runs below the out-of-fold figure (issue 14), so a
  draft needs more certainty than a label.
All of them are chosen once on all mail and again on each language group's mail alone
(policy.language_group), with the same grids and targets: a group's recall is then held
to 0.99 on its own, not carried by the other group's (policy.py says why).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from classifier.corpus import Example
from classifier.coverage import known_word_share, word_vocabulary
from classifier.doubt import cross_fitted, doubt_scores, features, fit_weights
from classifier.model import build_pipeline
from classifier.persistence import ModelBundle
from classifier.policy import (
    KNOWN_WORDS_MIN,
    LANGUAGE_GROUPS,
    Thresholds,
    decide,
    language_group,
)
from classifier.sentence_model import fit_sentence_model, sentence_reader
from classifier.sentences import legal_by_sentence
from inbox.models import LABELS

LEGAL_RECALL_TARGET = 0.99
DOUBT_RECALL_TARGET = 0.995
KEPT_ACCURACY_TARGET = 0.975
GUARD_GRID = tuple(round(float(x), 3) for x in np.arange(0.05, 0.525, 0.025))
SENTENCE_GUARD_GRID = (*tuple(round(float(x), 2) for x in np.arange(0.1, 1.0, 0.05)), 1.01)
# The whole mail's legal probability a sentence needs behind it to count (0: always).
SENTENCE_GATE_GRID = (0.0, 0.005, 0.01, 0.02, 0.03)
CONFIDENCE_GRID = tuple(round(float(x), 2) for x in np.arange(0.35, 0.75, 0.05))
# A language group gets thresholds of its own only with this many legal questions: with
# fewer, 99% recall of them speaks of a mail or two, and the thresholds of all mail apply.
GROUP_MIN_LEGAL = 100
T = TypeVar("T")


@dataclass(frozen=True)
class OutOfFold:
    """Each example's scores, the legal probability of its most legal question sentence
    and its known-word share, from a model that never saw its writer brief."""

    scores: list[dict[str, float]]
    known_words: list[float]
    sentence_legal: list[float]
    folds: list[int]  # which fold scored it


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
    fold_of = [0] * len(examples)
    for fold, (train_index, test_index) in enumerate(cv.split(texts, labels, groups)):
        pipeline = build_pipeline()
        pipeline.fit([texts[i] for i in train_index], [labels[i] for i in train_index])
        columns = [str(c) for c in pipeline.classes_]
        rows = pipeline.predict_proba([texts[i] for i in test_index])
        inputs = [examples[i].input for i in test_index]
        shares = known_word_share(inputs, word_vocabulary(pipeline))
        fold_model = ModelBundle(
            pipeline, {}, fit_sentence_model([examples[i] for i in train_index])
        )
        sentences = legal_by_sentence(sentence_reader(fold_model), inputs)
        for i, row, share, sentence in zip(test_index, rows, shares, sentences, strict=True):
            by_class = dict(zip(columns, map(float, row), strict=True))
            scores[i] = {label: by_class.get(label, 0.0) for label in classes}
            known[i] = share
            by_sentence[i] = sentence
            fold_of[i] = fold
    return OutOfFold(scores, known, by_sentence, fold_of)


def choose_thresholds(
    examples: Sequence[Example],
    scores: Sequence[dict[str, float]],
    known_words: Sequence[float] | None = None,
    sentence_legal: Sequence[float] | None = None,
    folds: Sequence[int] | None = None,
    *,
    by_group: bool = True,
) -> Thresholds:
    """The thresholds of all mail and, with `by_group`, each language group's own."""
    chosen = _choose_one(examples, scores, known_words, sentence_legal, folds)
    if not by_group:
        return chosen
    groups = language_groups(examples)
    own = []
    for group in LANGUAGE_GROUPS:
        inside = [i for i, g in enumerate(groups) if g == group]
        if sum(examples[i].label == "legal_question" for i in inside) < GROUP_MIN_LEGAL:
            continue
        only = [examples[i] for i in inside], [scores[i] for i in inside]
        columns = (_rows(c, inside) for c in (known_words, sentence_legal, folds))
        own.append((group, _choose_one(*only, *columns)))
    return replace(chosen, by_group=tuple(own))


def language_groups(examples: Sequence[Example]) -> list[str]:
    """Each example's language group, as the classifier finds it in production."""
    return [language_group(e.input.new_text, e.input.new_words()) for e in examples]


def _rows(column: Sequence[T] | None, inside: Sequence[int]) -> list[T] | None:
    """Those rows of a column (None: a column not given)."""
    return None if column is None else [column[i] for i in inside]


def _choose_one(
    examples: Sequence[Example],
    scores: Sequence[dict[str, float]],
    known_words: Sequence[float] | None = None,
    sentence_legal: Sequence[float] | None = None,
    folds: Sequence[int] | None = None,
) -> Thresholds:
    """One set of thresholds for all the examples given."""
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

    data = _Scored.of(truth, scores, machine, known, sentence_legal)
    chosen = _best_guards(data, with_sentences=sentence_legal is not None)
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
    chosen = Thresholds(
        float(confidence), chosen.legal_guard, chosen.sentence_guard, chosen.sentence_gate
    )
    weights, doubt, without_sentence = _doubt_bound(data, chosen, folds)
    return Thresholds(
        chosen.confidence,
        chosen.legal_guard,
        chosen.sentence_guard,
        chosen.sentence_gate,
        weights,
        doubt,
        without_sentence,
    )


@dataclass(frozen=True)
class _Scored:
    """Out-of-fold scores as arrays, for policy.decide computed over a whole grid."""

    labels: list[str]
    truth: np.ndarray  # label index
    p: np.ndarray  # probabilities, one column per label
    machine: np.ndarray
    known: np.ndarray
    sentence: np.ndarray

    @classmethod
    def of(
        cls,
        truth: Sequence[str],
        scores: Sequence[dict[str, float]],
        machine: Sequence[bool],
        known: Sequence[float],
        sentence_legal: Sequence[float] | None,
    ) -> _Scored:
        labels = sorted({*LABELS, *truth})
        return cls(
            labels,
            np.array([labels.index(t) for t in truth]),
            np.array([[row.get(label, 0.0) for label in labels] for row in scores]),
            np.array(machine, dtype=bool),
            np.array(known, dtype=float),
            np.array(sentence_legal if sentence_legal is not None else [0.0] * len(truth)),
        )

    @property
    def legal(self) -> int:
        return self.labels.index("legal_question")

    @property
    def p_legal(self) -> np.ndarray:
        return self.p[:, self.legal]

    @property
    def model_label(self) -> np.ndarray:
        """The model's own label: the likeliest, `other` for machine-written mail."""
        return np.where(self.machine, self.labels.index("other"), self.p.argmax(axis=1))


def _best_guards(data: _Scored, with_sentences: bool) -> Thresholds:
    """The guards (whole mail, one sentence, the sentence's gate) with the best macro-F1
    among those keeping legal recall >= the target: policy.decide's labels, computed
    for the whole grid at once (thousands of combinations over the corpus)."""
    legal, p_legal, model_label = data.legal, data.p_legal, data.model_label
    counted = (data.truth == legal) & (data.known >= KNOWN_WORDS_MIN)
    sentence_grid = SENTENCE_GUARD_GRID if with_sentences else (None,)
    gate_grid = SENTENCE_GATE_GRID if with_sentences else (0.0,)
    best: tuple[float, Thresholds] | None = None
    for guard in GUARD_GRID:
        by_mail = p_legal >= guard
        for sentence_guard in sentence_grid:
            reads_legal = data.sentence >= (guard if sentence_guard is None else sentence_guard)
            for gate in gate_grid:
                guarded = ~data.machine & (by_mail | (reads_legal & (p_legal >= gate)))
                predicted = np.where(guarded, legal, model_label)
                if counted.any() and (predicted[counted] == legal).mean() < LEGAL_RECALL_TARGET:
                    continue
                macro = _macro_f1(data.truth, predicted, len(data.labels))
                if best is None or macro > best[0]:
                    best = (macro, Thresholds(0.0, guard, sentence_guard, gate))
    return best[1] if best else Thresholds(0.0, GUARD_GRID[0], SENTENCE_GUARD_GRID[0])


def _doubt_bound(
    data: _Scored, chosen: Thresholds, folds: Sequence[int] | None
) -> tuple[tuple[float, ...] | None, float | None, float | None]:
    """The doubt score's weights and its bounds (mail with a question sentence read, and
    without) with which legal questions are labelled legal or shown to a person at
    least DOUBT_RECALL_TARGET of the time, sending the fewest other mails to a person;
    (None, None, None) when the guards and the confidence already do. The weights are
    fitted on the mails under the guards; the bounds are read off scores from weights
    fitted without each mail's fold (its writers)."""
    legal, p_legal, model_label = data.legal, data.p_legal, data.model_label
    guarded = ~data.machine & (
        (p_legal >= chosen.legal_guard)
        | ((data.sentence >= chosen.sentence) & (p_legal >= chosen.sentence_gate))
    )
    confidence = np.where(guarded, p_legal, data.p.max(axis=1))
    triaged = ~data.machine & ((confidence < chosen.confidence) | (data.known < KNOWN_WORDS_MIN))
    seen = guarded | (model_label == legal) | triaged
    counted = (data.truth == legal) & ~data.machine
    needed = int(np.ceil(DOUBT_RECALL_TARGET * counted.sum())) - int(seen[counted].sum())
    undecided = ~data.machine & ~seen
    is_legal = data.truth[undecided] == legal
    if needed <= 0 or len(set(is_legal)) < 2:
        return None, None, None
    # the policy reads the sentences only from the gate up (policy.reads_sentences)
    read = np.where(p_legal >= chosen.sentence_gate, data.sentence, 0.0)
    x = features(p_legal[undecided], read[undecided])
    if folds is not None:
        scores = cross_fitted(x, is_legal, np.asarray(folds)[undecided])
    else:
        scores = doubt_scores(x, fit_weights(x, is_legal))
    with_sentence, without_sentence = split_bounds(scores, is_legal, read[undecided] > 0, needed)
    return fit_weights(x, is_legal), with_sentence, without_sentence


def split_bounds(
    scores: np.ndarray, is_legal: np.ndarray, has_sentence: np.ndarray, needed: int
) -> tuple[float, float]:
    """Two doubt bounds, for mail with a question sentence read and mail without, that
    together catch `needed` legal questions with the fewest other mails over them.

    One bound for both (the doubt score is one logistic regression over both kinds)
    spent its catches unevenly: writer-disjoint, with the bounds chosen on four folds
    and applied to the fifth, two bounds sent 434 non-legal English mails to a person
    where one sent 702 (other languages 437 where 564), for 2 more legal questions of
    ~4,800 (~3,500) left unseen."""
    if has_sentence.all() or not has_sentence.any():  # one kind of mail: one bound
        costs, bounds = _catch_costs(scores, is_legal)
        return bounds[min(needed, len(costs) - 1)], bounds[min(needed, len(costs) - 1)]
    with_costs, with_bounds = _catch_costs(scores[has_sentence], is_legal[has_sentence])
    bare_costs, bare_bounds = _catch_costs(scores[~has_sentence], is_legal[~has_sentence])
    needed = min(needed, len(with_costs) + len(bare_costs) - 2)
    first = max(0, needed - (len(bare_costs) - 1))
    last = min(needed, len(with_costs) - 1)
    caught = min(range(first, last + 1), key=lambda k: (with_costs[k] + bare_costs[needed - k], -k))
    return with_bounds[caught], bare_bounds[needed - caught]


def _catch_costs(scores: np.ndarray, is_legal: np.ndarray) -> tuple[list[int], list[float]]:
    """For k = 0, 1, ... legal mails caught (the k highest-scored): how many other mails
    score at least as high, and the bound that catches them (a hair under the k-th legal
    mail's score: the policy's per-message arithmetic rounds apart; for none, a hair
    over every score)."""
    order = np.argsort(-scores, kind="stable")
    ranked, legal = scores[order], is_legal[order]
    others = np.cumsum(~legal)
    top = float(ranked[0]) + 1e-9 if len(ranked) else 0.0
    costs, bounds = [0], [top]
    for position in np.flatnonzero(legal):
        costs.append(int(others[position]))
        bounds.append(float(ranked[position]) - 1e-9)
    return costs, bounds


def _macro_f1(truth: np.ndarray, predicted: np.ndarray, n_labels: int) -> float:
    f1s = []
    for label in range(n_labels):
        tp = int(((predicted == label) & (truth == label)).sum())
        fp = int(((predicted == label) & (truth != label)).sum())
        fn = int(((predicted != label) & (truth == label)).sum())
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f1s))
