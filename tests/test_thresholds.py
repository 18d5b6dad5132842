"""Thresholds read off out-of-fold scores: the guards for the labels, the doubt bound
for drafting, and what the report counts of it."""

from __future__ import annotations

from classifier.corpus import Example
from classifier.features import ModelInput
from classifier.policy import decide
from classifier.thresholds import choose_thresholds

ANY_MAIL = ModelInput("", "x")


def _scored(
    label: str, mail: ModelInput = ANY_MAIL, **probabilities: float
) -> tuple[Example, dict[str, float]]:
    row = {"status_request": 0.0, "billing_query": 0.0, "legal_question": 0.0, "other": 0.0}
    row.update(probabilities)
    return Example("x", label, mail, "T"), row


def test_the_doubt_bound_sends_the_legal_questions_the_guard_misses_to_a_person() -> None:
    plain_legal = [_scored("legal_question", legal_question=0.9, status_request=0.1)] * 990
    hidden_legal = [_scored("legal_question", legal_question=0.15, status_request=0.85)] * 10
    # a guard low enough for the hidden ten would take these status requests too
    near = [_scored("status_request", legal_question=0.16, status_request=0.84)] * 1000
    status = [_scored("status_request", legal_question=0.02, status_request=0.98)] * 1000
    data = plain_legal + hidden_legal + near + status
    examples, scores = [e for e, _ in data], [s for _, s in data]
    chosen = choose_thresholds(examples, scores)
    assert chosen.legal_guard > 0.15  # 99% recall is met without the hidden ten
    assert chosen.doubt is not None
    hidden = decide(hidden_legal[0][1], chosen)
    assert (hidden.label, hidden.needs_triage) == ("status_request", True)
    assert decide(near[0][1], chosen).needs_triage  # the cost: a person reads these too
    assert not decide(status[0][1], chosen).needs_triage


def test_no_doubt_bound_when_the_guard_already_catches_enough() -> None:
    data = [_scored("legal_question", legal_question=0.9, status_request=0.1)] * 1000
    data += [_scored("status_request", legal_question=0.02, status_request=0.98)] * 1000
    chosen = choose_thresholds([e for e, _ in data], [s for _, s in data])
    assert (chosen.doubt_weights, chosen.doubt) == (None, None)


def test_the_report_counts_legal_questions_that_would_be_drafted_unseen() -> None:
    from classifier.evaluate import Report, evaluate

    truth = ["legal_question", "legal_question", "legal_question", "status_request"]
    predicted = ["legal_question", "billing_query", "status_request", "status_request"]
    report = evaluate(truth, predicted, [False, True, False, False])
    assert (report.legal_as_draftable, report.legal_drafted) == (2, 1)
    assert "legal questions labeled status/billing: 2 (1 not sent to a person first)" in (
        report.text()
    )
    kept_before = {k: v for k, v in report.as_dict().items() if k != "legal_drafted"}
    assert Report.from_dict(kept_before).legal_drafted is None


def test_the_policys_doubt_score_is_the_one_the_bound_was_read_off() -> None:
    import numpy as np

    from classifier.doubt import doubt_score, doubt_scores, features

    weights = (1.08, 0.59, -5.35, 0.008, 10.98)
    p_legal = np.array([0.0, 0.003, 0.05, 0.17, 0.9, 1.0])
    sentence = np.array([0.0, 0.2, 0.0, 0.39, 0.99, 0.5])
    batch = doubt_scores(features(p_legal, sentence), weights)
    one_by_one = [doubt_score(p, s, weights) for p, s in zip(p_legal, sentence, strict=True)]
    assert np.allclose(batch, one_by_one, rtol=0, atol=1e-9)


ENGLISH_MAIL = ModelInput("", "Can you tell me where this stands? Thanks")
SPANISH_MAIL = ModelInput("", "Hola, ¿cuándo es la audiencia? Gracias")


def _two_languages(spanish_legal: int = 500) -> list[tuple[Example, dict[str, float]]]:
    """English status mail that reads faintly legal (0.16) beside Spanish legal questions
    the model scores lower (0.12): one guard for both must take the English mail."""
    english = [_scored("legal_question", ENGLISH_MAIL, legal_question=0.9, other=0.1)] * 500
    english += [
        _scored("status_request", ENGLISH_MAIL, legal_question=0.16, status_request=0.84)
    ] * 1000
    hidden = spanish_legal // 25  # 4%: more than 1% missed without them
    spanish = [_scored("legal_question", SPANISH_MAIL, legal_question=0.9, other=0.1)] * (
        spanish_legal - hidden
    )
    spanish += [
        _scored("legal_question", SPANISH_MAIL, legal_question=0.12, status_request=0.88)
    ] * hidden
    spanish += [
        _scored("status_request", SPANISH_MAIL, legal_question=0.02, status_request=0.98)
    ] * 1000
    return english + spanish


def test_each_language_group_gets_the_guard_its_own_legal_questions_need() -> None:
    data = _two_languages()
    chosen = choose_thresholds([e for e, _ in data], [s for _, s in data])
    english, other = chosen.for_group("en"), chosen.for_group("other")
    assert english.legal_guard > 0.16 and other.legal_guard <= 0.12
    assert chosen.legal_guard <= 0.12  # one guard for all mail: the English status mail too
    english_status, spanish_hidden = data[500][1], data[-1001][1]
    assert decide(english_status, chosen, group="en").label == "status_request"
    assert decide(english_status, chosen).label == "legal_question"
    assert decide(spanish_hidden, chosen, group="other").label == "legal_question"


def test_a_group_with_too_few_legal_questions_keeps_the_thresholds_of_all_mail() -> None:
    data = _two_languages(spanish_legal=50)
    chosen = choose_thresholds([e for e, _ in data], [s for _, s in data])
    assert [name for name, _ in chosen.by_group] == ["en"]
    assert chosen.for_group("other") is chosen
    one_set = choose_thresholds([e for e, _ in data], [s for _, s in data], by_group=False)
    assert one_set.by_group == ()
