"""Rendering templates (line breaks and blank lines as written) and the status wording."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from inbox.settings import Settings, SettingsError
from rules.drafting import render, render_source
from rules.status_wording import (
    StatusWordingError,
    load_status_wording,
    normalize,
    parse_status_wording,
)
from tests.conftest import SAMPLE_FIRM

TEMPLATES = Settings().templates_dir


def invoice(number: str, overdue: bool) -> dict[str, object]:
    return {
        "number": number,
        "issued": "October 1, 2026",
        "due": "October 31, 2026",
        "amount": "$100.00",
        "balance": "$100.00",
        "disputed": False,
        "overdue": overdue,
    }


def test_each_invoice_keeps_its_own_line() -> None:
    data = {
        "firm_name": "Firm",
        "contact_name": "Ana",
        "client_name": "Client",
        "invoices": [invoice("X-INV-1", True), invoice("X-INV-2", False)],
        "total_outstanding": "$200.00",
        "payment_instructions": "Pay by card.",
    }
    lines = render(TEMPLATES, "client/billing_query", "Re: x", data).body_text.splitlines()
    rows = [line for line in lines if "X-INV-" in line]
    assert len(rows) == 2 and rows[0].startswith("  X-INV-1") and rows[0].endswith("(past due)")
    total = lines.index("Total outstanding: $200.00")
    assert lines[total - 1] == "" and lines[total + 1] == "" and lines[total + 2] == "Pay by card."


def test_escalation_notice_puts_each_field_on_its_own_line() -> None:
    data = {
        "attorney_name": "Dana",
        "sender": "a@b.example",
        "client_name": "Acme",
        "matter": "X-2026-0001 Lease",
        "subject": "Question",
        "confidence": "0.91",
        "due": "Mon Nov 23, 09:00 EST",
        "question": "First paragraph.\n\nSecond paragraph.",
        "link": "http://x/messages/1",
    }
    lines = render(TEMPLATES, "attorney/escalation", "s", data).body_text.splitlines()
    assert lines[5:8] == ["Client: Acme", "Matter: X-2026-0001 Lease", "Subject: Question"]
    assert "First paragraph.\n\nSecond paragraph." in "\n".join(lines)


def test_a_line_of_only_tags_leaves_no_blank_line(tmp_path: Path) -> None:
    source = "A{% if x %} (x){% endif %}\n  {% for i in items %}\n- {{ i }}\n{% endfor %}\n\nB\n"
    text = render_source(tmp_path, "t.txt.j2", source, {"x": 1, "items": [1, 2]})
    assert text == "A (x)\n- 1\n- 2\n\nB"


def test_the_default_wording_covers_the_sample_firm_and_common_statuses() -> None:
    wording = load_status_wording()
    with (SAMPLE_FIRM / "matters.csv").open(encoding="utf-8") as handle:
        statuses = {row["status"] for row in csv.DictReader(handle)}
    for code in statuses | {"drafting", "Filed -  Awaiting Response", "discovery"}:
        text = wording.client_text(code)
        assert text and normalize(text) != normalize(code), code


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("drafting: we are drafting\nfiled:\n", 2, "needs client text"),
        ("drafting: a\nDrafting: b\n", 2, "worded twice"),
        ("drafting: [a, b]\n", 1, "needs client text"),
        ("- drafting\n", 1, "expected a mapping"),
        ("drafting: a\n  b: c\n", 2, "YAML syntax"),
    ],
)
def test_a_bad_wording_file_is_refused_with_its_line(text: str, line: int, reason: str) -> None:
    with pytest.raises(StatusWordingError, match=rf"^w\.yaml:{line}: .*{reason}"):
        parse_status_wording(text, "w.yaml")


def test_the_as_of_day_and_staleness_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {"INBOX_ROUTER_AS_OF": "2026-11-20", "INBOX_ROUTER_STALE_MATTER_DAYS": "45"}
    )
    assert settings.as_of == dt.date(2026, 11, 20) and settings.stale_matter_days == 45
    assert Settings.from_env({}).as_of is None
    with pytest.raises(SettingsError, match="INBOX_ROUTER_AS_OF"):
        Settings.from_env({"INBOX_ROUTER_AS_OF": "20 November"})


STATUS_TEMPLATES = sorted(
    str(path.relative_to(TEMPLATES)).removesuffix(".txt.j2")
    for path in (TEMPLATES / "client").rglob("status_*.txt.j2")
)


NEXT_STEP_WORDS = (
    "Next step",
    "next step is",
    "Nächster Schritt",
    "Próximo paso",
    "Prochaine étape",
)


@pytest.mark.parametrize("template", STATUS_TEMPLATES)
def test_every_status_template_tells_a_matter_with_no_next_step_by_its_status(
    template: str,
) -> None:
    """A closed matter has no next step: each status template, in each language, says
    where it stands and prints no empty next-step line or date sentence for it."""
    closed = {"number": "X-2026-1", "title": "Lease", "status": "your matter is closed"}
    going = {"number": "X-2026-2", "title": "Will", "status": "drafting", "next_step": "Sign it"}
    data = {
        "firm_name": "Firm",
        "contact_name": "Ana",
        "matters": [{**closed, "meeting": False}, {**going, "meeting": False}],
    }
    rendered = render(TEMPLATES, template, "Re: x", data)
    for part in (rendered.body_text, rendered.body_html):
        block = part[part.index("X-2026-1") : part.index("X-2026-2")]
        assert "your matter is closed" in block
        assert not [w for w in NEXT_STEP_WORDS if w.lower() in block.lower()], block
        assert "Sign it" in part[part.index("X-2026-2") :]
    assert len(STATUS_TEMPLATES) == 20
