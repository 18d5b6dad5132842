"""Replies a person writes: a VA's free-form reply, an attorney's own, and their files.

Like rules/review.py, each function takes the session first, audits, and leaves the
commit to the caller. A VA's reply becomes a pending draft (saved, or approved at once
through the outbox); an attorney's is queued as written (an undone one is pending again
and written over when sent anew). Files uploaded onto a reply are checked by their
bytes (inbox/mail/filetypes.py) and the reply's files together stay under a limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from inbox.audit import audit
from inbox.db import prepared
from inbox.mail.build import html_from_text
from inbox.mail.filetypes import UploadError, check_upload, megabytes
from inbox.models import (
    ATTORNEY_REPLY,
    COMPOSED_REPLY,
    Draft,
    DraftFile,
    Message,
    MessageState,
    User,
)
from rules.drafting import reply_subject
from rules.review import QUOTE_ORIGINAL, ReviewError, clean_reply


def pending_attorney_draft(session: Session, message: Message) -> Draft | None:
    """An attorney's reply on this message taken back with Undo (otherwise an attorney's
    draft is never pending: it is queued as it is written)."""
    return session.scalars(
        select(Draft)
        .where(
            Draft.message_id == message.id,
            Draft.template == ATTORNEY_REPLY,
            Draft.state == "pending",
        )
        .order_by(Draft.id.desc())
    ).first()


def _pending_va_draft(session: Session, message: Message) -> Draft | None:
    return session.scalars(
        select(Draft).where(
            Draft.message_id == message.id,
            Draft.template != ATTORNEY_REPLY,
            Draft.state == "pending",
        )
    ).first()


def _write(
    draft: Draft,
    user: User,
    subject: str,
    text: str,
    to: Sequence[str] | None,
    cc: Sequence[str] | None,
    quote: bool,
) -> None:
    draft.subject, draft.body_text, draft.body_html = subject, text, html_from_text(text)
    draft.to_addrs = list(to) if to else None  # None: the thread's reply-all
    draft.cc_addrs = list(cc) if cc is not None else None
    draft.data = {**(draft.data or {}), QUOTE_ORIGINAL: quote}
    draft.updated_by_id = user.id


def attorney_draft(
    session: Session,
    message: Message,
    user: User,
    body_text: str,
    *,
    subject: str | None = None,
    to: Sequence[str] | None = None,
    cc: Sequence[str] | None = None,
    quote: bool = False,
) -> Draft:
    """An attorney's own reply, as a draft to send under their name (the outbox queues
    it). `subject` defaults to "Re: " and the original's; `to`/`cc` to reply-all."""
    if not body_text.strip():
        raise ReviewError("the reply is empty")
    if to is not None and not to:
        raise ReviewError("To: the reply needs at least one address")
    subject, text = clean_reply(subject or reply_subject(message.subject), body_text)
    draft = pending_attorney_draft(session, message)  # a reply undone, now sent again
    if draft is None:
        draft = Draft(message_id=message.id, template=ATTORNEY_REPLY, data={})
        session.add(draft)
    _write(draft, user, subject, text, to, cc, quote)
    session.flush()
    audit(session, "attorney_reply", user=user, message=message, draft_id=draft.id)
    return draft


def compose_draft(
    session: Session,
    message: Message,
    user: User,
    *,
    subject: str,
    body_text: str,
    to: Sequence[str] | None = None,
    cc: Sequence[str] | None = None,
    quote: bool = False,
) -> Draft:
    """A VA's own reply (after a wrong draft was discarded, or where none was made): a
    pending draft like any other, edited, approved and undone the same way."""
    if message.state == MessageState.QUARANTINED:
        raise ReviewError("a quarantined message cannot be answered from here")
    if _pending_va_draft(session, message) is not None:
        raise ReviewError("this message already has a draft: edit that one (or discard it)")
    if to is not None and not to:
        raise ReviewError("To: the reply needs at least one address")
    subject, text = clean_reply(subject, body_text)
    draft = Draft(message_id=message.id, template=COMPOSED_REPLY, data={})
    _write(draft, user, subject, text, to, cc, quote)
    session.add(draft)
    if message.state in (MessageState.TRIAGE, MessageState.NO_REPLY, MessageState.DONE):
        message.state = MessageState.REVIEW  # a reply waits: the drafts queue has it
    session.flush()
    audit(session, "compose_reply", user=user, message=message, draft_id=draft.id)
    return draft


def draft_files(session: Session, draft_id: int) -> list[DraftFile]:
    """The files on a reply, without their bytes (for listing)."""
    return list(
        session.scalars(
            prepared(  # a lookup by key (inbox/db.py), on every message page with a reply
                select(DraftFile)
                .options(defer(DraftFile.content))
                .where(DraftFile.draft_id == draft_id)
                .order_by(DraftFile.id)
            )
        )
    )


def attach_files(
    session: Session,
    draft: Draft,
    user: User,
    files: Sequence[tuple[str, bytes]],
    limit: int,
) -> list[DraftFile]:
    """Store uploaded (file name, bytes) on a pending reply, all or none: each checked
    by its bytes, and the reply's files together at most `limit` bytes."""
    if not files:
        return []
    if draft.state != "pending":
        raise ReviewError(f"this draft is {draft.state}; files can no longer be added")
    used = session.scalar(
        select(func.coalesce(func.sum(DraftFile.size), 0)).where(DraftFile.draft_id == draft.id)
    )
    room = limit - int(used or 0)
    stored = []
    for name, content in files:
        try:
            upload = check_upload(name, content, room)
        except UploadError as exc:
            raise ReviewError(
                f"Attachments: {exc} (a reply's files may total {megabytes(limit)}); "
                "nothing was attached"
            ) from None
        room -= upload.size
        stored.append(
            DraftFile(
                draft_id=draft.id,
                filename=upload.filename,
                content_type=upload.content_type,
                size=upload.size,
                content=upload.content,
                uploaded_by_id=user.id,
            )
        )
    session.add_all(stored)
    session.flush()
    message = session.get(Message, draft.message_id)
    names = [f.filename for f in stored]
    audit(session, "attach_files", user=user, message=message, draft_id=draft.id, files=names)
    return stored


def remove_files(session: Session, draft: Draft, user: User, file_ids: Sequence[int]) -> None:
    """Take files off a pending reply (ids of other drafts' files are ignored)."""
    if not file_ids:
        return
    if draft.state != "pending":
        raise ReviewError(f"this draft is {draft.state}; its files can no longer change")
    gone = list(
        session.scalars(
            select(DraftFile).where(DraftFile.draft_id == draft.id, DraftFile.id.in_(file_ids))
        )
    )
    for found in gone:
        session.delete(found)
    session.flush()
    if gone:
        message = session.get(Message, draft.message_id)
        names = [f.filename for f in gone]
        audit(session, "remove_files", user=user, message=message, draft_id=draft.id, files=names)
