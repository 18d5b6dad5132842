"""The sentence-level legal guard: a legal question behind a status question counts.

A mail that asks "any update on the closing? and can the seller back out now?" reads,
as a whole, mostly like a status request. Each of its question sentences is scored
on its own (by the sentence model, classifier/sentence_model.py); if any reads as a
legal question, so is the mail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from classifier.features import ModelInput
from classifier.indirect import indirect_reader
from classifier.question_openers import MORE_OPENERS
from inbox.mail.punctuation import QUESTION_MARKS, SENTENCE_ENDS, asks, word_count

LEGAL = "legal_question"
# A sentence ends at . ! ? (Spanish opens with ¿; Chinese ends with 。！？, Arabic asks
# with ؟) or a line break. The runs are possessive (*+, ++): giving back a character
# that ends no sentence can never help, so the engine need not try.
_SENTENCE = re.compile(
    rf"[^{SENTENCE_ENDS}\n]*+[{QUESTION_MARKS}][)\"'»」』]*|[^{SENTENCE_ENDS}\n]++[.!。！]?"
)
_MIN_WORDS = 3
# Phone-typed questions often lose their "?": a sentence opening like a question asks.
_ASKS = re.compile(
    r"^\W*(can|could|should|would|will|is|are|am|do|does|did|may|must|have|has|what|how|"
    r"when|where|why|who|which|puedo|puede|podemos|debo|tengo|hay|qu[ée]|c[óo]mo|"
    r"cu[áa]ndo|d[óo]nde|kann|k[öo]nnen|darf|d[üu]rfen|muss|m[üu]ssen|soll|ist|sind|"
    r"wie|wann|wo|warum|est-ce|puis-je|dois-je|peut-on|posso|devo|pode|czy|mog[ęe]|"
    rf"{MORE_OPENERS})\b",
    re.IGNORECASE,
)


def question_sentences(text: str) -> list[str]:
    """The sentences that ask something (a question mark, opening like a question, or
    asking indirectly: "she asks whether..."), of three words or more."""
    found = (m.group(0).strip() for m in _SENTENCE.finditer(text))
    # as in asking.py: no sentence holds a question mark or marker the text lacks
    marked, asks_indirectly = asks(text), indirect_reader(text)
    return [
        s
        for s in found
        if word_count(s) >= _MIN_WORDS
        and ((marked and asks(s)) or _ASKS.match(s) or asks_indirectly(s))
    ]


@dataclass(frozen=True)
class SentenceReader:
    """How a model scores question sentences: `score` maps model texts to legal
    probabilities; a mail is read by its sentences when it has `min_questions` or more.

    The sentence model (classifier/sentence_model.py) reads a lone question too; the
    whole-mail model of older model files only two or more (one is the mail itself)."""

    score: Callable[[list[str]], Sequence[float]]
    min_questions: int


def whole_model_reader(
    predict_proba: Callable[[list[str]], Sequence[Sequence[float]]], classes: Sequence[str]
) -> SentenceReader:
    """The label model's legal column, as model files without a sentence model read."""
    legal = list(classes).index(LEGAL)
    return SentenceReader(lambda texts: [float(row[legal]) for row in predict_proba(texts)], 2)


def legal_by_sentence(
    reader: SentenceReader,
    inputs: Sequence[ModelInput],
    skip: Sequence[bool] | None = None,
) -> list[float]:
    """For each message, the highest legal probability of its question sentences, when
    it has at least the reader's minimum of them; 0.0 otherwise, and for the messages
    `skip` marks (the policy would not weigh them: policy.reads_sentences). One
    batched call."""
    return [legal for legal, _ in most_legal_sentences(reader, inputs, skip)]


def most_legal_sentences(
    reader: SentenceReader,
    inputs: Sequence[ModelInput],
    skip: Sequence[bool] | None = None,
) -> list[tuple[float, str]]:
    """`legal_by_sentence` with the sentence that scored it ("" where none did): what a
    VA is shown when the sentence decides."""
    owners: list[int] = []
    sentences: list[str] = []
    for i, message in enumerate(inputs):
        if message.machine_written or (skip is not None and skip[i]):
            continue
        questions = question_sentences(message.new_text)
        if len(questions) < reader.min_questions:
            continue
        owners += [i] * len(questions)
        sentences += questions
    best = [(0.0, "")] * len(inputs)
    if not sentences:
        return best
    texts = [ModelInput("", sentence).text() for sentence in sentences]
    for owner, sentence, legal in zip(owners, sentences, reader.score(texts), strict=True):
        if float(legal) > best[owner][0]:
            best[owner] = (float(legal), sentence)
    return best
