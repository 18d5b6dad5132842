"""Walking the rule table: the only loop that decides what happens to a message.

Each condition is a small named check with no side effects; the walk records every
rule that fired and why. Guards sit above any rules file and cannot be turned off:
machine-written mail never gets a draft (mail loops); mail from a known client's
address is never filed unseen, whoever or whatever wrote it (a client's "thanks, and
one more thing", a payables system rejecting an invoice); and a legal question never
gets a client template (unauthorized practice of law).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from classifier.policy import Decision
from inbox.mail.parse import ParsedMessage
from rules.identify import Identification
from rules.ruleset import PRIORITIES, Rule, RuleSet
from rules.scheduling import AttorneyName, addressed_attorney, is_scheduling_request

LEGAL = "legal_question"
LEGAL_SAFE_TEMPLATES = ("client/legal_ack",)  # holds no legal content
SCHEDULING_NOTICE = "attorney/scheduling"


@dataclass(frozen=True)
class Facts:
    """Everything the conditions may look at, gathered before the walk."""

    parsed: ParsedMessage
    decision: Decision
    who: Identification
    language: str | None
    in_business_hours: bool


@dataclass
class Outcome:
    action: str = "triage"
    escalate_to: str = "responsible"
    template: str | None = None
    acknowledge: str | None = None
    priority: int = 0
    sla_hours: float | None = None
    auto_send: bool = False
    # Set by the known-client guard: a person confirms that no reply is needed (its queue).
    no_reply_check: bool = False
    notice: str = "attorney/escalation"  # the attorney's notice of an escalation
    reasons: list[str] = field(default_factory=list)
    fired: list[dict[str, str]] = field(default_factory=list)


def _any(values: tuple[str, ...], candidate: str | None) -> bool:
    return candidate is not None and candidate.lower() in values


def _domain(facts: Facts) -> str:
    return facts.parsed.sender_addr.rpartition("@")[2].lower()


CHECKS: dict[str, Callable[[Facts, Any], bool]] = {
    "label": lambda f, v: f.decision.label in v,
    "confidence_below": lambda f, v: f.decision.confidence < v,
    "confidence_at_least": lambda f, v: f.decision.confidence >= v,
    "legal_probability_at_least": lambda f, v: f.decision.scores.get(LEGAL, 0.0) >= v,
    "needs_triage": lambda f, v: f.decision.needs_triage == v,
    "sender": lambda f, v: ("known" if f.who.sender_known else "unknown") in v,
    "client": lambda f, v: f.who.client is not None and f.who.client.client_code.lower() in v,
    "domain": lambda f, v: _domain(f) in v,
    "matter": lambda f, v: f.who.matter_state in v,
    "matter_status": lambda f, v: (
        f.who.matter is not None and any(s in f.who.matter.status.lower() for s in v)
    ),
    "foreign_matter": lambda f, v: bool(f.who.foreign_numbers) == v,
    "machine_written": lambda f, v: f.parsed.screening.machine_written == v,
    "auto_submitted": lambda f, v: f.parsed.screening.auto_submitted == v,
    "bulk": lambda f, v: f.parsed.screening.bulk == v,
    "bounce": lambda f, v: f.parsed.screening.bounce == v,
    "subject_matches": lambda f, v: bool(v.search(f.parsed.subject)),
    "body_matches": lambda f, v: bool(v.search(f.parsed.new_text)),
    "keywords": lambda f, v: any(
        k in f"{f.parsed.subject}\n{f.parsed.new_text}".lower() for k in v
    ),
    "language": lambda f, v: _any(v, f.language),
    "has_attachment": lambda f, v: bool(f.parsed.attachments) == v,
    "business_hours": lambda f, v: f.in_business_hours == v,
}


def matches(rule: Rule, facts: Facts) -> bool:
    return all(CHECKS[name](facts, value) for name, value in rule.conditions.items())


def walk(ruleset: RuleSet, facts: Facts) -> Outcome:
    outcome = Outcome(sla_hours=ruleset.default_sla_hours)
    decided = False
    for rule in ruleset.rules:
        if not matches(rule, facts):
            continue
        outcome.fired.append({"name": rule.name, "description": rule.description})
        if rule.priority is not None:
            outcome.priority = rule.priority
        if rule.sla_hours is not None:
            outcome.sla_hours = rule.sla_hours
        if rule.action is not None and not decided:
            decided = True
            outcome.action = rule.action
            outcome.escalate_to = rule.escalate_to
            outcome.template = rule.template
            outcome.acknowledge = rule.acknowledge
            outcome.auto_send = rule.auto_send
            outcome.reasons.append(f"{rule.name}: {rule.description}")
        if rule.stop:
            break
    if not decided:
        outcome.reasons.append("no rule decided: a human should look (triage)")
    _apply_guards(outcome, facts)
    return outcome


def _apply_guards(outcome: Outcome, facts: Facts) -> None:
    """The non-negotiables, enforced whatever the rules file says."""
    screening = facts.parsed.screening
    if outcome.action == "draft" and screening.machine_written:
        outcome.action, outcome.template, outcome.auto_send = "ignore", None, False
        outcome.reasons.append(
            "loop guard: no draft for machine-written mail (" + "; ".join(screening.reasons) + ")"
        )
    if outcome.action == "escalate" and outcome.acknowledge and screening.machine_written:
        outcome.acknowledge = None
    if outcome.action == "ignore" and facts.who.sender_known:
        scheduling = _scheduling_attorney(facts)
        if scheduling is not None:
            email, why = scheduling
            outcome.action, outcome.escalate_to = "escalate", email
            outcome.notice, outcome.acknowledge = SCHEDULING_NOTICE, None
            outcome.priority = max(outcome.priority, PRIORITIES["normal"])
            outcome.reasons.append(
                f"scheduling guard: a request to move a call or meeting, {why}; that attorney "
                "is notified, never filed unseen"
            )
        else:
            outcome.action, outcome.priority = "triage", PRIORITIES["low"]
            outcome.no_reply_check = True
            outcome.reasons.append(
                "known-client guard: mail from a client's address is shown to a person at low "
                "priority (no reply needed?), never filed unseen"
            )
    if (
        facts.decision.label == LEGAL
        and outcome.action == "draft"
        and outcome.template not in LEGAL_SAFE_TEMPLATES
    ):
        outcome.action, outcome.template, outcome.auto_send = "escalate", None, False
        outcome.escalate_to = "responsible"
        outcome.reasons.append("legal guard: a legal question never gets a templated answer")
    if (
        facts.decision.legal_doubt
        and outcome.action == "draft"
        and outcome.template not in LEGAL_SAFE_TEMPLATES
    ):
        outcome.action, outcome.template, outcome.auto_send = "triage", None, False
        outcome.reasons.append(
            "legal doubt guard: it may also ask a legal question, so a person reads it "
            "before any draft"
        )


def _scheduling_attorney(facts: Facts) -> tuple[str, str] | None:
    """(attorney's email, how the mail addresses them) for a known client's scheduling
    request: the one attorney it is sent, copied or greeted to or names, else the
    matter's responsible attorney."""
    parsed, who = facts.parsed, facts.who
    if parsed.screening.machine_written or not is_scheduling_request(
        parsed.subject, parsed.new_text
    ):
        return None
    names = [AttorneyName(a.email, a.name or a.email) for a in who.attorneys]
    copied = [a.addr for a in (*parsed.to, *parsed.cc) if a.addr]
    found = addressed_attorney(parsed.new_text, copied, names)
    if found is not None:
        attorney, how = found
        return attorney.email, f"{_HOW[how]} {attorney.name}"
    lawyer = who.matter.responsible_attorney if who.matter is not None else None
    if who.matter is not None and lawyer is not None:
        return lawyer.email, f"about {who.matter.matter_number}, whose attorney is {lawyer.name}"
    return None


_HOW = {"copied": "copied to", "greeted": "addressed to", "named": "naming"}
