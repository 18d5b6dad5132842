"""How much of a mail the model knows: the share of its words seen in training.

A model trained on English, Spanish and German mail still gives confident-looking
probabilities for a mail in Russian or a trade's jargon it never read; those
numbers mean little. The policy sends such mail to a person instead.
"""

from __future__ import annotations

from collections.abc import Container, Sequence

from classifier.features import ModelInput

_MIN_WORDS = 4  # shorter mails are judged by the model alone


def known_word_share(
    inputs: Sequence[ModelInput],
    vocabulary: Container[str],
    skip: Sequence[bool] | None = None,
    words_read: Sequence[list[str] | None] | None = None,
) -> list[float]:
    """For each mail, the share of the words of its new text in `vocabulary` (1.0 when it
    has fewer than four words, and for the mails `skip` marks: the policy never weighs
    the share of machine-written mail). `words_read`: each mail's `new_words()`, when
    read already."""
    known = vocabulary.__contains__
    shares = []
    for i, message in enumerate(inputs):
        if skip is not None and skip[i]:
            shares.append(1.0)
            continue
        read = words_read[i] if words_read is not None else None
        words = read if read is not None else message.new_words()
        if len(words) < _MIN_WORDS:
            shares.append(1.0)
            continue
        shares.append(sum(map(known, words)) / len(words))
    return shares


def word_vocabulary(pipeline: object) -> Container[str]:
    """The word vectorizer's vocabulary of a fitted classifier pipeline."""
    union = pipeline.named_steps["features"]  # type: ignore[attr-defined]
    words = dict(union.transformer_list)["words"]
    return words.vocabulary_  # type: ignore[no-any-return]
