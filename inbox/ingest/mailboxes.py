"""Registering mailboxes to poll. Secrets stay outside: only a variable name or a command."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.imap import SECURITY
from inbox.models import Mailbox

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class MailboxError(ValueError):
    """The mailbox definition is not usable; the text says which option to fix."""


def check_after_action(value: str) -> str:
    if value in ("leave", "flag"):
        return value
    if value.startswith("move:") and value[5:].strip():
        return value
    raise MailboxError(f"--after must be leave, flag or move:FOLDER, not {value!r}")


def check_definition(
    *,
    name: str,
    host: str,
    port: int,
    security: str,
    password_env: str | None,
    password_command: str | None,
    oauth2_token_command: str | None,
) -> None:
    """The checks every mailbox definition passes, added from the CLI or edited in the UI."""
    if not _NAME.match(name):
        raise MailboxError(f"name {name!r}: use letters, digits, '.', '-' and '_'")
    if not host.strip():
        raise MailboxError("--host is empty")
    if security not in SECURITY:
        raise MailboxError(f"--security must be one of {', '.join(SECURITY)}")
    if not 0 < port < 65536:
        raise MailboxError(f"--port {port} is not a TCP port")
    sources = [s for s in (password_env, password_command, oauth2_token_command) if s]
    if len(sources) != 1:
        raise MailboxError(
            "give exactly one of --password-env, --password-command, --oauth2-token-command"
        )
    if security == "plain" and host not in ("127.0.0.1", "localhost", "::1"):
        raise MailboxError("--security plain sends the password in clear: only for localhost")


def add_mailbox(
    session: Session,
    *,
    name: str,
    host: str,
    port: int,
    security: str,
    user: str,
    folder: str = "INBOX",
    after: str = "leave",
    password_env: str | None = None,
    password_command: str | None = None,
    oauth2_token_command: str | None = None,
    since: dt.date | None = None,
    sent_folder: str | None = None,
) -> Mailbox:
    check_definition(
        name=name,
        host=host,
        port=port,
        security=security,
        password_env=password_env,
        password_command=password_command,
        oauth2_token_command=oauth2_token_command,
    )
    if session.scalar(select(Mailbox.id).where(Mailbox.name == name)) is not None:
        raise MailboxError(f"a mailbox named {name!r} already exists")
    mailbox = Mailbox(
        name=name,
        host=host,
        port=port,
        security=security,
        username=user,
        password_env=password_env,
        password_command=password_command,
        oauth2_token_command=oauth2_token_command,
        folder=folder,
        sent_folder=sent_folder,
        after_action=check_after_action(after),
        since=since,
    )
    session.add(mailbox)
    session.flush()
    return mailbox


def enabled_mailboxes(session: Session, names: list[str] | None = None) -> list[int]:
    """The ids of the mailboxes to poll: every enabled one, or those of these names."""
    query = select(Mailbox.id).where(Mailbox.enabled.is_(True))
    if names:
        query = query.where(Mailbox.name.in_(names))
    return list(session.scalars(query.order_by(Mailbox.id)))
