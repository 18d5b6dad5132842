"""The rules-table walker (rules/engine.py) on its own: Facts in, Outcome out, no database.

Rule sets are parsed from small YAML texts (rules.ruleset.parse_rules); Facts are built
by hand from a parsed message, a classifier Decision, an Identification of in-memory
directory objects, a language and the business-hours flag.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.policy import Decision, Thresholds, decide
from inbox.mail.parse import ParsedMessage, parse_message
from inbox.models import Client, Matter
from rules.engine import CHECKS, Facts, Outcome, walk
from rules.identify import Identification
from rules.ruleset import CONDITIONS, PRIORITIES, RuleSet, load_rules, parse_rules

DEFAULT_RULES = Path(__file__).resolve().parent.parent / "rules" / "default_rules.yaml"

ACME = Client(id=1, client_code="ACME", name="Acme Boats", domain="acme.example")
OPEN_MATTER = Matter(
    id=10,
    matter_number="HV-2026-0003",
    client_id=1,
    title="Breach of supply contract",
    status="Discovery",
)
OTHER_OPEN_MATTER = Matter(
    id=11, matter_number="HV-2026-0011", client_id=1, title="Warehouse lease", status="Drafting"
)


def message(
    subject: str = "Question",
    body: str = "Hello, a question.",
    sender: str = "ana@acme.example",
    headers: tuple[tuple[str, str], ...] = (),
) -> ParsedMessage:
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers)
    raw = (
        f"From: Ana <{sender}>\r\nTo: clients@harborvale.law\r\nSubject: {subject}\r\n"
        f"{extra}\r\n{body}\r\n"
    )
    return parse_message(raw.encode())


def message_with_attachment() -> ParsedMessage:
    raw = (
        b"From: ana@acme.example\r\nSubject: Signed lease\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        b"--b\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="lease.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )
    return parse_message(raw)


AUTO_REPLY = (("Auto-Submitted", "auto-replied"),)
LIST_MAIL = (("List-Id", "<news.acme.example>"),)
QUOTED_BODY = (
    "Thanks for the update.\r\n\r\nOn Tue, 3 Mar 2026, Dana wrote:\r\n"
    "> Your invoice is overdue. Please pay.\r\n"
)


def decision(
    label: str = "status_request",
    confidence: float = 0.9,
    legal: float | None = None,
    needs_triage: bool = False,
) -> Decision:
    scores = {label: confidence}
    if legal is not None:
        scores["legal_question"] = legal
    return Decision(label, confidence, scores, needs_triage, ())


def facts(
    parsed: ParsedMessage | None = None,
    dec: Decision | None = None,
    who: Identification | None = None,
    language: str | None = "en",
    in_business_hours: bool = True,
) -> Facts:
    return Facts(
        parsed=parsed or message(),
        decision=dec or decision(),
        who=who or Identification(client=ACME, matter=OPEN_MATTER, matter_source="number"),
        language=language,
        in_business_hours=in_business_hours,
    )


def ruleset(rules_yaml: str, top: str = "") -> RuleSet:
    return parse_rules(f"{top}rules:\n{rules_yaml}")


def probe(condition: str) -> RuleSet:
    """One rule that escalates when `condition` (a YAML flow mapping body) holds."""
    return ruleset(
        f"  - name: probe\n    description: The condition under test.\n"
        f"    if: {{{condition}}}\n    then: {{action: escalate}}\n"
    )


def fires(condition: str, the_facts: Facts) -> bool:
    outcome = walk(probe(condition), the_facts)
    return outcome.action == "escalate"


# --- every condition kind the engine implements -------------------------------------


def test_every_condition_the_ruleset_accepts_has_a_check_in_the_engine() -> None:
    assert set(CHECKS) == set(CONDITIONS)


@pytest.mark.parametrize(
    ("condition", "the_facts", "expected"),
    [
        ("label: status_request", facts(), True),
        ("label: billing_query", facts(), False),
        ("label: [billing_query, status_request]", facts(), True),
    ],
    ids=["single-label", "other-label", "label-list"],
)
def test_label_condition_matches_the_decision_label(
    condition: str, the_facts: Facts, expected: bool
) -> None:
    assert fires(condition, the_facts) is expected


@pytest.mark.parametrize(
    ("condition", "confidence", "expected"),
    [
        ("confidence_below: 0.6", 0.59, True),
        ("confidence_below: 0.6", 0.6, False),
        ("confidence_at_least: 0.6", 0.6, True),
        ("confidence_at_least: 0.6", 0.59, False),
    ],
)
def test_confidence_thresholds_are_strictly_below_and_at_least(
    condition: str, confidence: float, expected: bool
) -> None:
    assert fires(condition, facts(dec=decision(confidence=confidence))) is expected


@pytest.mark.parametrize(
    ("legal", "expected"), [(0.3, True), (0.29, False), (None, False)], ids=str
)
def test_legal_probability_is_at_least_and_missing_counts_as_zero(
    legal: float | None, expected: bool
) -> None:
    the_facts = facts(dec=decision(label="status_request", legal=legal))
    assert fires("legal_probability_at_least: 0.3", the_facts) is expected


def test_needs_triage_condition_matches_the_decision_flag() -> None:
    unsure = facts(dec=decision(needs_triage=True))
    assert fires("needs_triage: true", unsure)
    assert not fires("needs_triage: true", facts())
    assert fires("needs_triage: false", facts())


def test_sender_known_means_a_client_was_identified() -> None:
    known = facts(who=Identification(client=ACME))
    unknown = facts(who=Identification())
    assert fires("sender: known", known) and not fires("sender: known", unknown)
    assert fires("sender: unknown", unknown) and not fires("sender: unknown", known)
    assert fires("sender: [known, unknown]", known) and fires("sender: [known, unknown]", unknown)


def test_client_condition_compares_client_codes_case_insensitively() -> None:
    assert fires("client: acme", facts(who=Identification(client=ACME)))
    assert fires("client: [zeta, ACME]", facts(who=Identification(client=ACME)))
    assert not fires("client: zeta", facts(who=Identification(client=ACME)))
    assert not fires("client: acme", facts(who=Identification()))


def test_domain_condition_is_the_senders_exact_domain_not_a_parent_domain() -> None:
    assert fires("domain: ACME.example", facts(parsed=message(sender="Ana@Acme.Example")))
    assert not fires("domain: acme.example", facts(parsed=message(sender="ana@mail.acme.example")))
    assert not fires("domain: acme.example", facts(parsed=message(sender="ana@zeta.example")))


@pytest.mark.parametrize(
    ("who", "state"),
    [
        (Identification(client=ACME, matter=OPEN_MATTER), "found"),
        (Identification(client=ACME, candidates=[OPEN_MATTER, OTHER_OPEN_MATTER]), "ambiguous"),
        (Identification(client=ACME, candidates=[OPEN_MATTER]), "none"),
        (Identification(client=ACME), "none"),
    ],
    ids=["found", "several-candidates", "one-candidate-no-matter", "nothing"],
)
def test_matter_condition_sees_found_ambiguous_or_none(who: Identification, state: str) -> None:
    the_facts = facts(who=who)
    for candidate in ("found", "ambiguous", "none"):
        assert fires(f"matter: {candidate}", the_facts) is (candidate == state)


def test_matter_status_condition_is_a_case_insensitive_substring_of_the_status() -> None:
    found = facts(who=Identification(client=ACME, matter=OPEN_MATTER))  # status "Discovery"
    assert fires("matter_status: discovery", found)
    assert fires("matter_status: [closed, cover]", found)  # "cover" is inside "discovery"
    assert not fires("matter_status: drafting", found)
    assert not fires("matter_status: discovery", facts(who=Identification(client=ACME)))


def test_foreign_matter_condition_is_whether_another_clients_number_was_named() -> None:
    foreign = facts(who=Identification(client=ACME, foreign_numbers=["ZZ-2026-0001"]))
    assert fires("foreign_matter: true", foreign)
    assert not fires("foreign_matter: true", facts())
    assert fires("foreign_matter: false", facts())


@pytest.mark.parametrize(
    ("headers", "sender", "kind"),
    [
        (AUTO_REPLY, "ana@acme.example", "auto_submitted"),
        (LIST_MAIL, "news@acme.example", "bulk"),
        ((), "mailer-daemon@acme.example", "bounce"),
    ],
)
def test_screening_conditions_follow_the_parsed_message(
    headers: tuple[tuple[str, str], ...], sender: str, kind: str
) -> None:
    machine = facts(parsed=message(headers=headers, sender=sender))
    assert fires(f"{kind}: true", machine)
    assert fires("machine_written: true", machine)
    for other in {"auto_submitted", "bulk", "bounce"} - {kind}:
        assert fires(f"{other}: false", machine)
    human = facts()
    assert fires(f"{kind}: false", human) and fires("machine_written: false", human)
    assert not fires(f"{kind}: true", human)


def test_subject_pattern_is_a_case_insensitive_search() -> None:
    the_facts = facts(parsed=message(subject="Re: INVOICE 42 overdue"))
    assert fires(r"subject_matches: 'invoice \d+'", the_facts)
    assert not fires("subject_matches: '^invoice'", the_facts)


def test_body_pattern_reads_only_the_new_text_not_quoted_history() -> None:
    the_facts = facts(parsed=message(body=QUOTED_BODY))
    assert fires("body_matches: 'THANKS for'", the_facts)
    assert not fires("body_matches: 'overdue'", the_facts)


def test_keywords_are_case_insensitive_substrings_of_subject_or_new_text() -> None:
    the_facts = facts(parsed=message(subject="Urgent: Hearing", body=QUOTED_BODY))
    assert fires("keywords: urgent", the_facts)  # subject
    assert fires("keywords: [nothing, UPDATE]", the_facts)  # new text
    assert fires("keywords: hear", the_facts)  # a substring is enough...
    assert fires("keywords: sue", facts(parsed=message(subject="An issue")))  # ...even this
    assert not fires("keywords: overdue", the_facts)  # only in the quoted history


def test_language_condition_is_case_insensitive_and_never_matches_an_unknown_language() -> None:
    assert fires("language: [ES, de]", facts(language="de"))
    assert fires("language: es", facts(language="ES"))
    assert not fires("language: es", facts(language="en"))
    assert not fires("language: es", facts(language=None))


def test_attachment_condition_follows_the_parsed_attachments() -> None:
    with_file = facts(parsed=message_with_attachment())
    assert len(with_file.parsed.attachments) == 1
    assert fires("has_attachment: true", with_file)
    assert not fires("has_attachment: true", facts())
    assert fires("has_attachment: false", facts())


def test_business_hours_condition_follows_the_flag() -> None:
    assert fires("business_hours: true", facts(in_business_hours=True))
    assert fires("business_hours: false", facts(in_business_hours=False))
    assert not fires("business_hours: true", facts(in_business_hours=False))


def test_all_conditions_of_a_rule_must_hold() -> None:
    condition = "label: status_request, sender: known, language: en"
    assert fires(condition, facts())
    assert not fires(condition, facts(language="es"))
    assert not fires(condition, facts(who=Identification()))


def test_a_rule_without_conditions_matches_every_message() -> None:
    rules = ruleset("  - name: all\n    description: Everything.\n    then: {action: ignore}\n")
    assert walk(rules, facts(who=Identification())).action == "ignore"
    assert walk(rules, facts(dec=decision("other"), who=Identification())).action == "ignore"


# --- the walk: order, actions, what is recorded ------------------------------------

TWO_MATCHING = """\
  - name: first
    description: The first matching rule.
    if: {label: status_request}
    then: {action: escalate, to: relationship}
  - name: second
    description: Also matches, but comes later.
    if: {sender: known}
    then: {action: triage}
"""


def test_first_matching_rule_with_an_action_decides_and_stops_the_walk() -> None:
    outcome = walk(ruleset(TWO_MATCHING), facts())
    assert outcome.action == "escalate"
    assert outcome.escalate_to == "relationship"
    assert outcome.reasons == ["first: The first matching rule."]
    assert outcome.fired == [{"name": "first", "description": "The first matching rule."}]


def test_rules_that_do_not_match_are_skipped_and_not_recorded() -> None:
    outcome = walk(ruleset(TWO_MATCHING), facts(dec=decision("billing_query")))
    assert outcome.action == "triage"
    assert [f["name"] for f in outcome.fired] == ["second"]
    assert outcome.reasons == ["second: Also matches, but comes later."]


def test_no_matching_rule_means_triage_with_the_default_sla_and_a_reason() -> None:
    rules = ruleset(TWO_MATCHING, top="default_sla_hours: 6\n")
    outcome = walk(rules, facts(dec=decision("other"), who=Identification()))
    assert outcome == Outcome(
        action="triage",
        escalate_to="responsible",
        template=None,
        acknowledge=None,
        priority=0,
        sla_hours=6.0,
        auto_send=False,
        reasons=["no rule decided: a human should look (triage)"],
        fired=[],
    )


def test_a_rule_without_action_sets_priority_and_sla_and_lets_later_rules_decide() -> None:
    rules = ruleset(
        """\
  - name: vip
    description: Acme is a key client.
    if: {client: acme}
    then: {priority: urgent, sla_hours: 2}
  - name: status
    description: Status questions get a draft.
    if: {label: status_request}
    then: {action: draft, template: client/status_request}
"""
    )
    outcome = walk(rules, facts())
    assert (outcome.action, outcome.template) == ("draft", "client/status_request")
    assert (outcome.priority, outcome.sla_hours) == (2, 2.0)
    assert [f["name"] for f in outcome.fired] == ["vip", "status"]
    assert outcome.reasons == ["status: Status questions get a draft."]  # only the decider


def test_a_rule_without_action_that_stops_ends_the_walk_undecided() -> None:
    rules = ruleset(
        """\
  - name: halt
    description: Stop here.
    if: {sender: known}
    then: {priority: high, stop: true}
  - name: never
    description: Never reached.
    then: {action: ignore}
"""
    )
    outcome = walk(rules, facts())
    assert outcome.action == "triage"
    assert outcome.priority == 1
    assert [f["name"] for f in outcome.fired] == ["halt"]
    assert outcome.reasons == ["no rule decided: a human should look (triage)"]


def test_after_a_non_stopping_decision_later_rules_set_priority_and_sla_not_action() -> None:
    rules = ruleset(
        """\
  - name: decide
    description: Decides but lets the walk go on.
    if: {label: status_request}
    then: {action: draft, template: client/status_request, priority: low, stop: false}
  - name: another-action
    description: Matches too; its action is not taken.
    if: {sender: known}
    then: {action: escalate, to: intake, sla_hours: 1, stop: false}
  - name: last-priority
    description: The last priority set wins.
    then: {priority: 7}
"""
    )
    outcome = walk(rules, facts())
    assert (outcome.action, outcome.template, outcome.escalate_to) == (
        "draft",
        "client/status_request",
        "responsible",
    )
    assert (outcome.priority, outcome.sla_hours) == (7, 1.0)
    assert [f["name"] for f in outcome.fired] == ["decide", "another-action", "last-priority"]
    assert outcome.reasons == ["decide: Decides but lets the walk go on."]


@pytest.mark.parametrize(
    ("word", "number"), [("low", -1), ("normal", 0), ("high", 1), ("urgent", 2), ("5", 5)]
)
def test_priority_words_and_numbers_reach_the_outcome(word: str, number: int) -> None:
    rules = ruleset(
        f"  - name: p\n    description: P.\n    then: {{action: triage, priority: {word}}}\n"
    )
    assert walk(rules, facts()).priority == number


def test_a_rules_sla_hours_replace_the_default() -> None:
    rules = ruleset(
        "  - name: fast\n    description: Fast.\n    then: {action: triage, sla_hours: 1.5}\n",
        top="default_sla_hours: 24\n",
    )
    assert walk(rules, facts()).sla_hours == 1.5


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ("", "responsible"),
        (", to: responsible", "responsible"),
        (", to: relationship", "relationship"),
        (", to: intake", "intake"),
        (", to: Dana.Reyes@HarborVale.law", "dana.reyes@harborvale.law"),
    ],
    ids=["default", "responsible", "relationship", "intake", "named-attorney"],
)
def test_escalate_targets_reach_the_outcome(to: str, expected: str) -> None:
    rules = ruleset(f"  - name: e\n    description: E.\n    then: {{action: escalate{to}}}\n")
    outcome = walk(rules, facts())
    assert (outcome.action, outcome.escalate_to) == ("escalate", expected)


def test_escalate_with_an_acknowledgement_template_keeps_it_for_human_mail() -> None:
    rules = ruleset(
        "  - name: e\n    description: E.\n"
        "    then: {action: escalate, acknowledge: client/legal_ack}\n"
    )
    outcome = walk(rules, facts())
    assert (outcome.action, outcome.acknowledge) == ("escalate", "client/legal_ack")


def test_draft_carries_its_template_and_the_explicit_auto_send_opt_in() -> None:
    rules = ruleset(
        """\
  - name: auto
    description: Billing drafts go out on their own.
    if: {label: billing_query}
    then: {action: draft, template: client/billing_query, auto_send: true}
  - name: manual
    description: Status drafts wait for a person.
    if: {label: status_request}
    then: {action: draft, template: client/status_request}
"""
    )
    billing = walk(rules, facts(dec=decision("billing_query")))
    assert (billing.action, billing.template, billing.auto_send) == (
        "draft",
        "client/billing_query",
        True,
    )
    status = walk(rules, facts())
    assert (status.action, status.template, status.auto_send) == (
        "draft",
        "client/status_request",
        False,
    )


def test_ignore_and_triage_actions_reach_the_outcome() -> None:
    rules = ruleset(
        """\
  - name: drop
    description: Other mail is filed.
    if: {label: other}
    then: {action: ignore}
  - name: look
    description: Everything else is looked at.
    then: {action: triage}
"""
    )
    assert walk(rules, facts(dec=decision("other"), who=Identification())).action == "ignore"
    assert walk(rules, facts()).action == "triage"


def test_fired_descriptions_are_recorded_on_one_line() -> None:
    rules = ruleset(
        "  - name: wrapped\n    description: >\n      Spread over\n      two   lines.\n"
        "    then: {action: triage}\n"
    )
    outcome = walk(rules, facts())
    assert outcome.fired == [{"name": "wrapped", "description": "Spread over two lines."}]
    assert outcome.reasons == ["wrapped: Spread over two lines."]


# --- the guards no rules file can turn off -----------------------------------------

DRAFT_EVERYTHING = """\
  - name: draft-everything
    description: A reckless policy that drafts every message and sends it.
    then: {action: draft, template: client/status_request, auto_send: true}
"""
IGNORE_EVERYTHING = """\
  - name: ignore-everything
    description: A policy that files every message unread.
    then: {action: ignore}
"""


@pytest.mark.parametrize(
    ("headers", "sender"),
    [
        (AUTO_REPLY, "ana@acme.example"),
        (LIST_MAIL, "news@acme.example"),
        ((), "mailer-daemon@acme.example"),
        ((), "no-reply@acme.example"),
    ],
    ids=["auto-reply", "list", "bounce", "no-reply-sender"],
)
def test_machine_written_mail_never_gets_a_draft_whatever_the_rules_say(
    headers: tuple[tuple[str, str], ...], sender: str
) -> None:
    parsed = message(headers=headers, sender=sender)
    outcome = walk(ruleset(DRAFT_EVERYTHING), facts(parsed=parsed, who=Identification()))
    assert (outcome.action, outcome.template, outcome.auto_send) == ("ignore", None, False)
    assert outcome.reasons[-1].startswith("loop guard: no draft for machine-written mail (")
    assert all(reason in outcome.reasons[-1] for reason in parsed.screening.reasons)
    assert [f["name"] for f in outcome.fired] == ["draft-everything"]  # the rule did fire


@pytest.mark.parametrize("rules", [DRAFT_EVERYTHING, IGNORE_EVERYTHING], ids=["draft", "ignore"])
def test_machine_written_mail_from_a_known_client_is_shown_to_a_person_never_drafted(
    rules: str,
) -> None:
    parsed = message(headers=AUTO_REPLY, sender="payables@acme.example")
    outcome = walk(ruleset(rules), facts(parsed=parsed, who=Identification(client=ACME)))
    assert (outcome.action, outcome.template, outcome.auto_send) == ("triage", None, False)
    assert outcome.priority == PRIORITIES["low"]
    assert outcome.reasons[-1].startswith("known-client guard:")


def test_machine_written_mail_escalated_by_a_rule_gets_no_acknowledgement() -> None:
    rules = ruleset(
        "  - name: e\n    description: E.\n"
        "    then: {action: escalate, to: intake, acknowledge: client/legal_ack}\n"
    )
    outcome = walk(rules, facts(parsed=message(headers=AUTO_REPLY)))
    assert (outcome.action, outcome.escalate_to, outcome.acknowledge) == (
        "escalate",
        "intake",
        None,
    )


def test_a_legal_question_never_gets_a_templated_answer_whatever_the_rules_say() -> None:
    outcome = walk(ruleset(DRAFT_EVERYTHING), facts(dec=decision("legal_question")))
    assert (outcome.action, outcome.escalate_to, outcome.template, outcome.auto_send) == (
        "escalate",
        "responsible",
        None,
        False,
    )
    assert outcome.reasons[-1] == "legal guard: a legal question never gets a templated answer"


def test_the_legal_acknowledgement_template_is_the_one_draft_a_legal_question_may_get() -> None:
    rules = ruleset(
        "  - name: ack\n    description: Ack.\n"
        "    then: {action: draft, template: client/legal_ack}\n"
    )
    outcome = walk(rules, facts(dec=decision("legal_question")))
    assert (outcome.action, outcome.template) == ("draft", "client/legal_ack")


def test_the_legal_guard_replaces_only_drafts_so_rules_may_ignore_an_unknown_senders_legal_question() -> (
    None
):
    rules = ruleset("  - name: drop\n    description: Drop.\n    then: {action: ignore}\n")
    outcome = walk(rules, facts(dec=decision("legal_question"), who=Identification()))
    assert outcome.action == "ignore"
    assert not any("legal guard" in reason for reason in outcome.reasons)


@pytest.mark.parametrize("label", ["other", "status_request", "legal_question"])
def test_no_rule_files_a_known_clients_mail_unseen(label: str) -> None:
    rules = ruleset("  - name: drop\n    description: Drop.\n    then: {action: ignore}\n")
    outcome = walk(rules, facts(dec=decision(label), who=Identification(client=ACME)))
    assert (outcome.action, outcome.priority) == ("triage", PRIORITIES["low"])
    assert outcome.reasons[-1].startswith("known-client guard:")


def test_the_legal_guard_leaves_acknowledgement_templates_to_the_rules_file() -> None:
    # Only drafts are held to LEGAL_SAFE_TEMPLATES; an acknowledgement is rendered later
    # from firm, contact and attorney names only (Router.acknowledgement_data).
    rules = ruleset(
        "  - name: e\n    description: E.\n"
        "    then: {action: escalate, acknowledge: client/status_request}\n"
    )
    outcome = walk(rules, facts(dec=decision("legal_question")))
    assert (outcome.action, outcome.acknowledge) == ("escalate", "client/status_request")


def test_the_engine_legal_guard_reads_the_label_not_the_legal_probability() -> None:
    # Turning a high legal probability into the legal label is classifier.policy's job.
    status_with_legal_score = facts(dec=decision("status_request", confidence=0.6, legal=0.4))
    outcome = walk(ruleset(DRAFT_EVERYTHING), status_with_legal_score)
    assert outcome.action == "draft"


def test_the_policy_and_engine_together_never_draft_a_probably_legal_question() -> None:
    thresholds = Thresholds(confidence=0.5, legal_guard=0.3)
    scores = {"status_request": 0.6, "legal_question": 0.35, "billing_query": 0.05}
    dec = decide(scores, thresholds)
    assert dec.label == "legal_question"
    outcome = walk(ruleset(DRAFT_EVERYTHING), facts(dec=dec))
    assert (outcome.action, outcome.template) == ("escalate", None)


def test_a_status_label_in_legal_doubt_is_never_drafted_whatever_the_rules_say() -> None:
    thresholds = Thresholds(0.5, 0.3, doubt_weights=(1.0, 0.0, 0.0, 0.0, 0.0), doubt=-2.2)
    scores = {"status_request": 0.8, "legal_question": 0.15, "billing_query": 0.05}
    dec = decide(scores, thresholds)
    assert (dec.label, dec.needs_triage, dec.legal_doubt) == ("status_request", True, True)
    outcome = walk(ruleset(DRAFT_EVERYTHING), facts(dec=dec))
    assert (outcome.action, outcome.template, outcome.auto_send) == ("triage", None, False)
    assert outcome.reasons[-1].startswith("legal doubt guard:")


def test_the_loop_guard_comes_first_for_machine_written_legal_mail() -> None:
    outcome = walk(
        ruleset(DRAFT_EVERYTHING),
        facts(
            parsed=message(headers=AUTO_REPLY),
            dec=decision("legal_question"),
            who=Identification(),
        ),
    )
    assert outcome.action == "ignore"
    assert [r.split(":")[0] for r in outcome.reasons] == ["draft-everything", "loop guard"]


def test_the_guards_leave_human_non_legal_drafts_alone() -> None:
    outcome = walk(ruleset(DRAFT_EVERYTHING), facts())
    assert (outcome.action, outcome.template, outcome.auto_send) == (
        "draft",
        "client/status_request",
        True,
    )
    assert not any("guard" in reason for reason in outcome.reasons)


# --- the shipped policy, walked directly ------------------------------------------


@pytest.fixture(scope="module")
def default_rules() -> RuleSet:
    return load_rules(DEFAULT_RULES)


DEFAULT_CASES = [
    (
        "machine-written-mail",
        facts(parsed=message(headers=LIST_MAIL), dec=decision("other", 1.0), who=Identification()),
        "ignore",
        {"priority": -1},
    ),
    (
        "legal-question",
        facts(dec=decision("legal_question")),
        "escalate",
        {"escalate_to": "responsible", "priority": 1, "sla_hours": 4.0},
    ),
    ("unsure-classification", facts(dec=decision(needs_triage=True)), "triage", {}),
    ("unknown-sender-asks-about-a-matter", facts(who=Identification()), "triage", {}),
    (
        "another-clients-matter-number",
        facts(
            who=Identification(client=ACME, matter=OPEN_MATTER, foreign_numbers=["ZZ-2026-0001"])
        ),
        "triage",
        {"priority": 1},
    ),
    (
        "status-of-a-known-matter",
        facts(),
        "draft",
        {"template": "client/status_request", "sla_hours": 8.0},
    ),
    (
        "status-several-open-matters",
        facts(who=Identification(client=ACME, candidates=[OPEN_MATTER, OTHER_OPEN_MATTER])),
        "draft",
        {"template": "client/status_request"},
    ),
    ("status-without-open-matter", facts(who=Identification(client=ACME)), "triage", {}),
    (
        "billing-question",
        facts(dec=decision("billing_query")),
        "draft",
        {"template": "client/billing_query", "auto_send": False},
    ),
    (
        "client-sent-documents",
        facts(parsed=message_with_attachment(), dec=decision("other")),
        "triage",
        {"priority": -1},
    ),
    (
        "nothing-to-answer",
        facts(dec=decision("other"), who=Identification()),
        "ignore",
        {"priority": -1},
    ),
]


@pytest.mark.parametrize(
    ("name", "the_facts", "action", "extra"), DEFAULT_CASES, ids=[c[0] for c in DEFAULT_CASES]
)
def test_default_rules_decide_each_kind_of_mail_by_the_named_rule(
    default_rules: RuleSet,
    name: str,
    the_facts: Facts,
    action: str,
    extra: dict[str, object],
) -> None:
    outcome = walk(default_rules, the_facts)
    assert outcome.action == action
    assert [f["name"] for f in outcome.fired] == [name]
    assert outcome.reasons[0].startswith(f"{name}: ")
    for attribute, value in extra.items():
        assert getattr(outcome, attribute) == value
