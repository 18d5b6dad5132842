"""From a parsed message to a routing decision: identify, classify, walk the rules, draft.

`Router.route` reads the database but writes nothing, so `inbox-router route --json`,
the pipeline's routing stage (inbox/ingest/pipeline.py) and a relabel share it;
rules/record.py stores what it decided.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier.features import ModelInput
from classifier.policy import Decision
from classifier.predict import Classifier, ClassifyJob, Prediction
from inbox.firm import firm_name_among
from inbox.mail.language import guess_language
from inbox.mail.parse import ParsedMessage
from inbox.models import (
    Attorney,
    Message,
    OutboxEntry,
)
from inbox.settings import Settings
from rules.billing import BillingRecords, billing_data, billing_intent_data
from rules.drafting import (
    MissingData,
    Rendered,
    StatusPolicy,
    first_name,
    render,
    reply_subject,
    stated_facts,
)
from rules.engine import SCHEDULING_NOTICE, Facts, Outcome, walk
from rules.identify import Identification, identify
from rules.intents import predict_intent
from rules.localize import localize_data, localized_template, untranslated
from rules.lookups import Lookups
from rules.ruleset import RuleSet, load_rules
from rules.sla import BusinessCalendar
from rules.status_intents import is_status_template, status_intent_data, status_template
from rules.status_wording import DEFAULT_PATH as DEFAULT_WORDING
from rules.status_wording import StatusWording, load_status_wording

if TYPE_CHECKING:
    from classifier.intent_model import IntentModels

_LIVE = Lookups()


@dataclass
class RouteResult:
    prediction: Prediction
    who: Identification
    outcome: Outcome
    assignee: str | None
    assignee_id: int | None  # None also for an attorney named only in the rules file
    draft: Rendered | None
    notice: Rendered | None
    acknowledgement: Rendered | None
    reasons: list[str]
    sla_due_at: dt.datetime | None
    language: str | None = None  # guessed from the new text: en, es, de
    intent: str | None = None  # what, under its label, the mail asks (rules/intents.py)

    @property
    def action(self) -> str:
        return self.outcome.action

    @property
    def template(self) -> str | None:
        if self.draft is not None:
            return self.draft.template
        if self.notice is not None:
            return self.notice.template
        return None

    def as_json(self, file: str) -> dict[str, Any]:
        d = self.prediction.decision
        return {
            "file": file,
            "label": d.label,
            "intent": self.intent,
            "confidence": round(d.confidence, 4),
            "scores": {k: round(v, 4) for k, v in d.scores.items()},
            "needs_triage": d.needs_triage,
            "client": self.who.client.client_code if self.who.client else None,
            "matter": self.who.matter.matter_number if self.who.matter else None,
            "action": self.action,
            "assignee": self.assignee,
            "template": self.template,
            "reason": "; ".join(self.reasons),
            "rules_fired": [r["name"] for r in self.outcome.fired],
            "priority": self.outcome.priority,
            "sla_due_at": self.sla_due_at.isoformat() if self.sla_due_at else None,
            "matter_source": self.who.matter_source,
            "matter_confidence": round(self.who.matter_confidence, 2),
            "matter_candidates": [m.matter_number for m in self.who.candidates],
            "matter_evidence": self.who.evidence,
            "explanation": [t for t, _ in self.prediction.explanation],
            "draft": (
                {"subject": self.draft.subject, "body": self.draft.body_text}
                if self.draft is not None
                else None
            ),
            "draft_facts": stated_facts(self.draft) if self.draft is not None else None,
            "draft_attachments": (
                list(self.draft.data.get("attachments", [])) if self.draft is not None else None
            ),
            "language": self.language,
            "acknowledgement_template": (
                self.acknowledgement.template if self.acknowledgement is not None else None
            ),
            "acknowledgement": (
                {"subject": self.acknowledgement.subject, "body": self.acknowledgement.body_text}
                if self.acknowledgement is not None
                else None
            ),
        }


class Router:
    """Holds what is loaded once per process: the model, the rules, the calendar."""

    def __init__(
        self,
        settings: Settings,
        classifier: Classifier | ClassifyJob,
        ruleset: RuleSet,
        calendar: BusinessCalendar,
        wording: StatusWording | None = None,
    ) -> None:
        """`classifier` may be a job not yet loaded: loaded here only when first used
        (the poller's worker classifies, so its own process need not load the model).
        `wording`: the client wording of status codes (default: the configured file)."""
        self.settings = settings
        self.wording = wording or load_status_wording(
            settings.status_wording_path or DEFAULT_WORDING
        )
        self._classifier = classifier if isinstance(classifier, Classifier) else None
        # How another process loads the same model; None for one built in memory.
        self.model: ClassifyJob | None
        if isinstance(classifier, ClassifyJob):
            self.model = classifier
        elif classifier.path is not None:
            self.model = ClassifyJob(classifier.path, *_overrides(classifier))
        else:
            self.model = None
        self.ruleset = ruleset
        self.calendar = calendar

    @property
    def classifier(self) -> Classifier:
        if self._classifier is None:
            assert self.model is not None  # one of the two is always given
            self._classifier = self.model.classifier()
        return self._classifier

    def intent_models(self) -> IntentModels | None:
        """The learned intent models, or None without their file (the phrase rules then
        answer alone); loaded on first use, again when the file changes."""
        from classifier.intent_model import load_intent_models  # scikit-learn: when used

        return load_intent_models(self.settings.intent_model_path)

    @classmethod
    def from_settings(
        cls, settings: Settings, model_path: Path | None = None, *, load_model: bool = True
    ) -> Router:
        job = ClassifyJob.from_settings(settings, model_path)
        return cls(
            settings,
            job.classifier() if load_model else job,
            load_rules(settings.rules_path),
            BusinessCalendar.from_settings(
                settings.timezone,
                settings.business_hours,
                settings.business_days,
                settings.holidays,
            ),
        )

    def clock(self) -> dt.datetime:
        """Now, or noon in the firm's time zone of the configured as-of day (replays)."""
        if self.settings.as_of is None:
            return dt.datetime.now(dt.UTC)
        noon = dt.datetime.combine(self.settings.as_of, dt.time(12), tzinfo=self.calendar.zone)
        return noon.astimezone(dt.UTC)

    def route(
        self,
        session: Session,
        parsed: ParsedMessage,
        *,
        now: dt.datetime | None = None,
        message_pk: int | None = None,
        prediction: Prediction | None = None,
        lookups: Lookups = _LIVE,
    ) -> RouteResult:
        now = now or self.clock()
        prediction = prediction or self.classifier.predict_parsed(parsed, explain=True)
        who = identify(session, parsed, self.settings.matter_pattern, lookups)
        facts = Facts(
            parsed=parsed,
            decision=prediction.decision,
            who=who,
            language=guess_language(f"{parsed.subject}\n{parsed.new_text}"),
            in_business_hours=self.calendar.is_open(now),
        )
        outcome = walk(self.ruleset, facts)
        intent = predict_intent(
            prediction.decision.label,
            parsed.subject,
            parsed.new_text,
            self.intent_models(),
            ModelInput.from_parsed(parsed),
        )
        reasons = list(outcome.reasons) + list(prediction.decision.reasons)
        if who.foreign_numbers:
            reasons.append(
                "named another client's matter (ignored): " + ", ".join(who.foreign_numbers)
            )
        assignee: Attorney | None = None
        draft = notice = acknowledgement = None
        sla_due = (
            self.calendar.add_business_hours(now, outcome.sla_hours)
            if outcome.sla_hours and outcome.action != "ignore"
            else None
        )

        if outcome.action == "escalate":
            assignee, why = self._escalation_target(session, outcome.escalate_to, who, lookups)
            if assignee is not None and outcome.notice == SCHEDULING_NOTICE:
                reasons.append(f"to {assignee.email}, the attorney the request is for")
            elif assignee is not None:
                reasons.append(why)
            if assignee is None:
                outcome.action = "triage"
                reasons.append(
                    "no attorney to escalate to (no matter, relationship or intake attorney)"
                )
            else:
                notice = self._notice(
                    parsed, prediction, who, assignee, sla_due, message_pk, outcome.notice
                )
                if outcome.acknowledge:
                    acknowledgement = self._try_render(
                        outcome.acknowledge,
                        parsed,
                        self.acknowledgement_data(session, parsed, who, assignee, lookups),
                        reasons,
                        facts.language,
                    )
        elif outcome.action == "draft" and outcome.template:
            template = intent_template(outcome.template, intent)
            try:
                data = self.draft_data(session, template, parsed, who, now, lookups)
                draft = self._render_for_client(template, parsed, data, facts.language, reasons)
                held = [
                    f"confirm with the attorney before sending: {w}"
                    for w in data.get("warnings", ())
                ]
                held += data.get("checks", ())  # what the VA checks in the file themself
                if held:
                    outcome.auto_send = False
                    reasons.extend(held)
            except MissingData as exc:
                outcome.action, outcome.auto_send = "triage", False
                reasons.append(f"no draft: {exc}")
            if outcome.auto_send and self._automatic_cap_reached(session, parsed, now):
                outcome.auto_send = False
                reasons.append(
                    f"auto-send off: {self.ruleset.auto_send_daily_cap} automatic mails "
                    "already sent to this sender today"
                )

        return RouteResult(
            prediction=prediction,
            who=who,
            outcome=outcome,
            assignee=assignee.email if assignee else None,
            assignee_id=assignee.id if assignee else None,
            draft=draft,
            notice=notice,
            acknowledgement=acknowledgement,
            reasons=reasons,
            sla_due_at=sla_due,
            language=facts.language,
            intent=intent,
        )

    def notice_for(
        self, session: Session, message: Message, parsed: ParsedMessage, attorney: Attorney
    ) -> Rendered:
        """The escalation notice for a message a person escalates by hand."""
        label = message.label or "legal_question"
        scores = {label: message.confidence or 1.0}
        decision = Decision(label, message.confidence or 1.0, scores, False, ("escalated by hand",))
        who = identify(session, parsed, self.settings.matter_pattern)
        return self._notice(
            parsed, Prediction(decision, (), "human"), who, attorney, message.sla_due_at, message.id
        )

    # -- pieces ------------------------------------------------------------------

    def _intake(self, session: Session, lookups: Lookups) -> Attorney | None:
        email = self.ruleset.intake_attorney
        if email:
            found = lookups.attorney(session, email)
            return found or Attorney(email=email, name=email)
        for attorney in lookups.attorneys(session):
            if any("intake" in area.lower() for area in attorney.practice_areas or []):
                return attorney
        return None

    def _escalation_target(
        self, session: Session, target: str, who: Identification, lookups: Lookups
    ) -> tuple[Attorney | None, str]:
        """Who gets a legal question, and a reason saying which rung of the chain it was."""
        if "@" in target:
            found = lookups.attorney(session, target)
            return found or Attorney(email=target, name=target), f"to {target} (rules file)"
        chain: list[tuple[Attorney | None, str]] = []
        if target == "responsible" and who.matter is not None:
            chain.append(
                (who.matter.responsible_attorney, "to the responsible attorney of the matter")
            )
        if target == "responsible" and who.matter is None:
            chain.append(
                (
                    who.addressed_attorney,
                    "to the attorney the mail addresses, responsible for one of its matters",
                )
            )
        if target in ("responsible", "relationship") and who.client is not None:
            chain.append(
                (who.client.relationship_attorney, "to the client's relationship attorney")
            )
        chain.append((self._intake(session, lookups), "to the intake attorney"))
        return next(((a, why) for a, why in chain if a is not None), (None, ""))

    def draft_data(
        self,
        session: Session,
        template: str,
        parsed: ParsedMessage,
        who: Identification,
        now: dt.datetime,
        lookups: Lookups = _LIVE,
    ) -> dict[str, Any]:
        """What a reply template reads for this message (also the admin's preview; a
        translated template, client/<lang>/<name>, reads what client/<name> reads)."""
        template = untranslated(template)
        contact_name = first_name(who.contact, _display_name(parsed))
        firm = firm_name_among(self.settings, lookups.attorneys(session))
        if is_status_template(template):
            matters = [who.matter] if who.matter is not None else who.candidates
            policy = StatusPolicy(
                now.astimezone(self.calendar.zone).date(),
                self.wording,
                self.settings.stale_matter_days,
            )
            return status_intent_data(template, firm, contact_name, matters, policy)
        if template.startswith(BILLING_INTENT_PREFIX) and not template.endswith("billing_query"):
            if who.client is None:
                raise MissingData("sender is not a known client")
            invoices = lookups.invoices(session, who.client)
            records = BillingRecords(
                who.client,
                invoices,
                lookups.payments(session, invoices),
                lookups.trust_balances(session, who.client),
                lookups.payments_on_file(session),
                lookups.document_names(session),
            )
            return {
                "firm_name": firm,
                "contact_name": contact_name,
                **billing_intent_data(
                    template.removeprefix(BILLING_INTENT_PREFIX),
                    f"{parsed.subject}\n{parsed.new_text}",
                    records,
                    who.matter,
                    who.matter_source,
                    now.astimezone(self.calendar.zone).date(),
                    self.settings.payment_instructions,
                ),
            }
        if template.endswith("billing_query"):
            if who.client is None:
                raise MissingData("sender is not a known client")
            return billing_data(
                firm,
                contact_name,
                who.client,
                lookups.invoices(session, who.client),
                self.settings.payment_instructions,
                now.date(),
            )
        return {"firm_name": firm, "contact_name": contact_name}

    def _try_render(
        self,
        template: str,
        parsed: ParsedMessage,
        data: dict[str, Any],
        reasons: list[str],
        language: str | None = None,
    ) -> Rendered | None:
        try:
            return self._render_for_client(template, parsed, data, language, reasons)
        except MissingData as exc:
            reasons.append(f"no acknowledgement: {exc}")
            return None

    def _render_for_client(
        self,
        template: str,
        parsed: ParsedMessage,
        data: dict[str, Any],
        language: str | None,
        reasons: list[str],
    ) -> Rendered:
        """Render in the client's language when the firm has the template in it; say so
        to the VA when it does not, or when the records supply English text."""
        chosen, note = localized_template(self.settings.templates_dir, template, language)
        rendered = render(
            self.settings.templates_dir,
            chosen,
            reply_subject(parsed.subject),
            localize_data(data, language),
        )
        if note:
            reasons.append(note)
        if chosen != template and any(k in data for k in _ENGLISH_FROM_RECORDS):
            reasons.append(
                "check before sending: the records' own text (status, next step, payment "
                "instructions) is in English"
            )
        return rendered

    def acknowledgement_data(
        self,
        session: Session,
        parsed: ParsedMessage,
        who: Identification,
        attorney: Attorney,
        lookups: Lookups = _LIVE,
    ) -> dict[str, Any]:
        return {
            "firm_name": firm_name_among(self.settings, lookups.attorneys(session)),
            "contact_name": first_name(who.contact, _display_name(parsed)),
            "attorney_name": attorney.name,
            "response_time": "within one business day",
        }

    def _notice(
        self,
        parsed: ParsedMessage,
        prediction: Prediction,
        who: Identification,
        attorney: Attorney,
        due: dt.datetime | None,
        message_pk: int | None,
        template: str = "attorney/escalation",
    ) -> Rendered:
        data = self.notice_data(
            parsed, prediction.decision.confidence, who, attorney, due, message_pk
        )
        kind = "Scheduling" if template == SCHEDULING_NOTICE else "Legal question"
        return render(
            self.settings.templates_dir,
            template,
            f"[{kind}] {parsed.subject or '(no subject)'}",
            data,
        )

    def notice_data(
        self,
        parsed: ParsedMessage,
        confidence: float,
        who: Identification,
        attorney: Attorney,
        due: dt.datetime | None,
        message_pk: int | None,
    ) -> dict[str, Any]:
        """What the attorney's escalation notice reads (also the admin's preview)."""
        sender = parsed.sender_addr or "(no sender)"
        if parsed.sender and parsed.sender.name:
            sender = f"{parsed.sender.name} <{parsed.sender_addr}>"
        link = (
            f"{self.settings.base_url.rstrip('/')}/messages/{message_pk}"
            if message_pk
            else "(not stored: routed from a file)"
        )
        return {
            "attorney_name": attorney.name or attorney.email,
            "sender": sender,
            "client_name": who.client.name if who.client else None,
            "matter": (f"{who.matter.matter_number} {who.matter.title}" if who.matter else None),
            "subject": parsed.subject or "(no subject)",
            "confidence": f"{confidence:.2f}",
            "due": (
                f"{due.astimezone(self.calendar.zone):%a %b %d, %H:%M %Z}" if due else "no deadline"
            ),
            "question": parsed.new_text or parsed.text[:4000] or "(no text)",
            "link": link,
        }

    def _automatic_cap_reached(
        self, session: Session, parsed: ParsedMessage, now: dt.datetime
    ) -> bool:
        """Loop guard: at most N automatic mails a day to one address."""
        recent = session.scalars(
            select(OutboxEntry.to_addrs).where(
                OutboxEntry.auto_submitted.is_(True),
                OutboxEntry.queued_at >= now - dt.timedelta(days=1),
            )
        ).all()
        sent = sum(parsed.sender_addr in (addrs or []) for addrs in recent)
        return sent >= self.ruleset.auto_send_daily_cap


BILLING_INTENT_PREFIX = "client/billing_"
# Draft data that comes from the firm's records or settings as written (in English).
_ENGLISH_FROM_RECORDS = ("matters", "payment_instructions")


def intent_template(template: str, intent: str | None) -> str:
    """The default status and billing templates become the one answering the mail's
    intent (client/status_<intent>, client/billing_<intent>); status.general keeps
    client/status_request, and a template the rules file names itself is kept."""
    if template == "client/billing_query" and intent and intent.startswith("billing."):
        return BILLING_INTENT_PREFIX + intent.removeprefix("billing.")
    return status_template(template, intent)


def _overrides(classifier: Classifier) -> tuple[float, float]:
    return classifier.thresholds.confidence, classifier.thresholds.legal_guard


def _display_name(parsed: ParsedMessage) -> str:
    return parsed.sender.name if parsed.sender else ""
