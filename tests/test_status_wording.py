"""Status codes of a common shape get client words; anything else waits for a person."""

from __future__ import annotations

import pytest

from rules.status_wording import parse_status_wording, shaped_wording


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("petition filed", "the petition has been filed"),
        ("Opposition Filed", "the opposition has been filed"),
        ("RFE received", "the RFE has been received"),
        ("filed - awaiting USCIS", "the papers have been filed and we are waiting for USCIS"),
        ("awaiting signed lease", "we are waiting for signed lease"),
        ("lien recorded", "the lien has been recorded"),
        ("signing scheduled", "the signing has been scheduled"),
        ("audit in progress", "the audit is under way"),
        ("reply brief due", "the reply brief is due"),
    ],
)
def test_a_code_of_a_common_shape_is_worded(code: str, words: str) -> None:
    assert shaped_wording(code) == words


@pytest.mark.parametrize(
    "code",
    ["drafting", "discovery", "board review", "due diligence", "under contract", "DRFT_2", ""],
)
def test_a_bare_noun_or_a_code_says_too_little_and_is_not_worded(code: str) -> None:
    assert shaped_wording(code) is None


def test_the_firms_own_wording_wins_over_the_shape() -> None:
    wording = parse_status_wording("petition filed: we filed your petition with the court\n")
    assert wording.client_text("Petition  filed") == "we filed your petition with the court"
    assert wording.client_text("answer filed") == "the answer has been filed"
    assert wording.client_text("discovery") is None
