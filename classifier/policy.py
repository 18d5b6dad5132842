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
"""

from __future__ import annotations

from dataclasses import dataclass

LEGAL = "legal_question"
KNOWN_WORDS_MIN = 0.5  # below: more of the mail is new to the model than known


@dataclass(frozen=True)
class Decision:
    label: str
    confidence: float
    scores: dict[str, float]
    needs_triage: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Thresholds:
    confidence: float  # below: needs_triage
    legal_guard: float  # legal probability at or above: treated as legal
    # The same for one question sentence scored alone (short text: noisier scores, so
    # its own threshold); None: the legal guard's.
    sentence_guard: float | None = None
    # The whole mail's legal probability under which its sentences are not consulted.
    sentence_gate: float = 0.0

    @property
    def sentence(self) -> float:
        return self.legal_guard if self.sentence_guard is None else self.sentence_guard


def reads_sentences(scores: dict[str, float], thresholds: Thresholds) -> bool:
    """Whether `decide` weighs the question sentences of a mail with these scores: not
    when the model or the whole-mail guard already says legal, nor under the gate. The
    classifier scores the sentences only then (scoring them is a third of its time)."""
    legal = scores.get(LEGAL, 0.0)
    model_label = max(scores, key=lambda label: scores[label])
    return model_label != LEGAL and thresholds.sentence_gate <= legal < thresholds.legal_guard


def decide(
    scores: dict[str, float],
    thresholds: Thresholds,
    *,
    machine_written: bool = False,
    sentence_legal: float = 0.0,
    known_words: float = 1.0,
) -> Decision:
    """`sentence_legal`: the highest legal probability of the mail's question sentences
    scored one by one (classifier/sentences.py), 0.0 when not measured; `known_words`:
    the share of the mail's words the model was trained on."""
    model_label = max(scores, key=lambda label: scores[label])
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
            f"{thresholds.sentence:.2f}), so not {label}"
        )
        label = LEGAL
    confidence = scores[label]
    needs_triage = confidence < thresholds.confidence
    if needs_triage:
        reasons.append(f"confidence {confidence:.2f} < {thresholds.confidence:.2f}")
    if known_words < KNOWN_WORDS_MIN:
        needs_triage = True
        reasons.append(f"only {known_words:.0%} of its words are known to the model")
    return Decision(label, confidence, scores, needs_triage, tuple(reasons))
