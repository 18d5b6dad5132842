"""What the sentence-level legal guard and the known-words check read of a mail."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import indirect, sentences
from classifier.coverage import known_word_share
from classifier.features import ModelInput
from classifier.sentences import (
    SentenceReader,
    legal_by_sentence,
    most_legal_sentences,
    question_sentences,
    whole_model_reader,
)
from inbox.mail.punctuation import QUESTION_MARKS, SENTENCE_ENDS, word_count


def test_question_sentences_are_split_at_question_marks_and_line_breaks() -> None:
    text = "Any update on the closing? And can the seller back out now? Thanks."
    assert question_sentences(text) == [
        "Any update on the closing?",
        "And can the seller back out now?",
    ]
    assert question_sentences("¿Ya presentaron la demanda? ¿Puedo vender la casa antes?") == [
        "¿Ya presentaron la demanda?",
        "¿Puedo vender la casa antes?",
    ]


def test_a_question_typed_without_its_question_mark_still_counts() -> None:
    assert question_sentences("hi\nany news??\ncan they evict me without notice") == [
        "can they evict me without notice"
    ]
    assert question_sentences("We signed it. The buyer paid.") == []


def test_a_question_asked_indirectly_counts_in_every_language() -> None:
    text = (
        "Licenciado, me mandaron la hoja del acuerdo. "
        "Y Joel pregunta si tenemos que pagar impuestos por el dinero del acuerdo.\n"
        "I was wondering whether the hearing moved\n"
        "Ich wollte fragen, ob wir die Kaution zurückbekommen.\n"
        "Нужно ли мне идти в суд лично.\n"
        "Ask your bookkeeper for the W-9 form."
    )
    assert question_sentences(text) == [
        "Y Joel pregunta si tenemos que pagar impuestos por el dinero del acuerdo.",
        "I was wondering whether the hearing moved",
        "Ich wollte fragen, ob wir die Kaution zurückbekommen.",
        "Нужно ли мне идти в суд лично.",
    ]


def _model(texts: list[str]) -> list[list[float]]:
    """A stand-in model: 'sue' reads as legal, everything else as status."""
    return [[0.9, 0.1] if "sue" in t else [0.1, 0.9] for t in texts]


def test_the_label_model_scores_the_questions_alone_only_when_there_are_several() -> None:
    classes = ["legal_question", "status_request"]
    mixed = ModelInput("", "Is the hearing still on Tuesday? Can I sue the landlord for the mold?")
    single = ModelInput("", "Can I sue the landlord for the mold?")
    machine = ModelInput("", mixed.new_text, auto_submitted=True)
    reader = whole_model_reader(_model, classes)
    assert legal_by_sentence(reader, [mixed, single, machine]) == [0.9, 0.0, 0.0]


def test_a_sentence_model_reads_a_lone_question_too_but_not_skipped_mail() -> None:
    reader = SentenceReader(lambda texts: [0.8 if "sue" in t else 0.2 for t in texts], 1)
    single = ModelInput("", "Can I sue the landlord for the mold?")
    story = ModelInput("", "We moved out in May. The keys are with the manager.")
    assert legal_by_sentence(reader, [single, story, single], skip=[False, False, True]) == [
        0.8,
        0.0,
        0.0,
    ]


def test_known_word_share_counts_words_of_the_new_text() -> None:
    vocabulary = {"any", "update", "on", "the", "lease"}
    shares = known_word_share(
        [
            ModelInput("", "any update on the lease"),
            ModelInput("", "как продвигается договор аренды сейчас"),
            ModelInput("", "hi?"),
        ],
        vocabulary,
    )
    assert shares == [1.0, 0.0, 1.0]
    skipped = known_word_share(
        [ModelInput("", "как продвигается договор аренды")], vocabulary, [True]
    )
    assert skipped == [1.0]  # machine-written mail: the policy never weighs its share


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from([*'.!?。！？؟\n )"»x', "can we ", "ab"]), max_size=16).map("".join))
def test_possessive_sentence_runs_split_as_backtracking_ones_did(text: str) -> None:
    plain = rf"[^{SENTENCE_ENDS}\n]*[{QUESTION_MARKS}][)\"'»」』]*|[^{SENTENCE_ENDS}\n]+[.!。！]?"
    assert sentences._SENTENCE.findall(text) == re.findall(plain, text)


_QUESTION_PIECES = [
    *".!?。！？؟\n )x",
    "Can we ",
    "OB ",
    "Job ",
    "she asks WHETHER ",
    "Pregunta si ",
    "ΣΑΣ ",
    "İ",
    "czy ",
    "是否",
    "Ли ",
]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_QUESTION_PIECES), max_size=14).map("".join))
def test_question_sentences_are_those_every_check_on_every_sentence_finds(text: str) -> None:
    """The question marks and indirect markers looked for in the whole mail once, not
    per sentence: the same sentences."""
    found = (m.group(0).strip() for m in sentences._SENTENCE.finditer(text))
    plain = [
        s
        for s in found
        if word_count(s) >= 3
        and (
            any(mark in s for mark in QUESTION_MARKS)
            or sentences._ASKS.match(s)
            or indirect._INDIRECT.search(s)
        )
    ]
    assert question_sentences(text) == plain


def test_chinese_and_arabic_questions_are_sentences_of_their_own() -> None:
    text = (
        "钱我昨天已经汇出去了。想问你们收到了没有，实际到账多少？不够的部分我再补。"
        "如果移民局查到那套房子是共同财产，会不会有问题？\nهل يمكنني الدفع ببطاقة؟"
    )
    assert question_sentences(text) == [
        "想问你们收到了没有，实际到账多少？",
        "如果移民局查到那套房子是共同财产，会不会有问题？",
        "هل يمكنني الدفع ببطاقة؟",
    ]


def test_the_most_legal_sentence_comes_with_its_score() -> None:
    reader = SentenceReader(lambda texts: [0.8 if "sue" in t else 0.2 for t in texts], 1)
    mixed = ModelInput("", "Is the hearing still on Tuesday? Can I sue the landlord?")
    story = ModelInput("", "We moved out in May.")
    assert most_legal_sentences(reader, [mixed, story]) == [
        (0.8, "Can I sue the landlord?"),
        (0.0, ""),
    ]


def test_a_question_opening_without_its_mark_counts_in_more_languages() -> None:
    text = (
        "Grazie per l'aggiornamento.\n"
        "Quando arriva la sentenza\n"
        "Когда будет решение суда\n"
        "Коли буде рішення суду\n"
        "Kiedy będzie rozprawa\n"
        "هل تم تقديم الطلب للمحكمة\n"
        "Pourquoi le juge a reporté l'audience\n"
        "Wir haben bezahlt und alles unterschrieben."
    )
    assert question_sentences(text) == [
        "Quando arriva la sentenza",
        "Когда будет решение суда",
        "Коли буде рішення суду",
        "Kiedy będzie rozprawa",
        "هل تم تقديم الطلب للمحكمة",
        "Pourquoi le juge a reporté l'audience",
    ]


def test_a_korean_question_ending_counts_without_a_question_mark() -> None:
    text = "서류를 오늘 보냈습니다. 6월 3일에 제가 직접 법원에 출석해야 하는 건지 알려주세요."
    assert question_sentences(text) == ["6월 3일에 제가 직접 법원에 출석해야 하는 건지 알려주세요."]
