"""Plain-text tables of what is stored, for the command line."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from inbox.models import Classification, Message


def message_table(session: Session, limit: int = 200) -> str:
    """One line a message: id, state, label, flags, client, sender and subject."""
    messages = session.scalars(
        select(Message).options(joinedload(Message.client)).order_by(Message.id).limit(limit)
    ).all()
    labels = dict(
        session.execute(
            select(Classification.message_id, Classification.label).order_by(Classification.id)
        ).all()
    )
    lines = [
        f"{'id':>4}  {'state':<11} {'label':<15} {'flags':<5} {'client':<24} {'from':<28} subject"
    ]
    for m in messages:
        flags = (
            ("A" if m.is_auto_submitted else "-")
            + ("B" if m.is_bulk else "-")
            + ("X" if m.is_bounce else "-")
        )
        client = m.client.name if m.client else "(unknown)"
        label = labels.get(m.id, "-")
        lines.append(
            f"{m.id:>4}  {m.state:<11} {label:<15} {flags:<5} {client[:24]:<24} "
            f"{m.from_addr[:28]:<28} {m.subject[:50]}"
        )
    lines.append("flags: A auto-submitted, B bulk/list, X bounce")
    return "\n".join(lines)
