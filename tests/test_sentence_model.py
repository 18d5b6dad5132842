"""The sentence model's training sentences follow the labels' precedence, and it is
kept in the model file beside the label model."""

from __future__ import annotations

from pathlib import Path

from sklearn.pipeline import Pipeline

from classifier.corpus import Example
from classifier.features import ModelInput
from classifier.model import build_pipeline
from classifier.persistence import ModelBundle, read_bundle, save_bundle
from classifier.sentence_model import (
    fit_sentence_model,
    sentence_reader,
    training_sentences,
)
from classifier.sentences import legal_by_sentence

STATUS = "Is the hearing still on Tuesday? What time should I be there?"
MIXED = "Is the hearing still on Tuesday? Can the landlord keep my whole deposit?"
LEGAL = "Can the landlord keep my whole deposit? Do I have to pay for the carpet?"


def _example(label: str, text: str, marked: str | None = None, **flags: bool) -> Example:
    return Example("x", label, ModelInput("", text, **flags), "T", None, marked)


def _targets(example: Example) -> list[tuple[str, int]]:
    texts, targets = training_sentences([example])
    return [
        (text.split(" body ", 1)[1], target) for text, target in zip(texts, targets, strict=True)
    ]


def test_every_question_of_a_status_mail_is_not_legal() -> None:
    assert _targets(_example("status_request", STATUS)) == [
        ("is the hearing still on tuesday?", 0),
        ("what time should i be there?", 0),
    ]


def test_in_a_mixed_mail_only_the_marked_sentence_is_legal() -> None:
    marked = "Can the landlord keep my whole deposit?"
    assert _targets(_example("legal_question", MIXED, marked)) == [
        ("is the hearing still on tuesday?", 0),
        ("can the landlord keep my whole deposit?", 1),
    ]


def test_the_questions_of_an_unmarked_legal_mail_are_legal_and_machine_mail_is_left_out() -> None:
    assert [t for _, t in _targets(_example("legal_question", LEGAL))] == [1, 1]
    assert _targets(_example("other", STATUS, auto_submitted=True)) == []


def test_no_model_without_both_kinds_of_sentence() -> None:
    assert fit_sentence_model([_example("status_request", STATUS)]) is None


def _corpus() -> list[Example]:
    questions = [
        ("status_request", "Is the hearing still on {}? Did the court set a date?"),
        ("billing_query", "Can you resend invoice {}? Was my payment received?"),
        ("legal_question", "Can my landlord keep the deposit for {}? Is that legal?"),
    ]
    days = ("Monday", "Tuesday", "Friday", "the carpet", "June", "the keys")
    return [_example(label, text.format(day)) for label, text in questions for day in days]


def _label_model(corpus: list[Example]) -> Pipeline:
    pipeline = build_pipeline()
    pipeline.fit([e.input.text() for e in corpus], [e.label for e in corpus])
    return pipeline


def test_the_sentence_model_is_saved_with_the_label_model_and_reads_the_same(
    tmp_path: Path,
) -> None:
    corpus = _corpus()
    bundle = ModelBundle(_label_model(corpus), {"version": "t"}, fit_sentence_model(corpus))
    save_bundle(bundle, tmp_path / "m.skops")
    loaded = read_bundle(tmp_path / "m.skops")
    assert loaded.sentence_pipeline is not None
    mail = [ModelInput("", "Can my landlord keep the deposit for the carpet? Is that legal?")]
    before = legal_by_sentence(sentence_reader(bundle), mail)
    assert legal_by_sentence(sentence_reader(loaded), mail) == before
    assert before[0] > 0.5
    alone = [ModelInput("", "Can my landlord keep the deposit for the keys?")]
    assert legal_by_sentence(sentence_reader(loaded), alone)[0] > 0.5  # one question read too


def test_a_model_file_without_a_sentence_model_reads_with_its_label_model(
    tmp_path: Path,
) -> None:
    save_bundle(ModelBundle(_label_model(_corpus()), {"version": "old"}), tmp_path / "old.skops")
    loaded = read_bundle(tmp_path / "old.skops")
    assert loaded.sentence_pipeline is None
    assert sentence_reader(loaded).min_questions == 2
