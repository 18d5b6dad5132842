"""Identification, each default rule, the guards and the drafts, on the sample firm.

The classifier's decision is given (not predicted) so that each case pins a rule;
`test_route_sample.py` runs the real model end to end.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from classifier.policy import Decision
from classifier.predict import Prediction
from inbox.mail.parse import ParsedMessage, parse_message
from inbox.models import Matter
from inbox.settings import Settings
from rules.directory_import import import_directory, import_file
from rules.drafting import stated_facts
from rules.route import Router, intent_template
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
def router(settings: Settings, tmp_path: Path) -> Router:
    """The phrase rules name the intent (no learned intent model): each case pins the
    rules and drafts; test_intent_model.py covers the model's part in a route."""
    rules_only = tmp_path / "no-intent-model.skops"
    return Router.from_settings(
        settings.with_changes(as_of=SAMPLE_AS_OF, intent_model_path=rules_only)
    )


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
        "Is this enforceable?",
        "",
        "legal_question",
        "escalate",
        "daniel.brandt@harborvale.law",
        None,
    ),
    (
        "legal greeting one attorney goes to that attorney's matter, not the relationship one",
        "dana.whitaker@northwindmarine.com",
        "quick question",
        "Hi Theo,\n\nAre we allowed to sublet part of the space?",
        "",
        "legal_question",
        "escalate",
        "theo.lindqvist@harborvale.law",
        "HV-2026-0011",
    ),
    (
        "legal copying one attorney goes to that attorney's matter",
        "dana.whitaker@northwindmarine.com",
        "quick question",
        "Are we allowed to sublet part of the space?",
        "Cc: theo.lindqvist@harborvale.law\n",
        "legal_question",
        "escalate",
        "theo.lindqvist@harborvale.law",
        "HV-2026-0011",
    ),
    (
        "legal naming a word only one matter has goes to that matter",
        "nadia.farouk@sunlinesolar.com",
        "EEOC",
        "Should we answer the EEOC before Friday?",
        "",
        "legal_question",
        "escalate",
        "daniel.brandt@harborvale.law",
        "HV-2026-0009",
    ),
    (
        "legal saying it is not about the only open matter is not attached to it",
        "sam@bluefincoffee.com",
        "new problem",
        "I know this isn't about the franchise, but can we stop a supplier shipping late?",
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
        "Can we turn away a patient who shouted at our staff?",
        "",
        "legal_question",
        "escalate",
        "daniel.brandt@harborvale.law",
        None,
    ),
    (
        "a word of a practice area picks the client's only matter in that area",
        "frontdesk@greenwaydental.com",
        "question",
        "Can we fire an employee on leave?",
        "",
        "legal_question",
        "escalate",
        "daniel.brandt@harborvale.law",
        "HV-2026-0022",
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
        "other from a client with nothing attached is shown at low priority, never filed",
        "leasing@alderridgepm.com",
        "documents",
        "Attached.",
        "",
        "other",
        "triage",
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
        "a client's auto-reply never gets a draft, and a person sees it",
        "cfo@sunlinesolar.com",
        "Automatic reply: invoice",
        "I am away.",
        "Auto-Submitted: auto-replied\n",
        "billing_query",
        "triage",
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
    """No next step and a status the client may not read: nothing true to tell."""
    matter = session.scalars(select(Matter).where(Matter.matter_number == "HV-2026-0007")).one()
    matter.next_step, matter.status = "", "QX-hold-7"
    result = route(
        router, session, mail("sam@bluefincoffee.com", "HV-2026-0007", "Update?"), "status_request"
    )
    assert result.action == "triage" and result.draft is None
    assert any(
        "HV-2026-0007 has no next step on record and its status" in r for r in result.reasons
    )
    session.rollback()


@pytest.mark.parametrize(
    "question",
    ["Update?", "When will it be done?", "Did you receive the signed pages?", "Is the hearing on?"],
)
def test_closed_matter_without_next_step_is_told_by_its_status(router, session, question) -> None:  # type: ignore[no-untyped-def]
    """A client asking about a closed matter hears that it is closed, in both parts,
    with no empty "Next step" line and no date."""
    matter = session.scalars(select(Matter).where(Matter.matter_number == "HV-2026-0007")).one()
    matter.next_step, matter.status = "", "closed"
    result = route(
        router, session, mail("sam@bluefincoffee.com", "HV-2026-0007", question), "status_request"
    )
    assert result.action == "draft", result.reasons
    draft = result.draft
    for part in (draft.body_text, draft.body_html):
        assert "HV-2026-0007" in part and "your matter is closed" in part
        assert "Next step" not in part and "next step is expected" not in part
    assert not any("no next step" in r for r in result.reasons)
    session.rollback()


def test_open_matter_without_next_step_is_drafted_but_held(router, session) -> None:  # type: ignore[no-untyped-def]
    """An open matter with no next step on record: the draft says where it stands and
    a person confirms before it goes (the record may simply be behind)."""
    matter = session.scalars(select(Matter).where(Matter.matter_number == "HV-2026-0007")).one()
    matter.next_step = ""
    result = route(
        router, session, mail("sam@bluefincoffee.com", "HV-2026-0007", "Update?"), "status_request"
    )
    assert result.action == "draft" and not result.outcome.auto_send
    assert "we are preparing the documents" in result.draft.body_text
    assert "Next step" not in result.draft.body_text
    assert any("HV-2026-0007: no next step on record" in r for r in result.reasons)
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
    assert auto.action == "triage" and auto.draft is None  # a client's: seen, never drafted


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


@pytest.mark.parametrize(
    ("sender", "body", "why"),
    [
        (
            "dana.whitaker@northwindmarine.com",
            "Hi Theo,\n\nAre we allowed to sublet part of the space?",
            "to the responsible attorney of the matter",
        ),
        (
            "sam@bluefincoffee.com",
            "This isn't about the franchise: can we stop a supplier shipping late?",
            "to the client's relationship attorney",
        ),
        ("stranger@example.org", "Can I sue my partner?", "to the intake attorney"),
    ],
)
def test_a_legal_questions_reason_says_which_attorney_was_chosen_and_why(
    router, session, sender: str, body: str, why: str
) -> None:  # type: ignore[no-untyped-def]
    result = route(router, session, mail(sender, "question", body), "legal_question")
    assert result.action == "escalate"
    assert why in result.reasons
    assert why in result.as_json("x.eml")["reason"]


def test_route_json_says_where_the_matter_came_from_and_how_sure(router, session) -> None:  # type: ignore[no-untyped-def]
    parsed = mail("nadia.farouk@sunlinesolar.com", "EEOC", "Any news on the EEOC charge?")
    out = route(router, session, parsed, "status_request").as_json("x.eml")
    assert out["matter"] == "HV-2026-0009"
    assert out["matter_source"] == "title"
    assert 0.5 < out["matter_confidence"] <= 1.0
    assert out["matter_candidates"] == []
    assert "'EEOC' in the text" in out["matter_evidence"]["HV-2026-0009"]


def as_of(router: Router, day: dt.date) -> Router:
    """The same router, routing as of `day`."""
    settings = router.settings.with_changes(as_of=day)
    return Router(settings, router.classifier, router.ruleset, router.calendar)


def matter_by_number(session, number: str) -> Matter:  # type: ignore[no-untyped-def]
    return session.scalars(select(Matter).where(Matter.matter_number == number)).one()


def franchise_matter(session) -> Matter:  # type: ignore[no-untyped-def]
    return matter_by_number(session, "HV-2026-0007")


def ask_status(router: Router, session):  # type: ignore[no-untyped-def]
    parsed = mail("Sam Delgado <sam@bluefincoffee.com>", "HV-2026-0007", "Update?")
    return route(router, session, parsed, "status_request")


def test_a_next_step_dated_today_is_stated(router, session) -> None:  # type: ignore[no-untyped-def]
    due = franchise_matter(session).next_date
    result = ask_status(as_of(router, due), session)
    assert result.action == "draft"
    assert f"expected by {due:%B} {due.day}, {due.year}" in result.draft.body_text


def test_a_past_next_step_is_left_out_and_flagged_for_the_attorney(router, session) -> None:  # type: ignore[no-untyped-def]
    matter = franchise_matter(session)
    result = ask_status(as_of(router, matter.next_date + dt.timedelta(days=1)), session)
    assert result.action == "draft" and result.outcome.auto_send is False
    assert "expected by" not in result.draft.body_text
    assert f"{matter.next_date:%B} {matter.next_date.day}" not in result.draft.body_text
    assert matter.next_step in result.draft.body_text
    flagged = (
        f"confirm with the attorney before sending: matter HV-2026-0007: next step dated "
        f"{matter.next_date.isoformat()}, before today"
    )
    assert any(reason.startswith(flagged) for reason in result.reasons)
    assert result.as_json("f")["draft_facts"] == {"matters": ["HV-2026-0007"], "invoices": []}


def test_a_matter_unchanged_too_long_is_flagged_for_the_attorney(router, session) -> None:  # type: ignore[no-untyped-def]
    matter = franchise_matter(session)
    limit = router.settings.stale_matter_days
    matter.updated = SAMPLE_AS_OF - dt.timedelta(days=limit)
    fresh = ask_status(router, session)
    assert fresh.action == "draft" and not any("confirm with" in r for r in fresh.reasons)
    matter.updated = SAMPLE_AS_OF - dt.timedelta(days=limit + 1)
    result = ask_status(router, session)
    assert result.action == "draft" and result.outcome.auto_send is False
    assert any(f"(over {limit} days)" in r and "confirm with" in r for r in result.reasons)
    session.rollback()


def test_an_unworded_status_code_never_reaches_the_client_and_holds_the_draft(
    router, session
) -> None:  # type: ignore[no-untyped-def]
    franchise_matter(session).status = "WIP-7 internal"
    result = ask_status(router, session)
    assert result.action == "draft" and result.draft is not None
    assert result.outcome.auto_send is False
    for text in (result.draft.body_text, result.draft.body_html):
        assert "WIP-7" not in text and "Where it stands" not in text
    assert franchise_matter(session).next_step in result.draft.body_text
    assert any(
        r.startswith(
            "confirm with the attorney before sending: matter HV-2026-0007: status "
            "'WIP-7 internal' has no client wording"
        )
        for r in result.reasons
    )
    session.rollback()


def test_the_updated_column_is_optional_in_matters_csv(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    firm = tmp_path / "firm"
    shutil.copytree(SAMPLE_FIRM, firm)
    rows = (firm / "matters.csv").read_text(encoding="utf-8").splitlines()
    rows = [rows[0] + ",updated"] + [
        row + (",2026-10-01" if row.startswith("HV-2026-0007,") else ",") for row in rows[1:]
    ]
    (firm / "matters.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with session.begin_nested():
        results = import_directory(session, firm)
    assert not any(r.errors for r in results)
    assert franchise_matter(session).updated == dt.date(2026, 10, 1)
    session.rollback()


def test_route_json_states_the_draft_facts(router, session) -> None:  # type: ignore[no-untyped-def]
    billing = route(
        router,
        session,
        mail("ap@northwindmarine.com", "invoices", "What is open?"),
        "billing_query",
    ).as_json("f")
    assert "HV-INV-1042" in billing["draft_facts"]["invoices"]
    assert billing["draft_facts"]["matters"] == []
    for number in billing["draft_facts"]["invoices"]:
        assert number in billing["draft"]["body"]
    status = ask_status(router, session).as_json("f")
    assert status["draft_facts"] == {"matters": ["HV-2026-0007"], "invoices": []}
    assert {"file", "label", "action", "assignee", "template", "reason", "draft"} <= set(status)


def test_the_router_clock_is_noon_of_the_as_of_day(router) -> None:  # type: ignore[no-untyped-def]
    now = router.clock()
    assert now.astimezone(router.calendar.zone).replace(tzinfo=None) == dt.datetime(
        2026, 11, 20, 12
    )
    live = Router(Settings(), router.classifier, router.ruleset, router.calendar).clock()
    assert abs(live - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_route_json_carries_the_acknowledgement_and_never_a_draft_for_a_legal_question(
    router, session
) -> None:  # type: ignore[no-untyped-def]
    acknowledging = parse_rules(
        """
rules:
  - name: legal-with-receipt
    description: A legal question goes to its attorney; the client hears it arrived.
    if: {label: legal_question}
    then: {action: escalate, to: responsible, acknowledge: client/legal_ack}
"""
    )
    router = Router(router.settings, router.classifier, acknowledging, router.calendar)
    parsed = mail("mike.osei@northwindmarine.com", "HV-2026-0001", "Can they terminate the lease?")
    out = route(router, session, parsed, "legal_question").as_json("x.eml")
    assert out["action"] == "escalate" and out["draft"] is None
    assert out["acknowledgement"]["subject"].startswith("Re:")
    assert "who will reply to you" in out["acknowledgement"]["body"]
    plain = route(router, session, parsed, "other").as_json("x.eml")
    assert plain["acknowledgement"] is None


def test_a_billing_draft_states_only_the_invoices_the_mail_asks_about(router, session) -> None:  # type: ignore[no-untyped-def]
    by_number = route(
        router,
        session,
        mail("ap@northwindmarine.com", "invoice 1053", "What is the balance on invoice 1053?"),
        "billing_query",
    ).as_json("f")
    assert by_number["intent"] == "billing.balance"
    assert by_number["template"] == "client/billing_balance"
    assert by_number["draft_facts"]["invoices"] == ["HV-INV-1053"]
    assert "HV-INV-1042" not in by_number["draft"]["body"]
    by_amount = route(
        router,
        session,
        mail("ap@northwindmarine.com", "payment", "How can we pay the $1,590.00 one? ACH?"),
        "billing_query",
    ).as_json("f")
    assert by_amount["intent"] == "billing.payment_method"
    assert by_amount["draft_facts"]["invoices"] == ["HV-INV-1054"]


def test_a_billing_question_the_records_cannot_answer_goes_to_triage_with_why(
    router, session
) -> None:  # type: ignore[no-untyped-def]
    result = route(
        router,
        session,
        mail("ap@northwindmarine.com", "rates", "What are your hourly rates for 2027?"),
        "billing_query",
    ).as_json("f")
    assert (result["intent"], result["action"], result["draft"]) == (
        "billing.rates",
        "triage",
        None,
    )
    assert "rate card" in result["reason"]


def test_invoice_copies_and_the_w9_attach_the_firms_pdfs(router, session) -> None:  # type: ignore[no-untyped-def]
    # The sample firm keeps invoices/HV-INV-1042.pdf and w9.pdf.
    copy = route(
        router,
        session,
        mail("ap@northwindmarine.com", "copy", "Please send a PDF copy of invoice HV-INV-1042."),
        "billing_query",
    ).as_json("f")
    assert copy["template"] == "client/billing_invoice_copy"
    assert copy["draft_attachments"] == ["invoices/HV-INV-1042.pdf"]
    assert "Please find attached a copy" in copy["draft"]["body"]
    missing = route(
        router,
        session,
        mail("ap@northwindmarine.com", "copy", "Please resend invoice HV-INV-1053."),
        "billing_query",
    ).as_json("f")
    assert missing["draft_attachments"] == [] and "attached" not in missing["draft"]["body"]
    assert "no PDF on file for HV-INV-1053" in missing["reason"]
    w9 = route(
        router,
        session,
        mail("ap@northwindmarine.com", "W-9", "Our AP team needs your W-9 please."),
        "billing_query",
    ).as_json("f")
    assert (w9["template"], w9["draft_attachments"]) == ("client/billing_tax_form", ["w9.pdf"])


def test_payments_and_trust_on_file_answer_confirmation_and_retainer(router, session) -> None:  # type: ignore[no-untyped-def]
    ask = "Did our check for invoice 1053 arrive?"
    before = route(router, session, mail("ap@northwindmarine.com", "check", ask), "billing_query")
    assert before.template == "client/billing_payment_confirmation"
    assert "not yet recorded a payment for invoice HV-INV-1053" in before.draft.body_text
    assert "not yet recorded a payment for invoice HV-INV-1053" in before.draft.body_html
    assert "no payment recorded for HV-INV-1053" in "; ".join(before.reasons)
    assert "If a payment you made is not listed" not in before.draft.body_text
    import_file(
        session,
        "payments.csv",
        b"invoice_number,date,amount,method,reference\nHV-INV-1053,2026-11-10,980.00,check,1042\n",
    )
    import_file(
        session, "trust.csv", b"client_id,matter_number,balance,as_of\nC01,,3200,2026-11-15\n"
    )
    after = route(router, session, mail("ap@northwindmarine.com", "check", ask), "billing_query")
    assert after.template == "client/billing_payment_confirmation"
    assert "$980.00 on November 10, 2026 for invoice HV-INV-1053" in after.draft.body_text
    retainer = route(
        router,
        session,
        mail("ap@northwindmarine.com", "retainer", "How much of our retainer is left?"),
        "billing_query",
    )
    assert "$3,200.00, as of November 15, 2026" in retainer.draft.body_text


def test_a_spanish_mail_gets_a_spanish_draft_and_a_portuguese_one_an_english_draft_with_a_note(
    router, session
) -> None:  # type: ignore[no-untyped-def]
    spanish = route(
        router,
        session,
        mail("ap@northwindmarine.com", "factura", "Hola, ¿cuál es el saldo de la factura 1053?"),
        "billing_query",
    )
    assert spanish.draft.template == "client/es/billing_balance"
    assert (
        "de noviembre de 2026" in spanish.draft.body_text
        and "Atentamente" in spanish.draft.body_text
    )
    portuguese = route(
        router,
        session,
        mail(
            "ap@northwindmarine.com", "fatura", "Olá, qual é o saldo? Não recebi a fatura. Obrigado"
        ),
        "billing_query",
    )
    assert portuguese.draft.template == "client/billing_balance"
    assert any("Portuguese" in r for r in portuguese.reasons)


# -- one status template per intent -------------------------------------------------

STATUS_INTENT_MAILS = [
    # (intent, sender, subject, body, the matter it is about)
    (
        "status.timeline",
        "Sam Delgado <sam@bluefincoffee.com>",
        "HV-2026-0007",
        "How long until the revised draft is ready?",
        "HV-2026-0007",
    ),
    (
        "status.hearing_or_meeting",
        "Hannah Kowalski <hannah.kowalski@example.org>",
        "HV-2026-0010",
        "When is the mediation?",
        "HV-2026-0010",
    ),
    (
        "status.next_steps",
        "Sam Delgado <sam@bluefincoffee.com>",
        "HV-2026-0007",
        "What are the next steps?",
        "HV-2026-0007",
    ),
    (
        "status.filed_or_received",
        "Sam Delgado <sam@bluefincoffee.com>",
        "HV-2026-0007",
        "Did you receive the signed forms?",
        "HV-2026-0007",
    ),
]
MATTER_NUMBER = re.compile(r"\bHV-\d{4}-\d{4}\b")


@pytest.mark.parametrize(
    ("intent", "sender", "subject", "body", "number"),
    STATUS_INTENT_MAILS,
    ids=[m[0] for m in STATUS_INTENT_MAILS],
)
def test_each_status_intent_gets_its_template_stating_exactly_its_matter_and_no_past_date(
    router, session, intent, sender, subject, body, number
) -> None:  # type: ignore[no-untyped-def]
    matter = matter_by_number(session, number)
    out = route(router, session, mail(sender, subject, body), "status_request").as_json("f")
    assert (out["intent"], out["action"]) == (intent, "draft")
    assert out["template"] == "client/status_" + intent.removeprefix("status.")
    assert out["draft_facts"]["matters"] == [number]
    assert set(MATTER_NUMBER.findall(out["draft"]["body"])) == {number}
    assert matter.title in out["draft"]["body"]
    assert f"{matter.status}\n" not in out["draft"]["body"]  # the internal code, as a value
    assert matter.next_step in out["draft"]["body"]

    matter.next_date = SAMPLE_AS_OF - dt.timedelta(days=3)
    result = route(router, session, mail(sender, subject, body), "status_request")
    assert result.intent == intent and result.action == "draft"
    for text in (result.draft.body_text, result.draft.body_html):
        assert f"{matter.next_date:%B} {matter.next_date.day}" not in text
        assert "expected by" not in text
    assert result.outcome.auto_send is False
    assert any("before today" in r and r.startswith("confirm with") for r in result.reasons)
    session.rollback()


def first_line_after_title(body: str, title: str) -> str:
    lines = body.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith(title)) + 1].strip()


def test_a_timeline_draft_leads_with_when_or_says_there_is_no_date_yet(router, session) -> None:  # type: ignore[no-untyped-def]
    sender, subject, body = STATUS_INTENT_MAILS[0][1:4]
    matter = matter_by_number(session, "HV-2026-0007")
    dated = route(router, session, mail(sender, subject, body), "status_request").draft
    assert first_line_after_title(dated.body_text, matter.title) == (
        "When: the next step is expected by December 1, 2026"
    )
    matter.next_date = None
    undated = route(router, session, mail(sender, subject, body), "status_request")
    assert first_line_after_title(undated.draft.body_text, matter.title).startswith(
        "When: there is no upcoming date for the next step yet; we will tell you as soon as"
    )
    assert "<br>When: there is no upcoming date" in undated.draft.body_html
    assert not any(r.startswith("confirm with") for r in undated.reasons)
    session.rollback()


def test_a_hearing_draft_leads_with_a_meeting_step_and_never_invents_one(router, session) -> None:  # type: ignore[no-untyped-def]
    _, sender, subject, body, _ = STATUS_INTENT_MAILS[1]
    mediation = route(router, session, mail(sender, subject, body), "status_request").draft
    assert first_line_after_title(mediation.body_text, "Custody and parenting plan") == (
        "Next step: Mediation with co-parent, expected by December 3, 2026"
    )
    assert "No date for a hearing or meeting" not in mediation.body_text
    franchise = route(
        router,
        session,
        mail("sam@bluefincoffee.com", "HV-2026-0007", "When is our meeting?"),
        "status_request",
    )
    assert franchise.intent == "status.hearing_or_meeting"
    text = franchise.draft.body_text
    assert first_line_after_title(text, "Franchise agreement") == (
        "No date for a hearing or meeting is on record for this matter yet."
    )
    assert "Next step: Circulate revised franchise agreement draft, expected by December 1" in text
    assert not re.search(r"\b\d{1,2}(:\d\d)? ?(am|pm)\b|\broom\b|\baddress\b", text, re.I)


def test_a_next_steps_draft_leads_with_the_next_step_then_where_it_stands(router, session) -> None:  # type: ignore[no-untyped-def]
    _, sender, subject, body, _ = STATUS_INTENT_MAILS[2]
    text = route(router, session, mail(sender, subject, body), "status_request").draft.body_text
    assert first_line_after_title(text, "Franchise agreement") == (
        "Next step: Circulate revised franchise agreement draft, expected by December 1, 2026"
    )
    assert text.index("Next step:") < text.index("Where it stands: we are preparing")


def test_a_filed_or_received_draft_says_where_it_stands_and_asks_the_va_to_check_the_file(
    router, session
) -> None:  # type: ignore[no-untyped-def]
    _, sender, subject, body, _ = STATUS_INTENT_MAILS[3]
    result = route(router, session, mail(sender, subject, body), "status_request")
    text = result.draft.body_text
    assert "Where it stands: we are preparing the documents" in text
    assert "Next step: Circulate revised franchise agreement draft" in text
    assert "we have received your" not in text.lower() and "we received" not in text.lower()
    assert result.outcome.auto_send is False
    assert (
        "the client asks whether something was filed or received: the record's status is "
        "all the draft can say; check the file before sending"
    ) in result.reasons


def test_a_status_intent_covers_each_open_matter_when_none_is_named(router, session) -> None:  # type: ignore[no-untyped-def]
    result = route(
        router,
        session,
        mail("dana.whitaker@northwindmarine.com", "timing", "How long will all this take?"),
        "status_request",
    )
    assert result.draft.template == "client/status_timeline"
    assert sorted(stated_facts(result.draft)["matters"]) == [
        "HV-2026-0003",
        "HV-2026-0011",
        "HV-2026-0019",
    ]
    assert result.draft.body_text.count("When: the next step is expected by") == 3


def test_a_status_template_named_by_the_rules_file_is_kept() -> None:
    assert intent_template("client/status_request", "status.timeline") == "client/status_timeline"
    assert intent_template("client/status_request", "status.general") == "client/status_request"
    assert intent_template("client/my_status", "status.timeline") == "client/my_status"
    assert intent_template("client/status_request", None) == "client/status_request"


@pytest.mark.parametrize(
    ("sender", "body", "template", "words"),
    [
        (
            "sam@bluefincoffee.com",
            "Hola, ¿cuánto tiempo falta para el borrador? Gracias",
            "client/es/status_timeline",
            ("Cuándo: el próximo paso está previsto para el 1 de diciembre de 2026",),
        ),
        (
            "hannah.kowalski@example.org",
            "Guten Tag, wann ist der Termin für die Mediation? Danke",
            "client/de/status_hearing_or_meeting",
            ("Nächster Schritt: Mediation with co-parent, voraussichtlich bis 3. Dezember 2026",),
        ),
        (
            "sam@bluefincoffee.com",
            "Bonjour, quelles sont les prochaines étapes ? Merci",
            "client/fr/status_next_steps",
            (
                "Prochaine étape : Circulate revised franchise agreement draft, prévue pour le 1 "
                "décembre 2026",
            ),
        ),
    ],
)
def test_status_intent_drafts_in_spanish_german_and_french(
    router, session, sender, body, template, words
) -> None:  # type: ignore[no-untyped-def]
    result = route(router, session, mail(sender, "?", body), "status_request")
    assert result.draft.template == template
    for word in words:
        assert word in result.draft.body_text
    assert "Next step" not in result.draft.body_text and "expected by" not in result.draft.body_text
