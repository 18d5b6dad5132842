"""The audit log: every human action, and the system's own, in one table."""

from __future__ import annotations

from sqlalchemy.orm import Session

from inbox.models import AuditEvent, Message, User


def audit(
    session: Session,
    action: str,
    *,
    user: User | None,
    message: Message | None = None,
    **detail: object,
) -> None:
    """Add the event to the session; it is committed with the change it records."""
    session.add(
        AuditEvent(
            actor=user.email if user else "system",
            user_id=user.id if user else None,
            action=action,
            message_id=message.id if message else None,
            detail=detail,
        )
    )
