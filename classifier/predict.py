"""Prediction with calibrated probabilities, the policy applied, and an explanation."""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from classifier.asking import NO_ASK
from classifier.coverage import known_word_share, word_vocabulary
from classifier.features import ModelInput
from classifier.policy import Decision, Thresholds, decide, language_group, reads_sentences
from classifier.sentences import most_legal_sentences
from inbox.mail.parse import ParsedMessage
from inbox.settings import Settings

if TYPE_CHECKING:
    from classifier.persistence import ModelBundle


@dataclass(frozen=True)
class Prediction:
    decision: Decision
    explanation: tuple[tuple[str, float], ...]  # (term, weight) that pushed to the label
    model_version: str

    @property
    def label(self) -> str:
        return self.decision.label

    def as_json(self) -> dict[str, object]:
        d = self.decision
        return {
            "label": d.label,
            "confidence": round(d.confidence, 4),
            "scores": {k: round(v, 4) for k, v in d.scores.items()},
            "needs_triage": d.needs_triage,
        }


class Classifier:
    """One loaded model plus the thresholds from settings."""

    def __init__(
        self, bundle: ModelBundle, thresholds: Thresholds, path: Path | None = None
    ) -> None:
        self.bundle = bundle
        self.thresholds = thresholds
        self.path = path  # where it was loaded from, so another process can load it too
        self.labels: list[str] = [str(c) for c in bundle.pipeline.classes_]
        from classifier.sentence_model import sentence_reader  # scikit-learn: as loading

        self.sentence_reader = sentence_reader(bundle)

    @classmethod
    def from_settings(cls, settings: Settings, path: Path | None = None) -> Classifier:
        return cls.load(
            path or settings.model_path,
            settings.confidence_threshold,
            settings.legal_guard_threshold,
        )

    @classmethod
    def load(
        cls, path: Path, confidence: float | None = None, legal_guard: float | None = None
    ) -> Classifier:
        """Thresholds given (from settings) win, else those chosen when it was trained."""
        from classifier.persistence import load_bundle  # scikit-learn: only when loading

        bundle = load_bundle(path)
        chosen = bundle.metadata.get("thresholds") or {}
        thresholds = Thresholds.from_dict(chosen, confidence, legal_guard)
        return cls(bundle, thresholds, path)

    @property
    def version(self) -> str:
        return self.bundle.version

    def _vectors(self, texts: Sequence[str]):  # type: ignore[no-untyped-def]
        return self.bundle.pipeline.named_steps["features"].transform(list(texts)).tocsr()

    def predict_many(
        self, messages: Sequence[ModelInput], *, explain: bool = False
    ) -> list[Prediction]:
        if not messages:
            return []
        texts = [m.text() for m in messages]
        vectors = self._vectors(texts)  # once: for the probabilities and the explanation
        probabilities = self.bundle.pipeline.named_steps["model"].predict_proba(vectors)
        labels = self.labels
        scores = [dict(zip(labels, row, strict=True)) for row in probabilities.tolist()]
        machine = [m.machine_written for m in messages]  # decide weighs no share for these
        # each mail's words, read once for its language and its share of known words
        words = [None if skip else m.new_words() for m, skip in zip(messages, machine, strict=True)]
        groups = self._groups(messages, words)
        unread = [
            not reads_sentences(s, self.thresholds, g) for s, g in zip(scores, groups, strict=True)
        ]
        by_sentence = most_legal_sentences(self.sentence_reader, messages, unread)
        known = known_word_share(messages, self._vocabulary, machine, words)
        predictions = []
        for i in range(len(messages)):
            decision = decide(
                scores[i],
                self.thresholds,
                machine_written=machine[i],
                sentence_legal=by_sentence[i][0],
                legal_sentence=by_sentence[i][1],
                known_words=known[i],
                group=groups[i],
            )
            terms = self._explain_vector(vectors[i], decision.label) if explain else ()
            predictions.append(Prediction(decision, terms, self.version))
        return predictions

    def _groups(
        self, messages: Sequence[ModelInput], words: Sequence[list[str] | None]
    ) -> list[str | None]:
        """Each message's language group, when the thresholds differ by group (not for
        machine-written mail, which `decide` labels before any threshold: its `words`
        are None)."""
        if not self.thresholds.by_group:
            return [None] * len(messages)
        return [
            None if read is None else language_group(m.new_text, read)
            for m, read in zip(messages, words, strict=True)
        ]

    def predict(self, message: ModelInput, *, explain: bool = True) -> Prediction:
        return self.predict_many([message], explain=explain)[0]

    def predict_parsed(self, parsed: ParsedMessage, *, explain: bool = True) -> Prediction:
        return self.predict(ModelInput.from_parsed(parsed), explain=explain)

    @cached_property
    def _vocabulary(self) -> Container[str]:
        return word_vocabulary(self.bundle.pipeline)

    @cached_property
    def _feature_names(self) -> np.ndarray:
        return self.bundle.pipeline.named_steps["features"].get_feature_names_out()

    def explain(self, text: str, label: str, top: int = 8) -> tuple[tuple[str, float], ...]:
        """Terms whose weight times presence pushed this text most toward `label`."""
        return self._explain_vector(self._vectors([text]), label, top)

    def _explain_vector(self, vector, label: str, top: int = 8) -> tuple[tuple[str, float], ...]:  # type: ignore[no-untyped-def]
        model = self.bundle.pipeline.named_steps["model"]
        if not hasattr(model, "coef_") or label not in self.labels:
            return ()
        coef = model.coef_[self.labels.index(label)] if model.coef_.shape[0] > 1 else model.coef_[0]
        contributions = vector.data * coef[vector.indices]
        order = np.argsort(-contributions)
        names = self._feature_names
        terms: list[tuple[str, float]] = []
        seen: set[str] = set()
        for j in order:
            if contributions[j] <= 0 or len(terms) >= top:
                break
            name = str(names[vector.indices[j]])
            kind, _, term = name.partition("__")
            term = term.strip()
            if kind not in ("words", "asks") or term in seen or not _readable(term):
                continue
            seen.add(term)
            terms.append((term, round(float(contributions[j]), 4)))
        return tuple(terms)


_FILLER = frozenset(
    "a an and the to of in on at for with is it its this that i me my we us our you your "
    "he him his she her they them their any".split()
)
_MARKERS = ("subj", "body", "numtoken", "datetoken", "emailtoken", "urltoken", NO_ASK)


def _readable(term: str) -> bool:
    """Terms worth showing a person: no markers or placeholders, no lone filler words."""
    words = term.split()
    if any(w in _MARKERS or w.startswith("flag") for w in words):
        return False
    return not (len(words) == 1 and words[0] in _FILLER)


@dataclass(frozen=True)
class ClassifyJob:
    """Picklable: `predict_many(..., explain=True)` with a model file, in any process.

    The model is loaded in the process that runs the job, once (again only if the
    file changes), so the process that hands the job out never loads it.
    """

    path: Path
    confidence: float | None = None
    legal_guard: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings, path: Path | None = None) -> ClassifyJob:
        return cls(
            path or settings.model_path,
            settings.confidence_threshold,
            settings.legal_guard_threshold,
        )

    def classifier(self) -> Classifier:
        from classifier.persistence import load_bundle  # scikit-learn: only when loading

        loaded = _job_classifiers.get(self)
        if loaded is None or loaded.bundle is not load_bundle(self.path):
            loaded = Classifier.load(self.path, self.confidence, self.legal_guard)
            _job_classifiers.clear()
            _job_classifiers[self] = loaded
        return loaded

    def __call__(self, messages: list[ParsedMessage]) -> list[Prediction]:
        return self.classifier().predict_many(
            [ModelInput.from_parsed(m) for m in messages], explain=True
        )


_job_classifiers: dict[ClassifyJob, Classifier] = {}
