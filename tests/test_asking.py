"""The asking sentences: what the model reads as asked, apart from the story."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import asking, indirect
from classifier.asking import NO_ASK, asking_text
from classifier.features import model_text
from inbox.mail.punctuation import QUESTION_MARKS, SENTENCE_ENDS


def test_the_story_around_a_status_question_is_left_out() -> None:
    text = model_text(
        "Re: the hearing",
        "The landlord came by yesterday and said that if I do not leave he will call the "
        "police. The court sent a letter too. Any news on the hearing date? Thanks",
    )
    assert asking_text(text) == "any news on the hearing date?"


def test_a_phone_typed_question_without_a_question_mark_still_asks() -> None:
    text = model_text("", "got the letter from the court today. can i still sign the lease")
    assert asking_text(text) == "can i still sign the lease"


def test_the_subject_asks_only_when_the_body_does_not() -> None:
    assert asking_text(model_text("Can we sue?", "Any news on the filing?")) == (
        "any news on the filing?"
    )
    assert asking_text(model_text("is it legal for my landlord to come in", "")) == (
        "is it legal for my landlord to come in"
    )


def test_a_mail_asking_nothing_says_so_and_a_reply_subject_never_asks() -> None:
    assert asking_text(model_text("Signed pages", "Attached, thanks.")) == NO_ASK
    long_reply = "Thanks, all received and filed with the rest of the papers for the office."
    assert asking_text(model_text("Re: can we sue?", long_reply)) == NO_ASK


def test_spanish_and_german_asks_are_found() -> None:
    assert (
        asking_text(model_text("", "Ya firmé. ¿Cuándo es la audiencia?"))
        == "cuándo es la audiencia?"
    )
    assert asking_text(model_text("", "Wir haben bezahlt. Bitte bestätigen Sie den Eingang.")) == (
        "bitte bestätigen sie den eingang."
    )


def test_an_ask_told_in_the_third_person_is_an_ask() -> None:
    text = model_text(
        "", "We would like to issue it soon. She also asks whether the fee is permissible."
    )
    assert asking_text(text) == "she also asks whether the fee is permissible."


def test_a_second_ask_after_a_joining_word_or_a_condition_counts() -> None:
    text = model_text(
        "",
        "the ticket went to court last week. and if it was not dismissed, will it show up "
        "on the background check. also do i need to tell my employer",
    )
    assert asking_text(text) == (
        "and if it was not dismissed, will it show up on the background check. "
        "also do i need to tell my employer"
    )


def test_chinese_and_arabic_questions_ask() -> None:
    text = (
        "subj x body 钱我昨天已经汇出去了。你们收到了没有？ وصلت الفاتورة. هل يمكنني الدفع ببطاقة؟"
    )
    assert asking_text(text) == "你们收到了没有？ هل يمكنني الدفع ببطاقة؟"


_PIECES = [
    *".!?。！？؟¿¡\n ,)»」x",
    "and ",
    "if we sign, ",
    "can ",
    "whether ",
    "ob ",
    "job ",
    "wondering if ",
    "asks whether ",
    "pregunta si ",
    "want to know if ",
    "czy ",
    "是否",
    "so, ",
    "please ",
]


def _asks_as_first_written(text: str) -> list[str]:
    """asking._asks with backtracking sentence runs and every check run in full on every
    sentence."""
    found = re.findall(
        rf"[^{SENTENCE_ENDS}¿¡]*[{QUESTION_MARKS}]+|[^{SENTENCE_ENDS}¿¡]+[.!。！]*", text
    )
    inside = indirect._INDIRECT  # without asks_indirectly's quick look for its words

    def opens(sentence: str) -> bool:
        bare = asking._LEAD.sub("", sentence)
        return bool(
            asking._OPENS_AN_ASK.match(bare)
            or asking._OPENS_AN_ASK.match(asking._IF_CLAUSE.sub("", bare))
        )

    return [
        s.strip()
        for s in found
        if any(mark in s for mark in QUESTION_MARKS) or opens(s) or inside.search(s)
    ]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14).map("".join))
def test_the_quick_sentence_checks_find_what_the_plain_ones_found(text: str) -> None:
    assert asking._asks(text) == _asks_as_first_written(text)


def test_asks_opening_without_a_mark_in_more_languages_are_found() -> None:
    assert asking_text(model_text("", "Ho firmato tutto. Quando arriva la sentenza.")) == (
        "quando arriva la sentenza."
    )
    assert asking_text(model_text("", "Документы отправил. Когда будет решение суда.")) == (
        "когда будет решение суда."
    )
    assert asking_text(model_text("", "Documents envoyés hier. Merci beaucoup.")) == NO_ASK
