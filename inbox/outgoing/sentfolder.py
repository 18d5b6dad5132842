"""The mailbox side of sending, over IMAP: the Sent folder and the \\Answered flag. I/O only.

The Sent folder is the outbox's memory outside the database: a mail whose
Message-ID is in it was handed to the SMTP server, so a worker that finds an entry
left half-sent after a crash looks there before sending again.
"""

from __future__ import annotations

import datetime as dt
import enum
import imaplib
import logging
import re
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.imapclient import ANSWERED, SEEN, SENT

from inbox.imap import ImapAccount, MailboxConfigError, connect

log = logging.getLogger(__name__)

IMAP_ERRORS = (
    OSError,
    socket.timeout,
    ssl.SSLError,
    imaplib.IMAP4.error,
    IMAPClientError,
    EOFError,
    MailboxConfigError,
)
DEFAULT_SENT = "Sent"
# On our copy from its APPEND until the end of data has been sent: a copy that still
# has it after a crash may stand for a mail the server never got.
PENDING = b"$InboxRouterPending"
_PENDING_LOWER = PENDING.lower()
_APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]", re.IGNORECASE)
_T = TypeVar("_T")


class Copy(enum.Enum):
    """What the Sent folder says about one mail."""

    MISSING = "missing"  # never reached the server
    CONFIRMED = "confirmed"  # its end of data was sent: the server has it
    PENDING = "pending"  # filed, but the worker stopped around the end of data


class SentFolderError(Exception):
    """The mailbox could not be reached or refused a command; the text says which."""


@dataclass(frozen=True)
class AnswerTarget:
    """Where the client's original lies, to flag it \\Answered after a reply is sent.

    With `uid`, that UID in `folder` (only while the folder's UIDVALIDITY is still
    `uidvalidity`); without, the message is found by its Message-ID (it was moved).
    """

    folder: str
    message_id: str | None
    uid: int | None = None
    uidvalidity: int | None = None


class SentFolder:
    """One mailbox's Sent folder over one IMAP connection, opened when first needed."""

    def __init__(
        self,
        account: ImapAccount,
        configured_folder: str | None,
        timeout: float,
        ca_file: Path | None = None,
    ):
        self.account = account
        self.ca_file = ca_file
        self.configured_folder = configured_folder
        self.timeout = timeout
        self._client: IMAPClient | None = None
        self._folder: str | None = None
        self._selected: tuple[str, bool] | None = None  # folder, writable

    # -- connection ---------------------------------------------------------------

    def _connected(self) -> IMAPClient:
        if self._client is None:
            self._client = connect(self.account, self.timeout, self.ca_file)
        return self._client

    @property
    def folder(self) -> str:
        """The configured Sent folder, else the one flagged \\Sent (RFC 6154), else "Sent"."""
        if self._folder is None:
            found = None if self.configured_folder else self._connected().find_special_folder(SENT)
            self._folder = self.configured_folder or found or DEFAULT_SENT
        return self._folder

    def _run(self, what: str, action: Callable[[IMAPClient], _T]) -> _T:
        """Run one IMAP exchange; on failure drop the connection so the next call reconnects."""
        try:
            return action(self._connected())
        except IMAP_ERRORS as exc:
            self._drop()
            text = f"{self.account.name}: {what}: {type(exc).__name__}: {exc}"
            raise SentFolderError(text) from exc

    def _drop(self) -> None:
        self._selected = None
        if self._client is not None:
            try:
                self._client.shutdown()
            except IMAP_ERRORS:
                log.debug("shutting down a broken IMAP connection failed", exc_info=True)
            self._client = None

    def close(self) -> None:
        if self._client is None:
            return
        try:
            self._client.logout()  # closes the connection too
        except IMAP_ERRORS:
            log.debug("IMAP logout failed", exc_info=True)
            self._drop()
        self._client, self._selected = None, None

    # -- the Sent folder ----------------------------------------------------------

    def _select(self, client: IMAPClient, folder: str, *, writable: bool) -> dict[bytes, Any]:
        """SELECT (or EXAMINE) unless the folder is already open in a sufficient mode."""
        if self._selected == (folder, True) or self._selected == (folder, writable):
            return {}
        status = client.select_folder(folder, readonly=not writable)
        self._selected = (folder, writable)
        return status

    def _find(self, client: IMAPClient, message_id: str, *, writable: bool = False) -> list[int]:
        """Always a fresh SELECT: copies other sessions filed meanwhile must be seen."""
        if not client.folder_exists(self.folder):
            return []  # nothing was ever filed: the first append creates it
        client.select_folder(self.folder, readonly=not writable)
        self._selected = (self.folder, writable)
        return sorted(client.search(["UNDELETED", "HEADER", "Message-ID", message_id]))

    def lookup(self, message_id: str) -> Copy:
        """Is this mail in the Sent folder, and was its end of data sent (deleted copies
        do not count)?"""

        def action(client: IMAPClient) -> Copy:
            uids = self._find(client, message_id)
            if not uids:
                return Copy.MISSING
            flags = client.get_flags(uids).values()
            pending = [any(f.lower() == _PENDING_LOWER for f in each) for each in flags]
            return Copy.PENDING if all(pending) else Copy.CONFIRMED

        return self._run("search the Sent folder", action)

    def append(self, content: bytes, when: dt.datetime, *, pending: bool = False) -> int | None:
        """File a copy, marked read, dated as the mail is; return its UID when the server
        says (UIDPLUS). `pending` marks it until `confirm` says the end of data went out."""
        flags = (SEEN, PENDING) if pending else (SEEN,)

        def action(client: IMAPClient) -> bytes:
            try:
                return client.append(self.folder, content, flags=flags, msg_time=when)
            except IMAPClientError as exc:
                if "TRYCREATE" not in str(exc):  # RFC 3501 6.3.11: the folder is missing
                    raise
                client.create_folder(self.folder)
                return client.append(self.folder, content, flags=flags, msg_time=when)

        reply = self._run("append to the Sent folder", action)
        found = _APPENDUID.search(reply if isinstance(reply, bytes) else str(reply).encode())
        return int(found.group(1)) if found else None

    def confirm(self, uid: int | None, message_id: str) -> None:
        """The end of data was sent: the copy now stands for a mail the server has."""

        def action(client: IMAPClient) -> None:
            if uid is None:
                uids = self._find(client, message_id, writable=True)
            else:
                self._select(client, self.folder, writable=True)
                uids = [uid]
            if uids and not client.remove_flags(uids, [PENDING]):
                client.noop()  # the session had not seen the new copy yet
                client.remove_flags(uids, [PENDING])

        self._run("confirm the Sent copy", action)

    def remove(self, message_id: str) -> int:
        """Delete our copies of a mail the server did not accept; return how many."""

        def action(client: IMAPClient) -> int:
            uids = self._find(client, message_id, writable=True)
            if uids:
                client.delete_messages(uids)
                if client.has_capability("UIDPLUS"):
                    client.uid_expunge(uids)  # only ours, never someone else's \\Deleted mail
            return len(uids)

        return self._run("remove from the Sent folder", action)

    # -- the client's original ----------------------------------------------------

    def mark_answered(self, target: AnswerTarget) -> bool:
        """Flag the original \\Answered; False when it is no longer where we knew it."""

        def action(client: IMAPClient) -> bool:
            status = client.select_folder(target.folder)
            self._selected = (target.folder, True)
            uids: list[int] = []
            if target.uid is not None:
                current = int(status.get(b"UIDVALIDITY", 0) or 0)
                if target.uidvalidity is None or current == target.uidvalidity:
                    uids = [target.uid]
            elif target.message_id:
                uids = list(client.search(["HEADER", "Message-ID", target.message_id]))
            if uids:
                client.add_flags(uids, [ANSWERED])
            return bool(uids)

        return self._run(f"flag answered in {target.folder}", action)
