"""The outbox entries that need a person, and what a person may do with each.

The outbox page and `inbox-router outbox` both read this table and apply the
decisions through inbox/outgoing/outbox.py (which audits them): a held reply's
recipients confirmed (release), a failed or "delivery unknown" mail sent again
(resend) or recorded as delivered, or any unsent mail cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from inbox.models import OutboxEntry, OutboxState, User
from inbox.outgoing import outbox
from inbox.outgoing.worker import HEADER_HOLD, UNKNOWN_DELIVERY

ACTIONS = ("release", "resend", "delivered", "cancel")
LISTED = (OutboxState.HELD, OutboxState.FAILED, OutboxState.SENDING)
CANCELLED = "cancelled by "
DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    help: str


_LABELS = {
    "release": Action("release", "Confirm recipients and send", "the recipients were checked"),
    "resend": Action("resend", "Send again", "same Message-ID: one mail for the recipient"),
    "delivered": Action("delivered", "Mark delivered", "the recipient has it; record it sent"),
    "cancel": Action("cancel", "Cancel", "never send it; it stays listed as cancelled"),
}


def actions_for(entry: OutboxEntry) -> list[Action]:
    """What a person may do with the entry in its state (the domain checks again)."""
    reason = entry.hold_reason or ""
    names: list[str] = []
    if entry.state == OutboxState.HELD:
        if reason.startswith(outbox.RECIPIENTS_HOLD):
            names = ["release", "cancel"]
        elif reason.startswith(UNKNOWN_DELIVERY):
            names = ["delivered", "resend", "cancel"]
        elif reason.startswith(HEADER_HOLD):
            names = ["cancel"]
        else:
            names = ["resend", "cancel"]
    elif entry.state == OutboxState.FAILED and not (entry.last_error or "").startswith(CANCELLED):
        names = ["resend"]
    elif entry.state == OutboxState.QUEUED:
        names = ["cancel"]
    return [_LABELS[name] for name in names]


def needing_attention(session: Session, limit: int = DEFAULT_LIMIT) -> list[OutboxEntry]:
    """Held first, then failed (not the cancelled ones), then sending; newest first."""
    order = case(
        (OutboxEntry.state == OutboxState.HELD, 0),
        (OutboxEntry.state == OutboxState.FAILED, 1),
        else_=2,
    )
    query = (
        select(OutboxEntry)
        .where(
            OutboxEntry.state.in_(LISTED),
            or_(
                OutboxEntry.state != OutboxState.FAILED,
                OutboxEntry.last_error.is_(None),
                ~OutboxEntry.last_error.startswith(CANCELLED),
            ),
        )
        .order_by(order, OutboxEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def apply(
    session: Session, entry_id: int, action: str, user: User | None, reason: str = ""
) -> OutboxEntry:
    """Apply one person's decision to entry `entry_id`; OutboxError says why not."""
    entry = session.get(OutboxEntry, entry_id)
    if entry is None:
        raise outbox.OutboxError(f"there is no outbox entry {entry_id}")
    steps: dict[str, Callable[[], None]] = {
        "release": lambda: outbox.confirm_recipients(session, entry, user),
        "resend": lambda: outbox.resend(session, entry, user),
        "delivered": lambda: outbox.mark_delivered(session, entry, user),
        "cancel": lambda: outbox.cancel(session, entry, user, reason.strip() or "no reason given"),
    }
    if action not in steps:
        raise outbox.OutboxError(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
    steps[action]()
    return entry
