"""Status drafts per intent: the template chosen, the data it reads, and every language's
text (pure: no database; tests/test_routing.py routes sample-firm mail through them)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from inbox.models import Matter
from inbox.settings import Settings
from rules.drafting import StatusPolicy, render
from rules.localize import localize_data
from rules.status_intents import (
    FILED_OR_RECEIVED_CHECK,
    is_status_template,
    reads_as_meeting,
    status_intent_data,
    status_template,
)
from rules.status_wording import load_status_wording

TEMPLATES = Settings().templates_dir
TODAY = dt.date(2026, 11, 20)
POLICY = StatusPolicy(TODAY, load_status_wording(), 90)
INTENTS = ("timeline", "hearing_or_meeting", "next_steps", "filed_or_received")
LANGUAGES = ("en", "es", "de", "fr")
# What each language calls the next step, and how it writes December 3, 2026.
NEXT_STEP = {
    "en": "Next step:",
    "es": "Próximo paso:",
    "de": "Nächster Schritt:",
    "fr": "Prochaine étape :",
}
DEC_3 = {"en": "December 3, 2026", "es": "3 de diciembre de 2026", "de": "3. Dezember 2026",
         "fr": "3 décembre 2026"}  # fmt: skip


def matter(number: str, next_step: str, next_date: dt.date | None, status: str) -> Matter:
    return Matter(
        matter_number=number,
        title=f"Matter {number}",
        status=status,
        next_step=next_step,
        next_date=next_date,
    )


MEDIATION = matter("M-1", "Mediation with co-parent", dt.date(2026, 12, 3), "mediation scheduled")
DRAFTING = matter("M-2", "Send the revised draft", dt.date(2026, 12, 3), "drafting")
UNDATED = matter("M-3", "Landlord's decision on consent", None, "WIP-7 internal")


def template_name(intent: str, language: str) -> str:
    folder = "client" if language == "en" else f"client/{language}"
    return f"{folder}/status_{intent}"


def draft(intent: str, language: str, *matters: Matter) -> tuple[str, str, dict]:
    data = status_intent_data(f"client/status_{intent}", "Firm LLP", "Ana", list(matters), POLICY)
    shown = render(
        TEMPLATES, template_name(intent, language), "Re: x", localize_data(data, language)
    )
    return shown.body_text, shown.body_html, data


@pytest.mark.parametrize(
    ("intent", "template"),
    [
        ("status.timeline", "client/status_timeline"),
        ("status.hearing_or_meeting", "client/status_hearing_or_meeting"),
        ("status.next_steps", "client/status_next_steps"),
        ("status.filed_or_received", "client/status_filed_or_received"),
        ("status.general", "client/status_request"),
        ("billing.balance", "client/status_request"),
        (None, "client/status_request"),
    ],
)
def test_the_default_status_template_becomes_the_intents(intent: str | None, template: str) -> None:
    assert status_template("client/status_request", intent) == template


def test_a_template_the_rules_file_names_is_kept_and_every_status_template_reads_status_data() -> (
    None
):
    assert status_template("client/firm_status", "status.timeline") == "client/firm_status"
    assert all(is_status_template(f"client/status_{i}") for i in (*INTENTS, "request"))
    assert is_status_template("client/firm_status_request")
    assert not is_status_template("client/billing_balance")


@pytest.mark.parametrize(
    ("step", "meeting"),
    [
        ("Mediation with co-parent", True),
        ("USCIS biometrics appointment", True),
        ("Signing meeting for will and trust", True),
        ("Court to set show-cause hearing on possession", True),
        ("Call with distributor's counsel on exclusivity clause", True),
        ("Audiencia preliminar", True),
        ("Notartermin zur Beurkundung", True),
        ("Rendez-vous chez le notaire", True),
        ("Circulate revised franchise agreement draft", False),
        ("Court to determine the fee award", False),
        ("Termination notice to the landlord", False),
        ("Unterlagen von der Firma anfordern", False),
        ("Defendant's answer due", False),
    ],
)
def test_which_next_steps_read_as_a_hearing_or_meeting(step: str, meeting: bool) -> None:
    assert reads_as_meeting(step) is meeting


def test_only_filed_or_received_asks_the_va_to_check_the_file() -> None:
    for intent in INTENTS:
        data = status_intent_data(f"client/status_{intent}", "F", None, [DRAFTING], POLICY)
        expected = [FILED_OR_RECEIVED_CHECK] if intent == "filed_or_received" else None
        assert data.get("checks") == expected
        assert data["warnings"] == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("intent", INTENTS)
def test_each_intent_renders_in_each_language_with_its_date_and_each_matter(
    intent: str, language: str
) -> None:
    text, html, _ = draft(intent, language, MEDIATION, DRAFTING)
    for number in ("M-1", "M-2"):
        assert f"Matter {number} ({number})" in text and f"({number})" in html
    assert DEC_3[language] in text and DEC_3[language] in html
    assert text.endswith("\nFirm LLP\n") and html.endswith("Firm LLP</p>")
    assert "mediation scheduled" not in text and "drafting" not in text  # internal codes
    if language != "en":
        assert "Next step" not in text and "December" not in text
    for line in text.splitlines():
        assert "{" not in line and line == line.rstrip()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("intent", INTENTS)
def test_a_status_code_without_wording_and_a_missing_date_are_left_out(
    intent: str, language: str
) -> None:
    text, html, data = draft(intent, language, UNDATED)
    assert "WIP-7" not in text and "WIP-7" not in html
    assert NEXT_STEP[language] in text and "Landlord's decision on consent" in text
    assert not re.search(r"\b20\d\d\b", text)  # no date at all
    assert data["warnings"] and "no client wording" in data["warnings"][0]


def test_a_past_date_is_never_rendered() -> None:
    past = matter("M-9", "Mediation with co-parent", TODAY - dt.timedelta(days=1), "drafting")
    for intent in INTENTS:
        text, html, data = draft(intent, "en", past)
        assert "November 19" not in text and "November 19" not in html
        assert "expected by" not in text
        assert any("before today" in w for w in data["warnings"])


def test_the_html_part_has_the_same_lines_as_the_text() -> None:
    for intent in INTENTS:
        text, html, _ = draft(intent, "en", MEDIATION)
        rows = [line.strip() for line in text.splitlines()[4:7] if line.startswith("  ")]
        for row in rows:
            assert f"<br>{row}" in html.replace("&#39;", "'")
