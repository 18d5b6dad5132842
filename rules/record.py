"""Storing a routing decision: the classification, the decision, drafts and notices.

The router (rules/route.py) decides and only reads; this writes what it decided, for
the pipeline's routing stage and for a relabel alike.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from inbox.models import Classification, Draft, Message, MessageState, RoutingDecision
from inbox.outgoing.outbox import queue_notice, queue_reply
from inbox.settings import Settings
from rules.drafting import Rendered
from rules.route import RouteResult

STATE_FOR_ACTION = {
    "escalate": MessageState.ESCALATED,
    "draft": MessageState.REVIEW,
    "triage": MessageState.TRIAGE,
    "ignore": MessageState.IGNORED,
}


def state_for(result: RouteResult) -> str:
    """The message's state after routing; a known client's mail the rules would have
    filed waits in the "No reply needed?" queue rather than the main triage."""
    if result.action == "triage" and result.outcome.no_reply_check:
        return MessageState.NO_REPLY
    return STATE_FOR_ACTION[result.action]


# Core tables: one plain INSERT or UPDATE each, no unit of work (see inbox/ingest/store.py).
_MESSAGES = Message.__table__
_CLASSIFICATIONS = Classification.__table__
_DECISIONS = RoutingDecision.__table__
_DRAFTS = Draft.__table__
_INSERT = {table: insert(table) for table in (_CLASSIFICATIONS, _DECISIONS, _DRAFTS)}
# SET comes from the parameters' names (all but "pk").
_UPDATE_MESSAGE = update(_MESSAGES).where(_MESSAGES.c.id == bindparam("pk"))


def store_result(
    session: Session, message_id: int, result: RouteResult, settings: Settings
) -> None:
    """Record the classification, the decision, drafts and notices of one message.

    Writes rows directly: a loaded `Message` of this session is stale afterwards
    (expire it to read the new state).
    """
    decision = result.prediction.decision
    session.execute(
        _INSERT[_CLASSIFICATIONS],
        {
            "message_id": message_id,
            "label": decision.label,
            "confidence": decision.confidence,
            "scores": decision.scores,
            "needs_triage": decision.needs_triage,
            "explanation": [list(t) for t in result.prediction.explanation],
            "model_version": result.prediction.model_version,
            "source": "model",
        },
    )
    who = result.who
    session.execute(
        _UPDATE_MESSAGE,
        {
            "pk": message_id,
            "label": decision.label,  # the current label, for the queues
            "confidence": decision.confidence,
            "client_id": who.client.id if who.client else None,
            "contact_id": who.contact.id if who.contact else None,
            "matter_id": who.matter.id if who.matter else None,
            "state": state_for(result),
            "priority": result.outcome.priority,
            "sla_due_at": result.sla_due_at,
            "assignee_attorney_id": result.assignee_id,
            "language": result.language,
            "intent": result.intent,
        },
    )
    session.execute(
        _INSERT[_DECISIONS],
        {
            "message_id": message_id,
            "action": result.action,
            "assignee_email": result.assignee,
            "template": result.template,
            "reason": "; ".join(result.reasons),
            "rules_fired": result.outcome.fired,
            "identification": who.as_dict(),
            "priority": result.outcome.priority,
            "sla_due_at": result.sla_due_at,
            "auto_send": result.outcome.auto_send,
        },
    )
    for rendered in (result.draft, result.acknowledgement):
        if rendered is None:
            continue
        draft_id = session.execute(
            _INSERT[_DRAFTS],
            {
                "message_id": message_id,
                "template": rendered.template,
                "subject": rendered.subject,
                "body_text": rendered.body_text,
                "body_html": rendered.body_html,
                "data": _jsonable(rendered.data),
                "attachments": list(rendered.data.get("attachments", [])),
                "version": 1,  # the ORM's version counter starts at 1
            },
        ).inserted_primary_key[0]
        if rendered is result.draft and result.outcome.auto_send:
            _auto_send(session, int(draft_id), settings)
    if result.notice is not None and result.assignee:
        notify(session, message_id, result.notice, result.assignee, settings)


def notify(
    session: Session, message_id: int, notice: Rendered, to: str, settings: Settings
) -> None:
    """Queue the escalation notice to the attorney (machine-written mail)."""
    queue_notice(
        session, message_id, to, notice.subject, notice.body_text, notice.body_html, settings
    )


def _auto_send(session: Session, draft_id: int, settings: Settings) -> None:
    """The rules file opted in: queue the draft without a person (still recipient-checked)."""
    queue_reply(session, session.get_one(Draft, draft_id), None, settings)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
