"""A model of its own for one question sentence: is it a legal question?

The whole-mail model read one sentence out of its mail poorly (it learned from whole
mails, and a lone sentence is short and noisy), so a legal question behind a status
question pushed the whole-mail guard down for every mail. This model learns from
sentences: every question sentence of a status, billing or other mail is not a legal
question (by the labels' precedence, a mail holding one would be labelled legal);
in a mixed mail the writer marked the legal sentence (`legal_sentence`), so its
other questions are not legal either; the questions of a legal mail without a mark
count as legal (most of them are; the few that are not only blur it a little).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.corpus import Example
from classifier.features import ModelInput
from classifier.model import char_tfidf, word_tfidf
from classifier.persistence import ModelBundle
from classifier.sentences import (
    SentenceReader,
    question_sentences,
    whole_model_reader,
)

LEGAL = "legal_question"
# A question is the marked legal sentence when most of the shorter one's words are in
# the other (writers mark a sentence as they wrote it; the splitter may cut it apart).
_OVERLAP = 0.6
_WORD = re.compile(r"\w+")


def build_sentence_pipeline() -> Pipeline:
    """Word and character TF-IDF into a binary logistic regression (named as the
    label pipeline's steps, so the model file packs both the same way)."""
    return Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        ("words", word_tfidf(60_000)),
                        ("chars", char_tfidf(80_000)),
                    ]
                ),
            ),
            ("model", LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced")),
        ]
    )


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _is_marked(sentence: str, marked: set[str]) -> bool:
    words = _words(sentence)
    shorter = min(len(words), len(marked))
    return shorter > 0 and len(words & marked) >= _OVERLAP * shorter


def training_sentences(examples: Sequence[Example]) -> tuple[list[str], list[int]]:
    """Each example's question sentences as model texts, 1 for a legal question."""
    texts: list[str] = []
    targets: list[int] = []
    for example in examples:
        if example.input.machine_written:
            continue
        marked = _words(example.legal_sentence) if example.legal_sentence else None
        for sentence in question_sentences(example.input.new_text):
            if example.label != LEGAL:
                legal = False
            elif marked is None:
                legal = True
            else:
                legal = _is_marked(sentence, marked)
            texts.append(ModelInput("", sentence).text())
            targets.append(int(legal))
    return texts, targets


def fit_sentence_model(examples: Sequence[Example]) -> Pipeline | None:
    """The fitted sentence model, or None when the examples hold no legal question
    sentence and no other one to tell it from."""
    texts, targets = training_sentences(examples)
    if len(set(targets)) < 2:
        return None
    pipeline = build_sentence_pipeline()
    pipeline.fit(texts, targets)
    return pipeline


def pipeline_reader(pipeline: Pipeline) -> SentenceReader:
    """The sentence model's legal probability; it reads a mail's only question too."""
    legal = list(pipeline.classes_).index(1)
    return SentenceReader(lambda texts: pipeline.predict_proba(texts)[:, legal].tolist(), 1)


def sentence_reader(bundle: ModelBundle) -> SentenceReader:
    """The bundle's sentence model, or (an older model file) its label model."""
    if bundle.sentence_pipeline is not None:
        return pipeline_reader(bundle.sentence_pipeline)
    pipeline = bundle.pipeline
    return whole_model_reader(pipeline.predict_proba, [str(c) for c in pipeline.classes_])
