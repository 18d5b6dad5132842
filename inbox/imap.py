"""Opening an authenticated IMAP connection for a registered mailbox. I/O only.

Secrets are never stored: the mailbox row names an environment variable or a
command that prints the password (or an OAuth2 access token for XOAUTH2, which
Gmail and Microsoft 365 require).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

SECURITY = ("ssl", "starttls", "plain")


class MailboxConfigError(ValueError):
    """The mailbox cannot be connected as configured; the text says what to fix."""


@dataclass(frozen=True)
class ImapAccount:
    """What is needed to log in; built from a Mailbox row (no ORM object kept)."""

    name: str
    host: str
    port: int
    security: str
    username: str
    password_env: str | None = None
    password_command: str | None = None
    oauth2_token_command: str | None = None

    @classmethod
    def from_mailbox(cls, mailbox) -> ImapAccount:  # type: ignore[no-untyped-def]
        return cls(
            name=mailbox.name,
            host=mailbox.host,
            port=mailbox.port,
            security=mailbox.security,
            username=mailbox.username,
            password_env=mailbox.password_env,
            password_command=mailbox.password_command,
            oauth2_token_command=mailbox.oauth2_token_command,
        )


def _run_secret_command(command: str, what: str) -> str:
    try:
        done = subprocess.run(
            shlex.split(command), capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MailboxConfigError(f"{what} command failed: {exc}") from None
    if done.returncode != 0:
        raise MailboxConfigError(
            f"{what} command exited {done.returncode}: {done.stderr.strip()[:200]}"
        )
    secret = done.stdout.strip()
    if not secret:
        raise MailboxConfigError(f"{what} command printed nothing")
    return secret


def run_password_command(command: str) -> str:
    """A password printed by a configured command; SMTP logins read theirs this way too."""
    return _run_secret_command(command, "password")


def secret_for(account: ImapAccount) -> tuple[str, str]:
    """('password' | 'oauth2', secret), read fresh at each connection."""
    if account.oauth2_token_command:
        return "oauth2", _run_secret_command(account.oauth2_token_command, "OAuth2 token")
    if account.password_command:
        return "password", _run_secret_command(account.password_command, "password")
    if account.password_env:
        value = os.environ.get(account.password_env)
        if value is None:
            raise MailboxConfigError(
                f"mailbox {account.name}: environment variable {account.password_env} is not set"
            )
        return "password", value
    raise MailboxConfigError(f"mailbox {account.name}: no password or token source")


def tls_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """Certificates are always verified, host name included; `ca_file` (a PEM bundle,
    INBOX_ROUTER_IMAP_CA_FILE) replaces the system's trusted CAs, for a private CA."""
    if ca_file is not None and not Path(ca_file).is_file():
        raise MailboxConfigError(f"IMAP CA file {ca_file} does not exist")
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def connect(account: ImapAccount, timeout: float, ca_file: Path | None = None) -> IMAPClient:
    """Connect, secure the channel as configured, and log in."""
    if account.security not in SECURITY:
        raise MailboxConfigError(f"security must be one of {', '.join(SECURITY)}")
    context = tls_context(ca_file) if account.security != "plain" else None
    client: IMAPClient | None = None
    try:
        client = IMAPClient(
            account.host,
            port=account.port,
            ssl=account.security == "ssl",
            ssl_context=context if account.security == "ssl" else None,
            timeout=timeout,
        )
        if account.security == "starttls":
            client.starttls(context)
        kind, secret = secret_for(account)
        if kind == "oauth2":
            client.oauth2_login(account.username, secret)
        else:
            client.login(account.username, secret)
    except ssl.SSLCertVerificationError as exc:
        _shutdown(client)
        raise MailboxConfigError(
            f"mailbox {account.name}: the TLS certificate of {account.host}:{account.port} "
            f"was refused: {exc.verify_message or exc.reason} (a private CA can be trusted "
            "with INBOX_ROUTER_IMAP_CA_FILE)"
        ) from exc
    except Exception:
        _shutdown(client)
        raise
    return client


def _shutdown(client: IMAPClient | None) -> None:
    if client is not None:
        with contextlib.suppress(Exception):  # already broken: the first error matters
            client.shutdown()
