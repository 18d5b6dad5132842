"""Mailboxes as the admin sees them: where they read from and how healthy they are;
adding, editing and testing one.

Secrets are never shown (the database holds none): only the variable's name, or that
a command supplies the password or token; the form takes the same (a variable name or
a command), as `inbox-router mailbox add` does. The checks are the CLI's
(inbox/ingest/mailboxes.py). No Flask here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from inbox.audit import audit
from inbox.imap import ImapAccount, MailboxConfigError, connect
from inbox.ingest.mailboxes import MailboxError, add_mailbox, check_after_action, check_definition
from inbox.models import Mailbox, User
from web.display import plural

CREDENTIALS = {  # form choice -> the Mailbox column that holds it
    "env": "password_env",
    "command": "password_command",
    "oauth2": "oauth2_token_command",
}
SYNC_FIELDS = ("host", "port", "username", "folder")  # changing one starts the sync afresh
TEST_TIMEOUT = 15.0  # seconds: a person waits on the page


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


@dataclass(frozen=True)
class MailboxForm:
    """The admin's form as typed; `definition()` checks it as the CLI checks its options."""

    name: str
    host: str
    port: str
    security: str
    user: str
    folder: str
    after: str
    credential: str  # env | command | oauth2
    credential_value: str  # a variable's name or a command, never a secret

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> MailboxForm:
        def get(key: str, default: str = "") -> str:
            return (fields.get(key) or default).strip()

        return cls(
            name=get("name"),
            host=get("host"),
            port=get("port"),
            security=get("security"),
            user=get("user"),
            folder=get("folder", "INBOX"),
            after=get("after", "leave"),
            credential=get("credential"),
            credential_value=get("credential_value"),
        )

    @classmethod
    def of(cls, mailbox: Mailbox) -> MailboxForm:
        """The form for editing: the credential's kind, its value left empty (kept)."""
        kind = next((k for k, column in CREDENTIALS.items() if getattr(mailbox, column)), "env")
        return cls(
            name=mailbox.name,
            host=mailbox.host,
            port=str(mailbox.port),
            security=mailbox.security,
            user=mailbox.username,
            folder=mailbox.folder,
            after=mailbox.after_action,
            credential=kind,
            credential_value="",
        )

    def port_number(self) -> int:
        if not self.port.isdigit():
            raise MailboxError(f"port {self.port!r} is not a number")
        return int(self.port)

    def sources(self, keep: Mailbox | None = None) -> dict[str, str | None]:
        """The three credential columns; an empty value on an edit keeps the current one."""
        if self.credential not in CREDENTIALS:
            raise MailboxError("choose where the password or token comes from")
        value = self.credential_value
        if not value and keep is not None:
            value = getattr(keep, CREDENTIALS[self.credential]) or ""
        if not value:
            what = "variable name" if self.credential == "env" else "command"
            raise MailboxError(f"the credential's {what} is empty")
        if self.credential == "env" and not value.replace("_", "").isalnum():
            raise MailboxError(
                f"{value!r} is not an environment variable name (give the name, not the password)"
            )
        return {
            column: (value if kind == self.credential else None)
            for kind, column in CREDENTIALS.items()
        }


def add(session: Session, admin: User, form: MailboxForm) -> Mailbox:
    if not form.user:
        raise MailboxError("user is empty")
    sources = form.sources()
    mailbox = add_mailbox(
        session,
        name=form.name,
        host=form.host,
        port=form.port_number(),
        security=form.security,
        user=form.user,
        folder=form.folder or "INBOX",
        after=form.after,
        password_env=sources["password_env"],
        password_command=sources["password_command"],
        oauth2_token_command=sources["oauth2_token_command"],
    )
    audit(
        session,
        "mailbox_added",
        user=admin,
        mailbox=mailbox.name,
        host=mailbox.host,
        credential=credential_source(mailbox),
        command=mailbox.password_command or mailbox.oauth2_token_command,
    )
    return mailbox


def edit(session: Session, admin: User, mailbox: Mailbox, form: MailboxForm) -> list[str]:
    """Apply the form; returns the fields that changed. A new server, login or folder
    forgets the sync position (UIDs belong to one folder on one server); ingest's
    dedupe keeps mail fetched again from being stored twice."""
    if not form.user:
        raise MailboxError("user is empty")
    sources = form.sources(keep=mailbox)
    port = form.port_number()
    check_definition(name=form.name, host=form.host, port=port, security=form.security, **sources)
    after = check_after_action(form.after)
    if form.name != mailbox.name and session.scalar(
        select(Mailbox.id).where(Mailbox.name == form.name)
    ):
        raise MailboxError(f"a mailbox named {form.name!r} already exists")
    wanted = {
        "name": form.name,
        "host": form.host,
        "port": port,
        "security": form.security,
        "username": form.user,
        "folder": form.folder or "INBOX",
        "after_action": after,
        **sources,
    }
    changed = [key for key, value in wanted.items() if getattr(mailbox, key) != value]
    for key in changed:
        setattr(mailbox, key, wanted[key])
    if any(key in SYNC_FIELDS for key in changed):
        mailbox.uidvalidity = None
        mailbox.last_uid = 0
    if changed:
        audit(
            session,
            "mailbox_edited",
            user=admin,
            mailbox=mailbox.name,
            changed=changed,
            credential=credential_source(mailbox),
            command=mailbox.password_command or mailbox.oauth2_token_command,
        )
    return changed


@dataclass(frozen=True)
class ConnectionTest:
    ok: bool
    text: str


def try_connection(mailbox: Mailbox, ca_file: Path | None) -> ConnectionTest:
    """Log in and open the folder read-only, as the poller would; nothing is fetched."""
    account = ImapAccount.from_mailbox(mailbox)
    try:
        client = connect(account, TEST_TIMEOUT, ca_file)
    except MailboxConfigError as exc:
        return ConnectionTest(False, str(exc))
    except Exception as exc:  # a refused login, a closed port, a timeout: all told as is
        return ConnectionTest(False, f"cannot log in to {mailbox.host}:{mailbox.port}: {exc}")
    try:
        folder = client.select_folder(mailbox.folder, readonly=True)
    except Exception as exc:
        return ConnectionTest(False, f"logged in, but cannot open {mailbox.folder!r}: {exc}")
    finally:
        with contextlib.suppress(Exception):
            client.logout()
    count = folder.get(b"EXISTS", 0)
    return ConnectionTest(
        True, f"logged in and opened {mailbox.folder!r}: {plural(count, 'message')}"
    )
