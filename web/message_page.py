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

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from inbox.models import (
    Attachment,
    AuditEvent,
    Classification,
    Draft,
    Invoice,
    Matter,
    Message,
    Note,
    OutboxEntry,
    Presence,
    RoutingDecision,
    User,
    utcnow,
)
from rules.directory import open_matters

PRESENCE_TTL = dt.timedelta(seconds=30)


@dataclass
class MatterPanel:
    matter: Matter
    open_invoices: list[Invoice]
    balance: Decimal


@dataclass
class MessagePage:
    message: Message
    classification: Classification | None
    decision: RoutingDecision | None
    draft: Draft | None
    thread: list[Message]
    replies: list[OutboxEntry]
    notes: list[tuple[Note, str]]
    attachments: list[Attachment]
    matters: list[MatterPanel]
    audit: list[AuditEvent]
    others: list[dict[str, str]]


def _newest(session: Session, model: Any, message_id: int) -> Any:
    return session.scalar(
        select(model).where(model.message_id == message_id).order_by(model.id.desc()).limit(1)
    )


def _matter_panel(session: Session, matter: Matter) -> MatterPanel:
    invoices = session.scalars(
        select(Invoice)
        .where(Invoice.matter_id == matter.id, Invoice.balance > 0)
        .order_by(Invoice.due)
    ).all()
    return MatterPanel(matter, list(invoices), sum((i.balance for i in invoices), Decimal(0)))


def load_message_page(session: Session, message: Message, viewer: User) -> MessagePage:
    thread = [message]
    if message.thread_id is not None:
        thread = list(
            session.scalars(
                select(Message)
                .where(Message.thread_id == message.thread_id)
                .order_by(Message.received_at, Message.id)
            )
        )
    thread_ids = [m.id for m in thread]
    matters: list[Matter] = []
    if message.matter is not None:
        matters = [message.matter]
    elif message.client is not None:
        matters = open_matters(session, message.client)
    notes = session.execute(
        select(Note, User.name, User.email)
        .join(User, User.id == Note.user_id)
        .where(Note.message_id.in_(thread_ids))
        .order_by(Note.created_at)
    ).all()
    return MessagePage(
        message=message,
        classification=_newest(session, Classification, message.id),
        decision=_newest(session, RoutingDecision, message.id),
        draft=session.scalar(
            select(Draft)
            .where(Draft.message_id == message.id, Draft.state == "pending")
            .order_by(Draft.id.desc())
            .limit(1)
        ),
        thread=thread,
        replies=list(
            session.scalars(
                select(OutboxEntry)
                .where(OutboxEntry.message_id.in_(thread_ids), OutboxEntry.kind != "notice")
                .order_by(OutboxEntry.queued_at)
            )
        ),
        notes=[(note, name or email) for note, name, email in notes],
        attachments=list(
            session.scalars(
                select(Attachment)
                .where(Attachment.message_id == message.id)
                .order_by(Attachment.id)
            )
        ),
        matters=[_matter_panel(session, m) for m in matters if m is not None],
        audit=list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.message_id == message.id)
                .order_by(AuditEvent.at.desc())
                .limit(50)
            )
        ),
        others=present_others(session, message.id, viewer.id),
    )


def present_others(session: Session, message_id: int, viewer_id: int) -> list[dict[str, str]]:
    """Who else has the message open now ("Dana is editing this")."""
    since = utcnow() - PRESENCE_TTL
    rows = session.execute(
        select(User.name, User.email, Presence.mode)
        .join(User, User.id == Presence.user_id)
        .where(
            Presence.message_id == message_id,
            Presence.user_id != viewer_id,
            Presence.seen_at >= since,
        )
        .order_by(User.email)
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
    return session.scalar(
        select(Message)
        .options(
            joinedload(Message.client),
            joinedload(Message.matter),
            joinedload(Message.assignee_attorney),
            joinedload(Message.assignee_user),
        )
        .where(Message.id == message_id)
    )
