"""Identification, each default rule, the guards and the drafts, on the sample firm.

The classifier's decision is given (not predicted) so that each case pins a rule;
`test_route_sample.py` runs the real model end to end.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from classifier.policy import Decision
from classifier.predict import Prediction
from inbox.mail.parse import ParsedMessage, parse_message
from inbox.models import Matter
from inbox.settings import Settings
from rules.directory_import import import_directory
from rules.route import Router
from rules.ruleset import parse_rules
from tests.conftest import SAMPLE_AS_OF, SAMPLE_FIRM

LABELS = ("status_request", "billing_query", "legal_question", "other")


def mail(sender: str, subject: str, body: str, headers: str = "") -> ParsedMessage:
    raw = f"From: {sender}\nTo: clients@harborvale.law\nSubject: {subject}\n{headers}\n{body}\n"
    return parse_message(raw.replace("\n\n\n", "\n\n").encode())


def predicted(label: str, confidence: float = 0.9, needs_triage: bool = False) -> Prediction:
    rest = (1 - confidence) / 3
    scores = {name: (confidence if name == label else rest) for name in LABELS}
    return Prediction(Decision(label, confidence, scores, needs_triage, ()), (), "test")


@pytest.fixture
def session(factory, settings: Settings):  # type: ignore[no-untyped-def]
    with factory() as session:
        with session.begin():
            import_directory(session, SAMPLE_FIRM)
        yield session


@pytest.fixture
def router(settings: Settings) -> Router:
    return Router.from_settings(settings.with_changes(as_of=SAMPLE_AS_OF))


def route(router: Router, session, parsed: ParsedMessage, label: str, **kw):  # type: ignore[no-untyped-def]
    return router.route(session, parsed, prediction=predicted(label, **kw))


CASES = [
    # (case, sender, subject, body, headers, label, action, assignee, matter)
    (
        "legal with own matter number goes to that matter's attorney",
        "mike.osei@northwindmarine.com",
        "HV-2026-0011 guarantee",
        "Do I have to sign a personal guarantee?",
        "",
        "legal_question",
        "escalate",
        "theo.lindqvist@harborvale.law",
        "HV-2026-0011",
    ),
    (
        "legal from a client with one open matter goes to its attorney",
        "hannah.kowalski@example.org",
        "moving",
        "Can he move the kids to Oregon?",
        "",
        "legal_question",
        "escalate",
        "lucia.fernandez@harborvale.law",
        "HV-2026-0010",
    ),
    (
        "legal naming another client's matter goes to the relationship attorney",
        "dr.agarwal@greenwaydental.com",
        "Question re HV-2026-0016",
        "Is our non-compete enforceable?",
        "",
        "legal_question",
        "escalate",
        "daniel.brandt@harborvale.law",
        None,
    ),
    (
        "legal from an unknown sender goes to intake",
        "stranger@example.org",
        "partner dispute",
        "My partner took our customers, can I sue?",
        "",
        "legal_question",
        "escalate",
        "priya.raman@harborvale.law",
        None,
    ),
    (
        "legal sender known only by domain goes to the relationship attorney when several matters are open",
        "frontdesk@greenwaydental.com",
        "question",
        "Can we fire an employee on leave?",
        "",
        "legal_question",
        "escalate",
        "daniel.brandt@harborvale.law",
        None,
    ),
    (
        "status with own matter number gets a draft",
        "sam@bluefincoffee.com",
        "HV-2026-0007 update?",
        "Where are we on the franchise agreement?",
        "",
        "status_request",
        "draft",
        None,
        "HV-2026-0007",
    ),
    (
        "status of a client with several open matters, none named, covers each",
        "dana.whitaker@northwindmarine.com",
        "Quick update?",
        "Where do things stand?",
        "",
        "status_request",
        "draft",
        None,
        None,
    ),
    (
        "status from an unknown sender is triaged",
        "someone@example.org",
        "status",
        "Where is my case?",
        "",
        "status_request",
        "triage",
        None,
        None,
    ),
    (
        "status naming another client's matter is triaged",
        "lisa.tran@greenwaydental.com",
        "HV-2026-0003?",
        "Any news on HV-2026-0003?",
        "",
        "status_request",
        "triage",
        None,
        None,
    ),
    (
        "billing from a known client gets a draft",
        "cfo@sunlinesolar.com",
        "balance",
        "What do we owe you?",
        "",
        "billing_query",
        "draft",
        None,
        "HV-2026-0009",
    ),
    (
        "billing from an unknown sender is triaged",
        "someone@example.org",
        "invoice",
        "Please send the invoice again.",
        "",
        "billing_query",
        "triage",
        None,
        None,
    ),
    (
        "other from a client with nothing attached is filed",
        "leasing@alderridgepm.com",
        "documents",
        "Attached.",
        "",
        "other",
        "ignore",
        None,
        "HV-2026-0005",
    ),
    (
        "other is ignored",
        "stranger@example.org",
        "thanks",
        "Thanks!",
        "",
        "other",
        "ignore",
        None,
        None,
    ),
    (
        "auto-reply never gets a draft even if labeled billing",
        "cfo@sunlinesolar.com",
        "Automatic reply: invoice",
        "I am away.",
        "Auto-Submitted: auto-replied\n",
        "billing_query",
        "ignore",
        None,
        "HV-2026-0009",
    ),
    (
        "newsletter with a list header never gets a draft",
        "news@bar.example",
        "Weekly",
        "Top stories",
        "List-Id: <weekly.bar.example>\n",
        "status_request",
        "ignore",
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("case", "sender", "subject", "body", "headers", "label", "action", "assignee", "matter"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_default_rules(
    router, session, case, sender, subject, body, headers, label, action, assignee, matter
) -> None:  # type: ignore[no-untyped-def]
    result = route(router, session, mail(sender, subject, body, headers), label)
    assert result.action == action, result.reasons
    assert result.assignee == assignee
    assert (result.who.matter.matter_number if result.who.matter else None) == matter
    if action == "draft":
        assert result.draft is not None and "{{" not in result.draft.body_text
    else:
        assert result.draft is None
    if action == "escalate":
        assert result.notice is not None and assignee is not None


def test_foreign_matter_number_is_flagged_and_never_used(router, session) -> None:  # type: ignore[no-untyped-def]
    result = route(
        router,
        session,
        mail("lisa.tran@greenwaydental.com", "HV-2026-0003?", "Any news on HV-2026-0003?"),
        "status_request",
    )
    assert result.who.foreign_numbers == ["HV-2026-0003"]
    assert "Coastal Hull" not in (result.draft.body_text if result.draft else "")
    assert any("another client's matter" in r for r in result.reasons)


def test_low_confidence_goes_to_triage(router, session) -> None:  # type: ignore[no-untyped-def]
    result = route(
        router,
        session,
        mail("sam@bluefincoffee.com", "hm", "Hello"),
        "status_request",
        confidence=0.4,
        needs_triage=True,
    )
    assert result.action == "triage"


def test_status_draft_holds_the_matter_facts(router, session) -> None:  # type: ignore[no-untyped-def]
    result = route(
        router,
        session,
        mail("Sam Delgado <sam@bluefincoffee.com>", "HV-2026-0007", "Update?"),
        "status_request",
    )
    body = result.draft.body_text
    assert body.startswith("Dear Sam,")
    assert "Franchise agreement and disclosure document (HV-2026-0007)" in body
    assert "Where it stands: we are preparing the documents" in body
    assert "drafting" not in body  # the internal status code
    assert result.draft.subject == "Re: HV-2026-0007"


def test_several_open_matters_are_each_covered(router, session) -> None:  # type: ignore[no-untyped-def]
    result = route(
        router,
        session,
        mail("dana.whitaker@northwindmarine.com", "Quick update?", "Any news?"),
        "status_request",
    )
    body = result.draft.body_text
    for number in ("HV-2026-0003", "HV-2026-0011", "HV-2026-0019"):
        assert number in body


def test_billing_draft_lists_open_invoices_and_total(router, session) -> None:  # type: ignore[no-untyped-def]
    result = route(
        router,
        session,
        mail("ap@northwindmarine.com", "invoices", "What is open?"),
        "billing_query",
    )
    body = result.draft.body_text
    assert "Total outstanding: $" in body
    assert "HV-INV-1042" in body  # open invoice of Northwind in the sample firm
    assert "You can pay" in body


def test_missing_matter_data_sends_to_triage_with_reason(router, session) -> None:  # type: ignore[no-untyped-def]
    matter = session.scalars(select(Matter).where(Matter.matter_number == "HV-2026-0007")).one()
    matter.next_step = ""
    result = route(
        router, session, mail("sam@bluefincoffee.com", "HV-2026-0007", "Update?"), "status_request"
    )
    assert result.action == "triage" and result.draft is None
    assert any("HV-2026-0007 has no next step" in r for r in result.reasons)
    session.rollback()


def test_subject_is_data_never_template_source(router, session) -> None:  # type: ignore[no-untyped-def]
    parsed = mail(
        "sam@bluefincoffee.com", "HV-2026-0007 {{ 7*7 }} {% raw %}", "Update? {{ config }}"
    )
    draft = route(router, session, parsed, "status_request").draft
    assert draft.subject == "Re: HV-2026-0007 {{ 7*7 }} {% raw %}"
    notice = route(router, session, parsed, "legal_question").notice
    assert "{{ 7*7 }}" in notice.subject and "{{ config }}" in notice.body_text
    assert "49" not in notice.body_text


def test_html_parts_escape_mail_content(router, session) -> None:  # type: ignore[no-untyped-def]
    parsed = mail(
        "sam@bluefincoffee.com", "<script>alert(1)</script>", "<img src=x onerror=alert(2)>"
    )
    notice = route(router, session, parsed, "legal_question").notice
    assert "<script>" not in notice.body_html and "&lt;script&gt;" in notice.body_html
    assert "<img" not in notice.body_html


def test_a_rules_file_cannot_make_a_legal_question_get_a_draft(settings, session) -> None:  # type: ignore[no-untyped-def]
    reckless = parse_rules(
        """
rules:
  - name: draft-everything
    description: Reckless.
    if: {}
    then: {action: draft, template: client/status_request, auto_send: true}
"""
    )
    router = Router.from_settings(settings)
    router = Router(settings, router.classifier, reckless, router.calendar)
    result = route(
        router,
        session,
        mail("sam@bluefincoffee.com", "HV-2026-0007", "Can I sue?"),
        "legal_question",
    )
    assert result.action == "escalate" and result.draft is None
    assert result.outcome.auto_send is False
    auto = route(
        router,
        session,
        mail("sam@bluefincoffee.com", "Out of office", "Away", "Auto-Submitted: auto-replied\n"),
        "status_request",
    )
    assert auto.action == "ignore" and auto.draft is None


def test_templates_render_in_a_sandbox(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    from rules.drafting import MissingData, render

    (tmp_path / "evil.txt.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    (tmp_path / "evil.html.j2").write_text("x")
    with pytest.raises(MissingData, match=r"unsafe|access"):
        render(tmp_path, "evil", "s", {})


@pytest.mark.parametrize(
    ("template", "data", "missing"),
    [
        ("client/status_request", {"firm_name": "F"}, "matters"),
        ("client/billing_query", {"firm_name": "F", "contact_name": "A"}, "invoices"),
        ("client/legal_ack", {"firm_name": "F"}, "response_time"),
        ("attorney/escalation", {"attorney_name": "A", "sender": "s"}, "subject"),
    ],
)
def test_each_template_refuses_missing_data(template: str, data: dict, missing: str) -> None:
    from rules.drafting import MissingData, render

    with pytest.raises(MissingData, match=missing):
        render(Settings().templates_dir, template, "Re: x", data)


def test_settings_are_a_dataclass() -> None:
    assert dataclasses.is_dataclass(Settings)


def test_auto_send_opt_in_queues_the_draft_without_a_person(settings, session) -> None:  # type: ignore[no-untyped-def]
    from inbox.ingest.pipeline import record_route
    from inbox.ingest.runner import ingest_one
    from inbox.models import Draft, Message, OutboxEntry

    opted_in = parse_rules(
        """
rules:
  - name: status-auto
    description: Status replies go out on their own.
    if: {label: status_request, matter: found}
    then: {action: draft, template: client/status_request, auto_send: true}
"""
    )
    settings = settings.with_changes(as_of=SAMPLE_AS_OF)
    base = Router.from_settings(settings)
    router = Router(settings, base.classifier, opted_in, base.calendar)
    raw = (
        b"From: Sam Delgado <sam@bluefincoffee.com>\nTo: clients@harborvale.law\n"
        b"Subject: HV-2026-0007 where are we?\nMessage-ID: <auto-1@bluefincoffee.com>\n\n"
        b"Hi, has the franchise agreement draft been finished yet? Where do things stand?\n"
    )
    session.commit()
    factory = lambda: session.__class__(bind=session.get_bind(), expire_on_commit=False)  # noqa: E731
    outcome = ingest_one(factory, raw, origin="auto", stages=[record_route(router)])
    with factory() as check:
        message = check.get_one(Message, outcome.message_pk)
        draft = check.scalars(select(Draft).where(Draft.message_id == message.id)).one()
        entry = check.scalars(select(OutboxEntry).where(OutboxEntry.draft_id == draft.id)).one()
        assert entry.to_addrs == ["sam@bluefincoffee.com"]
