"""The decision policy, in one place: probabilities -> label, confidence, triage.

Order matters and is deliberate:
1. Hard override: mail a machine wrote (auto-reply, list or bulk, bounce) is `other`.
2. The legal guard: when the legal-question probability of the mail, or of any one
   of its question sentences, reaches its own low threshold (a sentence counts only
   when the whole mail reads at least faintly legal: a lone sentence scored out of its
   context is noisy, and mail that reads plainly non-legal as a whole rarely hides a
   legal ask), the message is never
   treated as a status or billing question (nor dropped as `other`): it becomes a
   legal question, because a non-lawyer answering
   a legal question is unauthorized practice of law, while an attorney glancing at
   a status question costs a minute.
3. Abstain: below the confidence threshold, or when most of the mail's words are
   words the model never saw (a language or a trade it was not trained on: its
   probabilities there mean little), the message needs a human (triage).
4. Legal doubt: a status, billing or other label whose legal probabilities (the whole
   mail's and its most legal question sentence's, weighed together: classifier/doubt.py)
   are under the guards but reach a second bound keeps its label but needs a human:
   when in doubt, never draft (DESIGN.md). The guards are chosen for the best labels
   at legal recall >= 0.99; the doubt bound so that no more than half a percent of
   legal questions are neither labelled legal nor shown to a person.

All four are chosen per language group of the mail (`language_group`): English, and
every other language (or too few words to tell) together. The model scores the two
differently (English is most of its training mail), so one set of thresholds for both
let the legal guard miss more non-English legal questions than the 0.99 recall allows,
while it sent more English status and billing mail to attorneys than needed. A model
file without thresholds by group applies its one set to all mail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from classifier.doubt import doubt_score
from inbox.mail.language import guess_ascii_language, guess_language

LEGAL = "legal_question"
KNOWN_WORDS_MIN = 0.5  # below: more of the mail is new to the model than known
ENGLISH, OTHER_LANGUAGES = "en", "other"
LANGUAGE_GROUPS = (ENGLISH, OTHER_LANGUAGES)


def language_group(new_text: str, long_words: Sequence[str] | None = None) -> str:
    """The mail's language group, from its new text (what the sender writes now, which
    the model reads): English only when the words say so; a mail too short to tell
    gets the thresholds of the other languages, the more careful ones. `long_words`:
    the text's words of two letters or more in lower case (ModelInput.new_words), when
    read already."""
    if long_words is None:
        guessed = guess_language(new_text)
    else:
        guessed = guess_ascii_language(new_text, long_words)
    return ENGLISH if guessed == ENGLISH else OTHER_LANGUAGES


@dataclass(frozen=True)
class Decision:
    label: str
    confidence: float
    scores: dict[str, float]
    needs_triage: bool
    reasons: tuple[str, ...]
    legal_doubt: bool = False  # not labelled legal, but may ask a legal question


@dataclass(frozen=True)
class Thresholds:
    confidence: float  # below: needs_triage
    legal_guard: float  # legal probability at or above: treated as legal
    # The same for one question sentence scored alone (short text: noisier scores, so
    # its own threshold); None: the legal guard's.
    sentence_guard: float | None = None
    # The whole mail's legal probability under which its sentences are not consulted.
    sentence_gate: float = 0.0
    # Under the guards: the doubt score (classifier/doubt.py, weights and intercept) at
    # or above which a label other than legal needs a person; None: no such bound.
    doubt_weights: tuple[float, ...] | None = None
    doubt: float | None = None
    # The doubt bound for mail with no question sentence read (none, or under the gate):
    # its legal questions are rarer and its doubt scores spread otherwise, so one bound
    # for both sent more of it to a person per legal question found; None: `doubt`.
    doubt_without_sentence: float | None = None
    # (language group, its own thresholds), chosen on that group's mail alone; a group
    # not named here (and all mail, in model files before groups) uses the ones above.
    by_group: tuple[tuple[str, Thresholds], ...] = ()

    def for_group(self, group: str | None) -> Thresholds:
        """The thresholds that apply to mail of this language group."""
        return next((t for name, t in self.by_group if name == group), self)

    @property
    def sentence(self) -> float:
        return self.legal_guard if self.sentence_guard is None else self.sentence_guard

    def as_dict(self) -> dict[str, Any]:
        """As the model file's metadata keeps them."""
        kept: dict[str, Any] = {
            "confidence": self.confidence,
            "legal_guard": self.legal_guard,
            "sentence_guard": self.sentence_guard,
            "sentence_gate": self.sentence_gate,
            "doubt_weights": list(self.doubt_weights) if self.doubt_weights else None,
            "doubt": self.doubt,
            "doubt_without_sentence": self.doubt_without_sentence,
        }
        if self.by_group:
            kept["by_group"] = {name: t.as_dict() for name, t in self.by_group}
        return kept

    @classmethod
    def from_dict(
        cls,
        chosen: dict[str, Any],
        confidence: float | None = None,
        legal_guard: float | None = None,
    ) -> Thresholds:
        """From a model file's metadata (older files lack the later keys); a confidence
        or legal guard given (from settings) wins, for every language group."""

        def first(*values: float | None) -> float:
            return float(next(v for v in values if v is not None))

        return cls(
            confidence=first(confidence, chosen.get("confidence"), 0.5),
            legal_guard=first(legal_guard, chosen.get("legal_guard"), 0.3),
            sentence_guard=chosen.get("sentence_guard"),
            sentence_gate=first(chosen.get("sentence_gate"), 0.0),
            doubt_weights=tuple(map(float, weights))
            if (weights := chosen.get("doubt_weights"))
            else None,
            doubt=chosen.get("doubt"),
            doubt_without_sentence=chosen.get("doubt_without_sentence"),
            by_group=tuple(
                (name, cls.from_dict(group, confidence, legal_guard))
                for name, group in (chosen.get("by_group") or {}).items()
            ),
        )


def reads_sentences(
    scores: dict[str, float], thresholds: Thresholds, group: str | None = None
) -> bool:
    """Whether `decide` weighs the question sentences of a mail with these scores (and
    language group): not when the model or the whole-mail guard already says legal,
    nor under the gate. The classifier scores the sentences only then (scoring them is
    a third of its time)."""
    thresholds = thresholds.for_group(group)
    legal = scores.get(LEGAL, 0.0)
    model_label = max(scores, key=scores.__getitem__)
    return model_label != LEGAL and thresholds.sentence_gate <= legal < thresholds.legal_guard


def decide(
    scores: dict[str, float],
    thresholds: Thresholds,
    *,
    machine_written: bool = False,
    sentence_legal: float = 0.0,
    legal_sentence: str = "",
    known_words: float = 1.0,
    group: str | None = None,
) -> Decision:
    """`sentence_legal`: the highest legal probability of the mail's question sentences
    scored one by one (classifier/sentences.py), 0.0 when not measured, and
    `legal_sentence` that sentence (quoted in the reasons when it counts, so a person
    sees which question it was); `known_words`: the share of the mail's words the model
    was trained on; `group`: its language group (`language_group`), whose thresholds
    apply."""
    thresholds = thresholds.for_group(group)
    model_label = max(scores, key=scores.__getitem__)
    reasons: list[str] = []
    if machine_written:
        label = "other"
        reasons.append("machine-written mail (auto-reply, list or bounce) is other")
        return Decision(label, 1.0, scores, False, tuple(reasons))
    label = model_label
    if label != LEGAL and scores.get(LEGAL, 0.0) >= thresholds.legal_guard:
        reasons.append(
            f"legal guard: P(legal)={scores[LEGAL]:.2f} >= {thresholds.legal_guard:.2f}, "
            f"so not {label}"
        )
        label = LEGAL
    elif sentence_legal >= thresholds.sentence and reads_sentences(scores, thresholds):
        reasons.append(
            f"legal guard: one question reads as legal (P={sentence_legal:.2f} >= "
            f"{thresholds.sentence:.2f}), so not {label}{_quoted(legal_sentence)}"
        )
        label = LEGAL
    confidence = scores[label]
    needs_triage = confidence < thresholds.confidence
    if needs_triage:
        reasons.append(f"confidence {confidence:.2f} < {thresholds.confidence:.2f}")
    doubt = label != LEGAL and _in_doubt(scores, thresholds, sentence_legal)
    if doubt:
        needs_triage = True
        reasons.append(
            f"legal doubt: it may also ask a legal question (P(legal)={scores.get(LEGAL, 0.0):.2f}"
            f", its most legal question {sentence_legal:.2f}): a person decides, no draft"
            + (_quoted(legal_sentence) if sentence_legal > 0 else "")
        )
    if known_words < KNOWN_WORDS_MIN:
        needs_triage = True
        reasons.append(f"only {known_words:.0%} of its words are known to the model")
    return Decision(label, confidence, scores, needs_triage, tuple(reasons), doubt)


_QUOTED_CHARS = 160


def _quoted(sentence: str) -> str:
    """': "the sentence"', cut to a line's length; nothing for no sentence."""
    text = " ".join(sentence.split())
    if not text:
        return ""
    if len(text) > _QUOTED_CHARS:
        text = text[: _QUOTED_CHARS - 1].rstrip() + "…"
    return f': "{text}"'


def _in_doubt(scores: dict[str, float], thresholds: Thresholds, sentence_legal: float) -> bool:
    if thresholds.doubt is None or thresholds.doubt_weights is None:
        return False
    read = sentence_legal if reads_sentences(scores, thresholds) else 0.0
    score = doubt_score(scores.get(LEGAL, 0.0), read, thresholds.doubt_weights)
    bound = thresholds.doubt
    if read <= 0 and thresholds.doubt_without_sentence is not None:
        bound = thresholds.doubt_without_sentence
    return score >= bound
