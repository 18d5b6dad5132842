"""How much of a mail the model knows: the share of its words seen in training.

A model trained on English, Spanish and German mail still gives confident-looking
probabilities for a mail in Russian or a trade's jargon it never read; those
numbers mean little. The policy sends such mail to a person instead.
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence

from classifier.features import ModelInput

_WORD = re.compile(r"[^\W\d_]{2,}")
_MIN_WORDS = 4  # shorter mails are judged by the model alone


def known_word_share(inputs: Sequence[ModelInput], vocabulary: Container[str]) -> list[float]:
    """For each mail, the share of the words of its new text in `vocabulary` (1.0 when it
    has fewer than four words)."""
    shares = []
    for message in inputs:
        words = _WORD.findall(message.new_text.lower())
        if len(words) < _MIN_WORDS:
            shares.append(1.0)
            continue
        shares.append(sum(word in vocabulary for word in words) / len(words))
    return shares


def word_vocabulary(pipeline: object) -> Container[str]:
    """The word vectorizer's vocabulary of a fitted classifier pipeline."""
    union = pipeline.named_steps["features"]  # type: ignore[attr-defined]
    words = dict(union.transformer_list)["words"]
    return words.vocabulary_  # type: ignore[no-any-return]
