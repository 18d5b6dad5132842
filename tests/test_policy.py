"""The decision policy: guard, override, abstain."""

from __future__ import annotations

import math

import pytest

from classifier.policy import Thresholds, decide, language_group

T = Thresholds(confidence=0.5, legal_guard=0.3)


def scores(status: float = 0.0, billing: float = 0.0, legal: float = 0.0, other: float = 0.0):  # type: ignore[no-untyped-def]
    return {
        "status_request": status,
        "billing_query": billing,
        "legal_question": legal,
        "other": other,
    }


def test_plain_argmax_when_confident() -> None:
    d = decide(scores(status=0.9, legal=0.05, other=0.05), T)
    assert (d.label, d.needs_triage) == ("status_request", False)
    assert d.confidence == pytest.approx(0.9)


@pytest.mark.parametrize("winner", ["status", "billing", "other"])
def test_legal_guard_never_lets_a_likely_legal_question_be_drafted(winner: str) -> None:
    d = decide(scores(**{winner: 0.6, "legal": 0.35}), T)
    assert d.label == "legal_question"
    assert any("legal guard" in r for r in d.reasons)


def test_legal_probability_below_the_guard_keeps_the_label() -> None:
    assert decide(scores(billing=0.75, legal=0.25), T).label == "billing_query"


def test_low_confidence_abstains() -> None:
    d = decide(scores(status=0.45, billing=0.4, legal=0.1, other=0.05), T)
    assert d.needs_triage and d.label == "status_request"


def test_machine_written_mail_is_other_whatever_the_text_says() -> None:
    d = decide(scores(legal=0.9, other=0.1), T, machine_written=True)
    assert (d.label, d.needs_triage) == ("other", False)


def test_one_legal_sentence_makes_the_whole_mail_a_legal_question() -> None:
    d = decide(scores(status=0.85, legal=0.1, other=0.05), T, sentence_legal=0.6)
    assert d.label == "legal_question"
    assert any("one question reads as legal" in r for r in d.reasons)
    kept = decide(scores(status=0.85, legal=0.1, other=0.05), T, sentence_legal=0.2)
    assert kept.label == "status_request"


def test_machine_written_mail_is_other_whatever_its_sentences_say() -> None:
    d = decide(scores(legal=0.9, other=0.1), T, machine_written=True, sentence_legal=0.9)
    assert d.label == "other"


def test_a_mail_mostly_in_words_the_model_never_saw_goes_to_a_person() -> None:
    d = decide(scores(other=0.99, status=0.01), T, known_words=0.2)
    assert d.needs_triage and d.label == "other"
    assert any("known to the model" in r for r in d.reasons)
    assert not decide(scores(other=0.99, status=0.01), T, known_words=0.8).needs_triage


def test_a_question_sentence_has_its_own_threshold_when_one_was_chosen() -> None:
    """One sentence scored alone is short text with noisier scores: the threshold chosen
    for it (classifier/thresholds.py) applies, not the whole mail's."""
    strict = Thresholds(confidence=0.5, legal_guard=0.3, sentence_guard=0.7)
    mail = scores(status=0.85, legal=0.1, other=0.05)
    assert decide(mail, strict, sentence_legal=0.6).label == "status_request"
    assert decide(mail, strict, sentence_legal=0.75).label == "legal_question"
    assert decide(mail, T, sentence_legal=0.35).label == "legal_question"  # none: the guard's


def test_a_question_sentence_counts_only_behind_a_mail_that_reads_faintly_legal() -> None:
    """A lone sentence reading legal inside a mail whose whole reads plainly non-legal is
    noise more often than a hidden legal ask: the gate chosen in training says how
    faintly legal the whole must read for its sentences to count."""
    gated = Thresholds(confidence=0.5, legal_guard=0.3, sentence_guard=0.4, sentence_gate=0.01)
    plain = scores(status=0.995, legal=0.004, other=0.001)
    faint = scores(status=0.95, legal=0.03, other=0.02)
    assert decide(plain, gated, sentence_legal=0.9).label == "status_request"
    assert decide(faint, gated, sentence_legal=0.9).label == "legal_question"


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


# The doubt score as the whole mail's legal log-odds alone, or its sentence's alone.
BY_MAIL = Thresholds(0.5, 0.3, 0.5, doubt_weights=(1.0, 0.0, 0.0, 0.0, 0.0), doubt=_logit(0.1))
BY_SENTENCE = Thresholds(0.5, 0.3, 0.5, doubt_weights=(0.0, 1.0, 0.0, 0.0, 0.0), doubt=_logit(0.3))


def test_a_label_in_legal_doubt_keeps_its_label_but_needs_a_person() -> None:
    by_mail = decide(scores(billing=0.8, legal=0.15, other=0.05), BY_MAIL)
    assert (by_mail.label, by_mail.needs_triage, by_mail.legal_doubt) == (
        "billing_query",
        True,
        True,
    )
    assert any(r.startswith("legal doubt:") for r in by_mail.reasons)
    by_sentence = decide(
        scores(status=0.9, legal=0.05, other=0.05), BY_SENTENCE, sentence_legal=0.4
    )
    assert (by_sentence.label, by_sentence.legal_doubt) == ("status_request", True)


def test_below_the_doubt_bound_and_without_one_nothing_changes() -> None:
    clear = decide(scores(status=0.9, legal=0.05, other=0.05), BY_SENTENCE, sentence_legal=0.2)
    assert (clear.needs_triage, clear.legal_doubt) == (False, False)
    unset = decide(scores(billing=0.8, legal=0.15, other=0.05), T, sentence_legal=0.2)
    assert (unset.needs_triage, unset.legal_doubt) == (False, False)


def test_a_legal_label_is_never_in_doubt_and_thresholds_keep_their_doubt_bound() -> None:
    assert not decide(scores(status=0.5, legal=0.5), BY_MAIL).legal_doubt
    assert Thresholds.from_dict(BY_MAIL.as_dict()) == BY_MAIL
    old_file = {"confidence": 0.7, "legal_guard": 0.125, "sentence_gate": 0.01}
    assert Thresholds.from_dict(old_file).doubt is None
    assert Thresholds.from_dict(old_file, confidence=0.6).confidence == 0.6


def test_the_sentence_that_decided_is_quoted_for_the_person_reading_the_reasons() -> None:
    asked = "Can my landlord keep the whole deposit?"
    d = decide(
        scores(status=0.85, legal=0.1, other=0.05), T, sentence_legal=0.6, legal_sentence=asked
    )
    assert d.reasons[0].endswith(f': "{asked}"')
    long = "Can they " + "really " * 40 + "do that?"
    cut = decide(
        scores(status=0.9, legal=0.05, other=0.05),
        BY_SENTENCE,
        sentence_legal=0.4,
        legal_sentence=long,
    )
    assert cut.legal_doubt and cut.reasons[-1].endswith('…"') and len(cut.reasons[-1]) < 300


@pytest.mark.parametrize(
    ("new_text", "group"),
    [
        ("Hi Dana, did the court set a hearing date yet? Thanks, Mark", "en"),
        ("hey can you send me the invoice for march when you get a chance", "en"),
        ("Hola licenciada, ¿ya recibieron el pago de la factura? Saludos", "other"),
        ("Sehr geehrte Frau Klein, ist unsere Überweisung schon eingegangen? Danke", "other"),
        ("Bonjour Maître, avez-vous reçu les documents signés ? Cordialement", "other"),
        ("Olá, vocês já receberam o meu pagamento? Obrigado", "other"),
        ("律师您好，我们的案子现在进展到哪一步了？谢谢", "other"),
        ("مرحبا، هل وصلتكم الأوراق الموقعة؟ شكرا", "other"),
        ("Добрий день, чи отримали ви мої документи? Дякую", "other"),
        ("변호사님, 청문회 날짜가 정해졌나요?", "other"),
        ("Luật sư ơi, hồ sơ của tôi đã nộp chưa ạ?", "other"),
        ("Sir, mera H-1B transfer ka kya update hai? Abhi tak kuch nahi aaya", "other"),
        ("ok", "other"),  # too few words to tell: the more careful thresholds
        ("", "other"),
    ],
)
def test_the_language_group_comes_from_the_mails_new_text(new_text: str, group: str) -> None:
    assert language_group(new_text) == group


# English mail gets a higher legal guard and a lower confidence bar than the rest.
GROUPED = Thresholds(
    0.7,
    0.1,
    by_group=(("en", Thresholds(0.6, 0.2)), ("other", Thresholds(0.7, 0.075))),
)


def test_each_mail_is_decided_with_its_language_groups_thresholds() -> None:
    mail = scores(status=0.68, legal=0.15, other=0.17)
    english = decide(mail, GROUPED, group="en")
    assert (english.label, english.needs_triage) == ("status_request", False)
    other = decide(mail, GROUPED, group="other")
    assert other.label == "legal_question"  # 0.15 >= the other languages' 0.075
    assert decide(mail, GROUPED).label == "legal_question"  # no group: all mail's


def test_thresholds_without_groups_apply_to_every_group_as_before() -> None:
    old_file = {"confidence": 0.7, "legal_guard": 0.1, "sentence_guard": 0.7, "sentence_gate": 0.01}
    loaded = Thresholds.from_dict(old_file)
    assert loaded.by_group == ()
    mail = scores(status=0.68, legal=0.15, other=0.17)
    assert decide(mail, loaded, group="en") == decide(mail, loaded)
    assert loaded.as_dict() == {
        **old_file,
        "doubt_weights": None,
        "doubt": None,
        "doubt_without_sentence": None,
    }


def test_grouped_thresholds_round_trip_and_settings_win_in_every_group() -> None:
    assert Thresholds.from_dict(GROUPED.as_dict()) == GROUPED
    overridden = Thresholds.from_dict(GROUPED.as_dict(), confidence=0.5)
    assert {t.confidence for _, t in overridden.by_group} == {0.5}
