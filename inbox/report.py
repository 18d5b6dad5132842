"""Plain-text tables of what is stored, for the command line."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from inbox.models import Classification, Mailbox, Message, OutboxEntry


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


def status_report(session: Session) -> str:
    """Mailbox health, messages by state, the outbox and its latest troubles."""
    lines: list[str] = []
    mailboxes = session.scalars(select(Mailbox).order_by(Mailbox.name)).all()
    lines.append("mailboxes:" if mailboxes else "mailboxes: none registered")
    for box in mailboxes:
        synced = box.last_sync_at.isoformat(timespec="seconds") if box.last_sync_at else "never"
        health = "ok" if not box.consecutive_failures else f"{box.consecutive_failures} failures"
        lines.append(
            f"  {box.name}: {box.username}@{box.host}/{box.folder} last sync {synced}, {health}"
        )
        if box.last_error:
            lines.append(f"    last error: {box.last_error.splitlines()[0]}")
    counts = dict(
        session.execute(select(Message.state, func.count()).group_by(Message.state)).all()
    )
    lines.append("queues:")
    for state in sorted(counts):
        lines.append(f"  {state}: {counts[state]}")
    if not counts:
        lines.append("  (no messages)")
    outbox = dict(
        session.execute(select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)).all()
    )
    lines.append("outbox:" if outbox else "outbox: empty")
    for state in sorted(outbox):
        lines.append(f"  {state}: {outbox[state]}")
    troubled = session.scalars(
        select(OutboxEntry)
        .where(OutboxEntry.state.in_(("failed", "held")))
        .order_by(OutboxEntry.id.desc())
        .limit(5)
    ).all()
    for entry in troubled:
        why = entry.last_error or entry.hold_reason or ""
        lines.append(f"    #{entry.id} {entry.state} to {', '.join(entry.to_addrs)}: {why[:120]}")
    return "\n".join(lines)
