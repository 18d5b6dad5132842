"""Storing parsed (or unparseable) mail, exactly once.

The dedupe key is the hash of the Message-ID, or of the raw bytes when the message
has none, and is unique in the database: the same mail ingested twice, from a file
and then from IMAP, or by two pollers at once, is stored once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause

from inbox.mail.keys import dedupe_key, message_id_hash
from inbox.mail.parse import ParsedMessage
from inbox.models import Attachment, Message, MessageState, RawMessage, Thread

Status = Literal["stored", "duplicate", "quarantined"]


@dataclass(frozen=True)
class StoreOutcome:
    status: Status
    message_pk: int | None
    reason: str | None = None


def existing_message(session: Session, key: str) -> int | None:
    return session.execute(_FIND_BY_KEY, {"key": key}).scalar_one_or_none()


@dataclass(frozen=True)
class StoredMessage:
    """What later stages need of a freshly stored message: its key, not an ORM object."""

    id: int
    thread_id: int | None


# Core tables: ingest writes plain INSERTs. The ORM unit of work (change tracking, a
# topological sort per flush) cost more per message than parsing it.
_MESSAGES = Message.__table__
_RAW = RawMessage.__table__
_ATTACHMENTS = Attachment.__table__
_THREADS = Thread.__table__
# Built once: statements are constants, only their parameters change per message.
_FIND_BY_KEY = select(_MESSAGES.c.id).where(_MESSAGES.c.dedupe_key == bindparam("key"))
_FIND_THREAD = (
    select(_MESSAGES.c.thread_id)
    .where(
        _MESSAGES.c.message_id_hash.in_(bindparam("hashes", expanding=True)),
        _MESSAGES.c.thread_id.is_not(None),
    )
    .limit(1)
)
_INSERT = {table: insert(table) for table in (_MESSAGES, _RAW, _ATTACHMENTS, _THREADS)}


def _insert(session: Session, table: FromClause, values: dict[str, object]) -> int:
    result = session.execute(_INSERT[table], values)
    return int(result.inserted_primary_key[0])


def store_parsed(
    session: Session,
    parsed: ParsedMessage,
    raw: bytes,
    *,
    origin: str,
    mailbox_id: int | None = None,
    imap_uid: int | None = None,
    key: str | None = None,
) -> StoredMessage:
    """Add the message, its raw bytes and attachments; link it to its thread."""
    thread_id = _thread_for(session, parsed)
    message_id = _insert(
        session,
        _MESSAGES,
        {
            "dedupe_key": key or dedupe_key(parsed, raw),
            "message_id": parsed.message_id,
            "message_id_hash": message_id_hash(parsed.message_id),
            "message_id_synthetic": parsed.message_id_synthetic,
            "mailbox_id": mailbox_id,
            "imap_uid": imap_uid,
            "origin": origin,
            "state": MessageState.RECEIVED,
            "subject": parsed.subject,
            "from_name": parsed.sender.name if parsed.sender else "",
            "from_addr": parsed.sender_addr,
            "to_addrs": [a.as_dict() for a in parsed.to],
            "cc_addrs": [a.as_dict() for a in parsed.cc],
            "reply_to": [a.as_dict() for a in parsed.reply_to],
            "sent_at": parsed.date,
            "headers": [list(h) for h in parsed.headers],
            "text_body": parsed.text,
            "html_body": parsed.html,
            "html_remote_images": parsed.html_remote_images if parsed.html is not None else None,
            "new_text": parsed.new_text,
            "in_reply_to": parsed.in_reply_to,
            "references": list(parsed.references),
            "is_auto_submitted": parsed.screening.auto_submitted,
            "is_bulk": parsed.screening.bulk,
            "is_bounce": parsed.screening.bounce,
            "screen_reasons": list(parsed.screening.reasons),
            "parse_defects": list(parsed.defects),
            "size": parsed.size,
            "thread_id": thread_id,
        },
    )
    session.execute(
        _INSERT[_RAW],
        {"message_id": message_id, "sha256": parsed.content_sha256, "content": raw},
    )
    if parsed.attachments:
        session.execute(
            _INSERT[_ATTACHMENTS],
            [
                {
                    "message_id": message_id,
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": a.size,
                    "content_id": a.content_id,
                    "inline": a.inline,
                    "content": a.content,
                }
                for a in parsed.attachments
            ],
        )
    return StoredMessage(message_id, thread_id)


def store_quarantined(
    session: Session,
    raw: bytes,
    reason: str,
    *,
    origin: str,
    key: str | None = None,
    mailbox_id: int | None = None,
    imap_uid: int | None = None,
) -> StoredMessage:
    """Keep mail we could not read or process, with why, so a human can look at it."""
    sha = hashlib.sha256(raw).hexdigest()
    message_id = _insert(
        session,
        _MESSAGES,
        {
            "dedupe_key": key or ("raw:" + sha),
            "message_id": f"<{sha[:40]}@quarantine.inbox-router.invalid>",
            "message_id_hash": sha,
            "message_id_synthetic": True,
            "mailbox_id": mailbox_id,
            "imap_uid": imap_uid,
            "origin": origin,
            "state": MessageState.QUARANTINED,
            "error": reason[:4000],
            "subject": _best_effort_subject(raw),
            "size": len(raw),
        },
    )
    session.execute(_INSERT[_RAW], {"message_id": message_id, "sha256": sha, "content": raw})
    return StoredMessage(message_id, None)


def _thread_for(session: Session, parsed: ParsedMessage) -> int:
    """Join the thread of any earlier message this one replies to, else start one."""
    parents = [*parsed.references, *([parsed.in_reply_to] if parsed.in_reply_to else [])]
    if parents:
        hashes = [message_id_hash(p) for p in parents]
        thread_id = session.execute(_FIND_THREAD, {"hashes": hashes}).scalar_one_or_none()
        if thread_id is not None:
            return int(thread_id)
    return _insert(session, _THREADS, {"subject": parsed.subject[:1000]})


def _best_effort_subject(raw: bytes) -> str:
    for line in raw[:8192].splitlines():
        if line[:8].lower() == b"subject:":
            return line[8:].strip().decode("utf-8", "replace")[:300]
    return ""
