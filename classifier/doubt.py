"""How likely a mail not labelled legal still asks a legal question: one score from the
whole mail's legal probability and its most legal question sentence's.

The legal guards are two separate bounds (either one makes the label legal); the
doubt under them weighs both at once, so a mail faintly legal by both counts, and
sends about half as many mails to a person for the same legal recall as two separate
bounds (writer-disjoint out-of-fold scores, 25,005 mails). A logistic regression over
four numbers: its weights are kept in the model file's thresholds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

_FLOOR = 1e-4  # a probability of 0 or 1 has no finite log-odds


def features(p_legal: np.ndarray, sentence_legal: np.ndarray) -> np.ndarray:
    """Log-odds of each, whether a sentence was scored at all, and their product."""
    whole = _logit(p_legal)
    sentence = _logit(np.maximum(sentence_legal, _FLOOR))
    return np.column_stack([whole, sentence, (sentence_legal > 0).astype(float), whole * sentence])


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), _FLOOR, 1 - _FLOOR)
    return np.log(p / (1 - p))


def fit_weights(x: np.ndarray, is_legal: np.ndarray) -> tuple[float, ...]:
    """The four weights and the intercept (balanced: legal mails are the rarer kind
    among those under the guard)."""
    from sklearn.linear_model import LogisticRegression  # only when training

    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    model.fit(x, is_legal)
    return (*map(float, model.coef_[0]), float(model.intercept_[0]))


def doubt_scores(x: np.ndarray, weights: Sequence[float]) -> np.ndarray:
    return x @ np.asarray(weights[:-1]) + weights[-1]


def doubt_score(p_legal: float, sentence_legal: float, weights: Sequence[float]) -> float:
    """`doubt_scores` for one mail, in plain Python (the policy runs per message)."""
    whole = _logit1(p_legal)
    sentence = _logit1(max(sentence_legal, _FLOOR))
    x = (whole, sentence, float(sentence_legal > 0), whole * sentence)
    return sum(w * v for w, v in zip(weights[:-1], x, strict=True)) + weights[-1]


def _logit1(p: float) -> float:
    p = min(max(p, _FLOOR), 1 - _FLOOR)
    return math.log(p / (1 - p))


def cross_fitted(x: np.ndarray, is_legal: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Each mail's score from weights fitted without its fold (its writers)."""
    scores = np.zeros(len(x))
    for fold in np.unique(folds):
        inside = folds == fold
        if len(set(is_legal[~inside])) < 2:
            return doubt_scores(x, fit_weights(x, is_legal))
        scores[inside] = doubt_scores(x[inside], fit_weights(x[~inside], is_legal[~inside]))
    return scores
