"""Mailboxes as the admin sees them: where they read from and how healthy they are.

Secrets are never shown (the database holds none): only the variable's name, or that
a command supplies the password or token. No Flask here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.audit import audit
from inbox.models import Mailbox, User


@dataclass(frozen=True)
class MailboxRow:
    id: int
    name: str
    address: str  # user@host:port/folder
    security: str
    after_action: str
    enabled: bool
    credential: str  # where the secret comes from, never the secret
    last_sync_at: dt.datetime | None
    consecutive_failures: int
    last_error: str | None
    last_error_at: dt.datetime | None

    @property
    def healthy(self) -> bool:
        return self.consecutive_failures == 0


def credential_source(mailbox: Mailbox) -> str:
    if mailbox.oauth2_token_command:
        return "OAuth2 token from a command"
    if mailbox.password_command:
        return "password from a command"
    if mailbox.password_env:
        return f"password from ${mailbox.password_env}"
    return "no credential configured"


def mailbox_rows(session: Session) -> list[MailboxRow]:
    return [
        MailboxRow(
            id=m.id,
            name=m.name,
            address=f"{m.username}@{m.host}:{m.port}/{m.folder}",
            security=m.security,
            after_action=m.after_action,
            enabled=m.enabled,
            credential=credential_source(m),
            last_sync_at=m.last_sync_at,
            consecutive_failures=m.consecutive_failures,
            last_error=m.last_error,
            last_error_at=m.last_error_at,
        )
        for m in session.scalars(select(Mailbox).order_by(Mailbox.name))
    ]


def set_enabled(session: Session, admin: User, mailbox: Mailbox, enabled: bool) -> None:
    """Disabled mailboxes are skipped by the poller from its next start."""
    if mailbox.enabled == enabled:
        return
    mailbox.enabled = enabled
    audit(
        session,
        "mailbox_enabled" if enabled else "mailbox_disabled",
        user=admin,
        mailbox=mailbox.name,
    )
