"""A bad rules file is rejected at load, with its line and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox.settings import Settings
from rules.ruleset import RulesError, load_rules, parse_rules

GOOD_RULE = """
rules:
  - name: legal
    description: Legal questions to the attorney.
    if: {label: legal_question}
    then: {action: escalate}
"""


def test_default_rules_file_loads_and_reads_like_a_policy() -> None:
    ruleset = load_rules(Settings().rules_path)
    names = [r.name for r in ruleset.rules]
    assert names[0] == "machine-written-mail"  # loop guard first
    assert names.index("legal-question") < names.index("billing-question")
    assert all(r.description.endswith(".") for r in ruleset.rules)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("rules: [", 1, "YAML syntax"),
        ("rules: []\n", 1, "'rules' must be a non-empty list"),
        (
            GOOD_RULE.replace("label: legal_question", "label: legal"),
            5,
            "label 'legal' is not one of",
        ),
        (GOOD_RULE.replace("label:", "colour:"), 5, "unknown condition 'colour'"),
        (
            GOOD_RULE.replace("action: escalate", "action: answer"),
            6,
            "action 'answer' is not one of",
        ),
        (
            GOOD_RULE.replace("action: escalate", "action: draft"),
            6,
            "action: draft needs a 'template'",
        ),
        (
            GOOD_RULE.replace("{action: escalate}", "{action: escalate, auto_send: true}"),
            6,
            "auto_send is only for action: draft",
        ),
        (
            GOOD_RULE.replace("{label: legal_question}", "{subject_matches: '(unclosed'}"),
            5,
            "bad regular expression",
        ),
        (
            GOOD_RULE.replace("{label: legal_question}", "{confidence_below: 2}"),
            5,
            "between 0 and 1",
        ),
        (
            GOOD_RULE.replace("    description: Legal questions to the attorney.\n", ""),
            3,
            "needs a one-line 'description'",
        ),
        (GOOD_RULE + GOOD_RULE.replace("rules:\n", ""), 8, "rule name 'legal' is used twice"),
        ("intake_attorney: nobody\n" + GOOD_RULE, 1, "intake_attorney 'nobody' is not an e-mail"),
    ],
)
def test_bad_rules_are_rejected_with_line(text: str, line: int, reason: str) -> None:
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "firm.yaml")
    assert caught.value.line == line, str(caught.value)
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"firm.yaml:{line}: ")


def test_unreadable_rules_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "missing.yaml")
