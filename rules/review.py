"""The one place a human decision is applied; the web UI and the CLI only call it.

Each function takes the session first, records the action in the audit log, and
leaves the commit to the caller.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier.policy import Decision
from classifier.predict import Prediction
from inbox.models import AuditEvent, Classification, Draft, Message, RoutingDecision, User
from inbox.parse import parse_message
from rules.route import Router, store_result

LABELS = ("status_request", "billing_query", "legal_question", "other")


class ReviewError(ValueError):
    """The action cannot be applied; the text says why."""


def audit(
    session: Session,
    action: str,
    *,
    user: User | None,
    message: Message | None = None,
    **detail: object,
) -> None:
    session.add(
        AuditEvent(
            actor=user.email if user else "system",
            user_id=user.id if user else None,
            action=action,
            message_id=message.id if message else None,
            detail=detail,
        )
    )


def relabel(
    session: Session, message: Message, label: str, user: User | None, router: Router
) -> RoutingDecision:
    """Store a human label (a correction for retraining) and route the message again."""
    if label not in LABELS:
        raise ReviewError(f"unknown label {label!r}; use one of {', '.join(LABELS)}")
    if message.raw is None:
        raise ReviewError(f"message {message.id} has no raw content to route")
    previous = session.scalar(
        select(Classification.label)
        .where(Classification.message_id == message.id)
        .order_by(Classification.id.desc())
        .limit(1)
    )
    for draft in session.scalars(
        select(Draft).where(Draft.message_id == message.id, Draft.state == "pending")
    ):
        draft.state = "discarded"
    scores = {name: 1.0 if name == label else 0.0 for name in LABELS}
    human = Prediction(Decision(label, 1.0, scores, False, ("set by a person",)), (), "human")
    parsed = parse_message(message.raw.content)
    result = router.route(
        session, parsed, message_pk=message.id, prediction=human, now=dt.datetime.now(dt.UTC)
    )
    store_result(session, message.id, result, router.settings)
    session.expire(message)  # store_result wrote the new state directly
    stored = session.scalars(
        select(Classification)
        .where(Classification.message_id == message.id)
        .order_by(Classification.id.desc())
        .limit(1)
    ).one()
    stored.source, stored.user_id, stored.model_version = "human", user.id if user else None, None
    audit(session, "relabel", user=user, message=message, old=previous, new=label)
    session.flush()
    return session.scalars(
        select(RoutingDecision)
        .where(RoutingDecision.message_id == message.id)
        .order_by(RoutingDecision.id.desc())
        .limit(1)
    ).one()
