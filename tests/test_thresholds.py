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


def test_the_doubt_bounds_catch_legal_questions_where_they_cost_fewest_other_mails() -> None:
    import numpy as np

    from classifier.thresholds import split_bounds

    # with a question sentence: the legal ones score 5 and 4, among few others;
    # without: the legal one scores 3, under many others (2.9 .. 3.5)
    with_scores = [5.0, 4.5, 4.0, 1.0]
    with_legal = [True, False, True, False]
    bare_scores = [3.5, 3.4, 3.3, 3.2, 3.1, 3.0, 2.9]
    bare_legal = [False, False, False, False, False, True, False]
    scores = np.array(with_scores + bare_scores)
    is_legal = np.array(with_legal + bare_legal)
    has_sentence = np.array([True] * 4 + [False] * 7)
    with_bound, bare_bound = split_bounds(scores, is_legal, has_sentence, needed=2)
    assert bare_bound > 3.5  # the mail without a sentence costs five others: none caught
    assert 4.0 - 1e-6 < with_bound <= 4.0  # both with a sentence, for one other (4.5)
    caught = np.where(has_sentence, scores >= with_bound, scores >= bare_bound)
    assert caught[is_legal].sum() == 2 and caught[~is_legal].sum() == 1
    # all three: the bare one too, and the five over it
    with_bound, bare_bound = split_bounds(scores, is_legal, has_sentence, needed=3)
    assert 3.0 - 1e-6 < bare_bound <= 3.0


def test_one_kind_of_mail_gets_one_doubt_bound() -> None:
    import numpy as np

    from classifier.thresholds import split_bounds

    scores, is_legal = np.array([3.0, 2.0, 1.0]), np.array([False, True, False])
    bounds = split_bounds(scores, is_legal, np.zeros(3, dtype=bool), needed=1)
    assert bounds[0] == bounds[1] and 2.0 - 1e-6 < bounds[0] <= 2.0


def test_mail_without_a_question_sentence_is_held_to_its_own_doubt_bound() -> None:
    from classifier.policy import Thresholds

    weights = (1.15, 0.88, -9.5, -0.005, 15.5)
    both = Thresholds(0.5, 0.5, 0.9, 0.0, weights, doubt=1.76)
    apart = Thresholds(0.5, 0.5, 0.9, 0.0, weights, doubt=1.76, doubt_without_sentence=2.49)
    no_sentence = {"status_request": 0.99, "legal_question": 0.01}
    assert decide(no_sentence, both).legal_doubt  # P(legal) 0.01 alone reached 1.76
    assert not decide(no_sentence, apart).legal_doubt
    with_sentence = {"status_request": 0.91, "legal_question": 0.09}
    assert decide(with_sentence, both, sentence_legal=0.57).legal_doubt
    assert decide(with_sentence, apart, sentence_legal=0.57).legal_doubt
    assert Thresholds.from_dict(apart.as_dict()) == apart
