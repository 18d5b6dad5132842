"""Everything the message page shows, gathered in one place (no Flask here).

The page needs the thread, the current label with its reasons, the routing decision
and the rules that fired, the pending draft, notes, outbox entries, the client and
matter panel, who else is looking, and the message's audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session, defer, joinedload

from inbox.db import prepared
from inbox.message_rows import newest_id
from inbox.models import (
    ATTORNEY_REPLY,
    Attachment,
    AuditEvent,
    Classification,
    Draft,
    Invoice,
    Matter,
    Message,
    MessageState,
    Note,
    OutboxEntry,
    Presence,
    RoutingDecision,
    User,
    utcnow,
)
from rules.directory import open_matters
from web.matter_evidence import MatterWhy, explain_matter

PRESENCE_TTL = dt.timedelta(seconds=30)


@dataclass
class MatterPanel:
    matter: Matter
    open_invoices: list[Invoice]
    balance: Decimal


@dataclass(frozen=True)
class ThreadEntry:
    """A message of the thread as the page lists it."""

    id: int
    received_at: dt.datetime | None
    from_name: str | None
    from_addr: str | None
    subject: str | None
    label: str | None


@dataclass
class MessagePage:
    message: Message
    classification: Classification | None
    decision: RoutingDecision | None
    draft: Draft | None
    thread: list[ThreadEntry]
    replies: list[OutboxEntry]
    notes: list[tuple[Note, str]]
    attachments: list[Attachment]
    matters: list[MatterPanel]
    audit: list[AuditEvent]
    others: list[dict[str, str]]

    @property
    def hand_back(self) -> AuditEvent | None:
        """The attorney's hand-back the routing panel tells instead of the escalation it
        undid: the newest one, while the message is not escalated again and no later
        decision (a relabel) replaced the routing."""
        if self.message.state == MessageState.ESCALATED:
            return None
        for event in self.audit:  # newest first
            if event.action == "hand_back":
                decided = self.decision.created_at if self.decision else None
                return event if decided is None or event.at >= decided else None
        return None

    @property
    def matter_why(self) -> MatterWhy | None:
        """Why the router chose this matter (or none), in plain words."""
        return explain_matter(self.decision.identification) if self.decision else None


# Built once with bound parameters: building each statement anew on every view costs
# more than running it (SQLAlchemy compiles a statement once either way); prepared on
# PostgreSQL (inbox/db.py): each is a lookup by key.
def _newest_id(model: Any, *where: Any) -> Any:
    return newest_id(model, bindparam("message_id"), *where).scalar_subquery()


# The current label, routing decision and pending draft in one round trip (on
# PostgreSQL each statement is a round trip, and they add up on this page).
_CURRENT = prepared(
    select(Classification, RoutingDecision, Draft)
    .select_from(Message)
    .outerjoin(Classification, Classification.id == _newest_id(Classification))
    .outerjoin(RoutingDecision, RoutingDecision.id == _newest_id(RoutingDecision))
    # An attorney's reply taken back with Undo is theirs (the reply box), not a VA's draft.
    .outerjoin(
        Draft,
        Draft.id == _newest_id(Draft, Draft.state == "pending", Draft.template != ATTORNEY_REPLY),
    )
    .where(Message.id == bindparam("message_id"))
)
# The thread as the page lists it: who, when, what, not every message's bodies.
_THREAD = prepared(
    select(
        Message.id,
        Message.received_at,
        Message.from_name,
        Message.from_addr,
        Message.subject,
        Message.label,
    )
    .where(Message.thread_id == bindparam("thread_id"))
    .order_by(Message.received_at, Message.id)
)
_NOTES = prepared(
    select(Note, User.name, User.email)
    .join(User, User.id == Note.user_id)
    .where(Note.message_id.in_(bindparam("thread_ids", expanding=True)))
    .order_by(Note.created_at)
)
_REPLIES = prepared(
    select(OutboxEntry)
    .where(
        OutboxEntry.message_id.in_(bindparam("thread_ids", expanding=True)),
        OutboxEntry.kind != "notice",
    )
    .order_by(OutboxEntry.queued_at)
)
_ATTACHMENTS = prepared(
    select(Attachment)
    .options(defer(Attachment.content))  # a list of names: not megabytes of files
    .where(Attachment.message_id == bindparam("message_id"))
    .order_by(Attachment.id)
)
_AUDIT = prepared(
    select(AuditEvent)
    .where(AuditEvent.message_id == bindparam("message_id"))
    .order_by(AuditEvent.at.desc())
    .limit(50)
)
_OPEN_INVOICES = prepared(
    select(Invoice)
    .where(Invoice.matter_id.in_(bindparam("matter_ids", expanding=True)), Invoice.balance > 0)
    .order_by(Invoice.due)
)
_OTHERS_PRESENT = prepared(
    select(User.name, User.email, Presence.mode)
    .join(User, User.id == Presence.user_id)
    .where(
        Presence.message_id == bindparam("message_id"),
        Presence.user_id != bindparam("viewer_id"),
        Presence.seen_at >= bindparam("since"),
    )
    .order_by(User.email)
)
_MESSAGE = prepared(
    select(Message)
    .options(
        joinedload(Message.client),
        joinedload(Message.matter).joinedload(Matter.responsible_attorney),
        joinedload(Message.assignee_attorney),
        joinedload(Message.assignee_user),
    )
    .where(Message.id == bindparam("message_id"))
)


def _matter_panels(session: Session, matters: list[Matter]) -> list[MatterPanel]:
    """Each matter with its open invoices (one query for all of them)."""
    if not matters:
        return []
    invoices: dict[int, list[Invoice]] = {m.id: [] for m in matters}
    for invoice in session.scalars(_OPEN_INVOICES, {"matter_ids": list(invoices)}):
        invoices[invoice.matter_id].append(invoice)
    return [
        MatterPanel(m, invoices[m.id], sum((i.balance for i in invoices[m.id]), Decimal(0)))
        for m in matters
    ]


def load_message_page(session: Session, message: Message, viewer: User) -> MessagePage:
    if message.thread_id is None:
        thread = [
            ThreadEntry(
                message.id,
                message.received_at,
                message.from_name,
                message.from_addr,
                message.subject,
                message.label,
            )
        ]
    else:
        thread = [
            ThreadEntry(*row) for row in session.execute(_THREAD, {"thread_id": message.thread_id})
        ]
    ids = {"message_id": message.id}
    in_thread = {"thread_ids": [entry.id for entry in thread]}
    matters: list[Matter] = []
    if message.matter is not None:
        matters = [message.matter]
    elif message.client is not None:
        matters = open_matters(session, message.client, joinedload(Matter.responsible_attorney))
    classification, decision, draft = session.execute(_CURRENT, ids).one()
    return MessagePage(
        message=message,
        classification=classification,
        decision=decision,
        draft=draft,
        thread=thread,
        replies=list(session.scalars(_REPLIES, in_thread)),
        notes=[(note, name or email) for note, name, email in session.execute(_NOTES, in_thread)],
        attachments=list(session.scalars(_ATTACHMENTS, ids)),
        matters=_matter_panels(session, [m for m in matters if m is not None]),
        audit=list(session.scalars(_AUDIT, ids)),
        others=present_others(session, message.id, viewer.id),
    )


def present_others(session: Session, message_id: int, viewer_id: int) -> list[dict[str, str]]:
    """Who else has the message open now ("Dana is editing this")."""
    since = utcnow() - PRESENCE_TTL
    rows = session.execute(
        _OTHERS_PRESENT, {"message_id": message_id, "viewer_id": viewer_id, "since": since}
    ).all()
    return [{"name": name or email, "mode": mode} for name, email, mode in rows]


def touch_presence(session: Session, message_id: int, user_id: int, mode: str) -> None:
    """Record that the user is viewing or editing the message now; forget stale rows."""
    mode = "editing" if mode == "editing" else "viewing"
    now = utcnow()
    session.execute(delete(Presence).where(Presence.seen_at < now - 10 * PRESENCE_TTL))
    row = session.scalar(
        select(Presence).where(Presence.message_id == message_id, Presence.user_id == user_id)
    )
    if row is None:
        session.add(Presence(message_id=message_id, user_id=user_id, mode=mode, seen_at=now))
    else:
        row.mode, row.seen_at = mode, now


def leave_presence(session: Session, message_id: int, user_id: int) -> None:
    session.execute(
        delete(Presence).where(Presence.message_id == message_id, Presence.user_id == user_id)
    )


def load_message(session: Session, message_id: int) -> Message | None:
    return session.scalar(_MESSAGE, {"message_id": message_id})
