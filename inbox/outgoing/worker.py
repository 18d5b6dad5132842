"""The outbox worker: each queued mail goes to the SMTP server once, never twice.

States: queued -> sending -> sent | failed, or held for a person.

- Undo window. An approved reply is queued with `next_attempt_at` at the end of its
  undo window (INBOX_ROUTER_UNDO_SECONDS); not due before, it is not claimed, and Undo
  (outbox.undo_send) deletes it only while it is still `queued` and never tried.
- Claim. A worker moves one due entry from `queued` to `sending` in its own committed
  transaction (`UPDATE ... WHERE id = ? AND state = 'queued'`; a rowcount of 0 means
  another worker got it). The claim adds one to `attempts`, which then serves as the
  claim's token: every later change is made only `WHERE state = 'sending' AND
  attempts = <ours>`. `next_attempt_at` holds the claim's expiry while `sending`.
- Send. No transaction is open while talking to servers. The worker keeps within its
  claim: it sends the end-of-data dot only while the claim has time left, so an
  entry whose claim expired was not sent by a live worker after that.
- Steps. Each attempt records how far it got in `send_step` (inbox/models.py
  SendStep), committed before it goes on: claimed, DATA begun, copy filed, and, last,
  the end of data about to be written. An SMTP server accepts a mail only at its
  end-of-data dot, and drops it when the connection ends before; so an entry a dead
  worker left at any earlier step sent nothing, and is simply queued again.
- Exactly once. An entry still `sending` at step END after its claim expired belongs
  to a worker that died around the dot; the server may or may not have accepted it.
  The mailbox's Sent folder is searched for its Message-ID. For the answer to mean
  something, the worker files its copy *before* the end-of-data dot, marked pending,
  and clears the mark right after writing the dot (an APPEND after the server's
  reply would leave a gap in which a crash causes a duplicate). So at recovery: no
  copy - it never reached the server, queue it again; a confirmed copy - the server
  has it, record it sent, never send again; a copy still pending - the crash fell
  between the dot and the reply, and the entry is held for a person ("Delivery
  unknown: ..."), as no guess is safe: guessing "sent" can lose the mail, guessing
  "not sent" can send it twice. A copy of a mail the server refuses is removed. With
  `smtp_saves_sent` the server files the copy itself (Gmail, Microsoft 365),
  atomically with accepting it. (An entry without a step, left by a version before
  steps were recorded, takes this path too.)
- Without any IMAP mailbox there is nothing to look in: an entry left at step END is
  held for a person too, never sent a second time on a guess.
- Failures. A 5xx reply fails the entry at once; 4xx replies, timeouts and lost
  connections retry with exponential backoff and jitter up to `send_max_attempts`.
  The last error is kept on the entry. A connection lost after the dot but before
  the server's reply is retried, as every MTA does: the one duplicate SMTP itself
  allows (RFC 5321 6.1). With `smtp_saves_sent` the retry first looks in Sent, so
  not even that one is sent twice.
- After the send: the entry, its draft and the client's message are updated in one
  transaction; only then is the original flagged \\Answered on the server.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import re
import signal
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from inbox.db import transaction
from inbox.imap import ImapAccount
from inbox.mail.build import OutgoingMail, UnexpectedHeader, as_utc, render
from inbox.models import (
    AuditEvent,
    Draft,
    DraftFile,
    FirmDocument,
    Mailbox,
    Message,
    MessageState,
    OutboxEntry,
    OutboxState,
    SendStep,
    utcnow,
)
from inbox.outgoing.sentfolder import AnswerTarget, Copy, SentFolder, SentFolderError
from inbox.outgoing.smtp import DeliveryError, SmtpConnection
from inbox.settings import Settings

log = logging.getLogger(__name__)

UNKNOWN_DELIVERY = "Delivery unknown:"
# The mail's bytes read back with a header field the product did not write (see
# inbox/mail/headers.py): never sent; a person cancels it.
HEADER_HOLD = "Unexpected header:"
NO_MAILBOX = (
    "the worker stopped while sending, and no IMAP mailbox is configured whose Sent "
    "folder would tell."
)
AT_THE_END = (
    "the worker stopped just as the end of the mail went to the server (its Sent copy "
    "is still marked pending), so the server may or may not have it."
)
BEFORE_THE_END = "the worker stopped before the end of the mail went to the server; not sent"
RECOVERED = (
    "found in the Sent folder after the worker stopped while sending: recorded as sent, "
    "not sent again"
)
FOUND_BEFORE_RETRY = "found in the Sent folder before a retry: the server had accepted it"
CLAIM_SAFETY = 0.1  # share of the claim kept back for clock skew between workers
_UIDVALIDITY = re.compile(r";UIDVALIDITY=(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class MailboxRef:
    """The IMAP mailbox whose Sent folder records an entry (no ORM object kept)."""

    id: int
    account: ImapAccount
    sent_folder: str | None


@dataclass(frozen=True)
class Claim:
    """One entry this worker holds in `sending`, with what sending it needs."""

    entry_id: int
    attempt: int
    retry: bool  # tried before (or held, failed, sent again): a copy may be left in Sent
    mail: OutgoingMail
    mailbox: MailboxRef | None
    answer: AnswerTarget | None
    deadline: float  # time.monotonic() after which this worker must not send it
    step: str | None = SendStep.CLAIMED  # how far the attempt got (for a stale entry)


@dataclass
class PassSummary:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    held: int = 0
    recovered: int = 0  # half-sent, found in Sent: recorded as sent, not sent again
    requeued: int = 0  # half-sent, not in Sent: queued again
    problems: list[str] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        counts = (self.sent, self.retrying, self.failed, self.held, self.recovered, self.requeued)
        return any(counts) or bool(self.problems)

    def line(self) -> str:
        return (
            f"sent {self.sent}, retrying {self.retrying}, failed {self.failed}, "
            f"held {self.held}, recovered {self.recovered}, requeued {self.requeued}"
        )


class ClaimExpired(DeliveryError):
    """Too slow: past the claim another worker may take the entry over."""


def outgoing_mail(
    entry: OutboxEntry, attachments: tuple[tuple[str, str, bytes], ...] = ()
) -> OutgoingMail:
    """What one outbox entry says, detached from the ORM, ready to render (`attachments`:
    its firm documents, read by `attached_documents`)."""
    return OutgoingMail(
        message_id=entry.mail_message_id,
        from_addr=entry.from_addr,
        to=tuple(entry.to_addrs or ()),
        cc=tuple(entry.cc_addrs or ()),
        reply_to=entry.reply_to,
        subject=entry.subject,
        body_text=entry.body_text,
        body_html=entry.body_html,
        in_reply_to=entry.in_reply_to,
        references=tuple(entry.references or ()),
        auto_submitted=entry.auto_submitted,
        date=as_utc(entry.queued_at),
        attachments=attachments,
    )


def attached_documents(session: Session, entry: OutboxEntry) -> tuple[tuple[str, str, bytes], ...]:
    """The files an entry attaches, as (file name, content type, bytes): the firm
    documents it names, then the files people uploaded onto its draft.

    Approval checked each is on file (`queue_reply`), and documents are only ever
    replaced by a newer import, never deleted."""
    names = list(entry.attachments or [])
    on_file = select(FirmDocument).where(FirmDocument.name.in_(names))
    found = {d.name: d for d in (session.scalars(on_file) if names else ())}
    documents = tuple(
        (n.rsplit("/", 1)[-1], found[n].content_type, found[n].content) for n in names if n in found
    )
    if entry.draft_id is None:
        return documents
    uploaded = session.execute(
        select(DraftFile.filename, DraftFile.content_type, DraftFile.content)
        .where(DraftFile.draft_id == entry.draft_id)
        .order_by(DraftFile.id)
    )
    return documents + tuple((name, kind, content) for name, kind, content in uploaded)


def retry_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds before attempt `attempt + 1`: doubling from `base` up to `cap`, with
    "equal jitter" (half fixed, half random) so queued mail does not retry in step."""
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay / 2 + rng.uniform(0, delay / 2)


class OutboxWorker:
    """Runs passes over the outbox; one entry at a time, so nothing else shares its loop."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.rng = rng or random.Random()

    # -- the loop ---------------------------------------------------------------

    async def run(
        self, stop: asyncio.Event, on_pass: Callable[[PassSummary], None] | None = None
    ) -> None:
        """Pass after pass until `stop` is set; a failing pass is logged, not fatal."""
        while not stop.is_set():
            try:
                summary = await self.run_once(stop)
            except Exception:
                log.exception("outbox pass failed; trying again shortly")
            else:
                if on_pass is not None:
                    on_pass(summary)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.send_poll_seconds)

    async def run_once(self, stop: asyncio.Event | None = None) -> PassSummary:
        """Settle abandoned entries, then send every due one (until `stop` is set)."""
        summary = PassSummary()
        smtp = SmtpConnection(self.settings)
        folders: dict[int, SentFolder] = {}
        try:
            self._recover(folders, summary)
            while stop is None or not stop.is_set():
                claim = self._claim_next()
                if claim is None:
                    break
                if await self._deliver(claim, smtp, folders, summary):
                    break  # the server is down: leave the rest for the next pass
        finally:
            await smtp.close()
            for folder in folders.values():
                folder.close()
        return summary

    # -- claiming ---------------------------------------------------------------

    def _claim_next(self) -> Claim | None:
        now = utcnow()
        lease = dt.timedelta(seconds=self.settings.send_claim_seconds)
        deadline = time.monotonic() + self.settings.send_claim_seconds * (1 - CLAIM_SAFETY)
        with transaction(self.factory) as session:
            due = session.scalars(
                select(OutboxEntry.id)
                .where(OutboxEntry.state == OutboxState.QUEUED, OutboxEntry.next_attempt_at <= now)
                .order_by(OutboxEntry.next_attempt_at, OutboxEntry.id)
                .limit(10)
            ).all()
            for entry_id in due:
                claimed = session.execute(
                    update(OutboxEntry)
                    .where(OutboxEntry.id == entry_id, OutboxEntry.state == OutboxState.QUEUED)
                    .values(
                        state=OutboxState.SENDING,
                        attempts=OutboxEntry.attempts + 1,
                        send_step=SendStep.CLAIMED,
                        next_attempt_at=now + lease,
                    )
                    .execution_options(synchronize_session=False)
                ).rowcount
                if claimed == 1:
                    entry = session.get_one(OutboxEntry, entry_id, populate_existing=True)
                    return self._claim_for(session, entry, deadline)
        return None

    def _claim_for(self, session: Session, entry: OutboxEntry, deadline: float) -> Claim:
        message = session.get(Message, entry.message_id) if entry.message_id else None
        mailbox = _mailbox_for(session, message)
        answer = None
        if entry.kind == "reply" and message is not None and mailbox is not None:
            answer = _answer_target(mailbox, message)
        return Claim(
            entry_id=entry.id,
            attempt=entry.attempts,
            retry=entry.attempts > 1 or entry.last_error is not None,
            mail=outgoing_mail(entry, attached_documents(session, entry)),
            mailbox=_mailbox_ref(mailbox),
            answer=answer,
            deadline=deadline,
            step=entry.send_step,
        )

    # -- sending ----------------------------------------------------------------

    async def _deliver(
        self,
        claim: Claim,
        smtp: SmtpConnection,
        folders: dict[int, SentFolder],
        summary: PassSummary,
    ) -> bool:
        """One attempt at one entry; True when the SMTP server is unusable for now."""
        try:
            content = render(claim.mail)
        except UnexpectedHeader as exc:
            self._hold_malformed(claim, str(exc), summary)
            return False
        except (ValueError, TypeError) as exc:  # a malformed address, no To...
            error = DeliveryError(f"cannot build the mail: {exc}", permanent=True)
            self._settle_failure(claim, error, summary)
            return False
        folder = _folder(folders, claim.mailbox, self.settings)
        own_copy = folder is not None and not self.settings.smtp_saves_sent
        filed: list[int | None] = []  # the UID of our copy, once it is in Sent

        def on_data() -> None:
            self._record_step(claim, SendStep.DATA)

        def before_end() -> None:
            margin = self.settings.imap_timeout if own_copy else 0.0
            if time.monotonic() + margin > claim.deadline:
                raise ClaimExpired("took longer than the claim allows; not sent")
            if own_copy:
                assert folder is not None
                filed.append(folder.append(content, claim.mail.date, pending=True))
                self._record_step(claim, SendStep.FILED)
            self._record_step(claim, SendStep.END)  # last: from here the server may have it

        def after_end() -> None:
            if filed:
                assert folder is not None
                try:
                    folder.confirm(filed[0], claim.mail.message_id)
                except SentFolderError as exc:  # only matters if we stop before the commit
                    log.warning("entry %s: Sent copy left pending: %s", claim.entry_id, exc)

        try:
            if claim.retry and folder is not None:
                if self.settings.smtp_saves_sent:
                    if folder.lookup(claim.mail.message_id) is not Copy.MISSING:
                        if self._settle_sent(claim, FOUND_BEFORE_RETRY, summary):
                            summary.recovered += 1
                            self._flag_answered(claim, folder, summary)
                        return False
                else:
                    folder.remove(claim.mail.message_id)  # left by a refused attempt
            # The envelope sender is always the shared inbox, so bounces come back where
            # they are screened and seen, even for an attorney's reply.
            reply = await smtp.send(
                self.settings.shared_address,
                claim.mail.recipients,
                content,
                before_end,
                after_end,
                on_data=on_data,
            )
        except SentFolderError as exc:
            self._settle_failure(claim, DeliveryError(f"mailbox: {exc}"), summary)
            return True  # the mailbox is unreachable: the next entries need it too
        except DeliveryError as exc:
            if filed:
                self._remove_copy(claim, folder, summary)
            self._settle_failure(claim, exc, summary)
            return exc.server_down
        if self._settle_sent(claim, reply, summary):
            summary.sent += 1
            self._flag_answered(claim, folder, summary)
        return False

    def _hold_malformed(self, claim: Claim, why: str, summary: PassSummary) -> None:
        self._hold(claim, f"{HEADER_HOLD} {why}. Cancel it and write the reply again.", summary)

    def _remove_copy(self, claim: Claim, folder: SentFolder | None, summary: PassSummary) -> None:
        assert folder is not None
        try:
            folder.remove(claim.mail.message_id)
        except SentFolderError as exc:  # the next attempt removes it before sending
            summary.problems.append(f"entry {claim.entry_id}: {exc}")
            log.warning("entry %s: could not remove the Sent copy: %s", claim.entry_id, exc)

    def _flag_answered(self, claim: Claim, folder: SentFolder | None, summary: PassSummary) -> None:
        """After the commit, as the server is touched only then; a miss is only logged."""
        if folder is None or claim.answer is None:
            return
        try:
            if not folder.mark_answered(claim.answer):
                log.info("entry %s: original no longer in %s", claim.entry_id, claim.answer.folder)
        except SentFolderError as exc:
            summary.problems.append(f"entry {claim.entry_id}: \\Answered not set: {exc}")
            log.warning("entry %s: could not flag the original answered: %s", claim.entry_id, exc)

    def _record_step(self, claim: Claim, step: str) -> None:
        """Commit how far the attempt got before going on; a claim lost meanwhile (it
        expired and another worker took the entry) stops the attempt here."""
        with transaction(self.factory) as session:
            done = session.execute(
                self._ours(claim)
                .values(send_step=step)
                .execution_options(synchronize_session=False)
            ).rowcount
        if done != 1:
            raise ClaimExpired("the entry was taken over by another worker; not sent")

    # -- settling an attempt ------------------------------------------------------

    def _ours(self, claim: Claim):  # type: ignore[no-untyped-def]
        """Still our claim: nobody settled or took over the entry meanwhile."""
        return update(OutboxEntry).where(
            OutboxEntry.id == claim.entry_id,
            OutboxEntry.state == OutboxState.SENDING,
            OutboxEntry.attempts == claim.attempt,
        )

    def _settle_sent(self, claim: Claim, reply: str, summary: PassSummary) -> bool:
        """Record the send (`reply` is the server's, or RECOVERED / FOUND_BEFORE_RETRY)."""
        now = utcnow()
        with transaction(self.factory) as session:
            done = session.execute(
                self._ours(claim)
                .values(state=OutboxState.SENT, sent_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if done != 1:
                summary.problems.append(f"entry {claim.entry_id}: settled elsewhere meanwhile")
                return False
            entry = session.get_one(OutboxEntry, claim.entry_id)
            record_sent(session, entry, now)
            if reply in (RECOVERED, FOUND_BEFORE_RETRY):
                _event(session, "outbox_recovered", entry, reason=reply)
            else:
                _event(session, "outbox_sent", entry, server_reply=reply[:500])
        return True

    def _settle_failure(self, claim: Claim, error: DeliveryError, summary: PassSummary) -> None:
        limit = self.settings.send_max_attempts
        text = f"attempt {claim.attempt} of {limit}: {error}"[:4000]
        give_up = error.permanent or claim.attempt >= limit
        now = utcnow()
        if give_up:
            values: dict[str, Any] = {"state": OutboxState.FAILED, "last_error": text}
        else:
            wait = retry_delay(
                claim.attempt,
                self.settings.send_retry_seconds,
                self.settings.send_retry_max_seconds,
                self.rng,
            )
            values = {
                "state": OutboxState.QUEUED,
                "last_error": text,
                "next_attempt_at": now + dt.timedelta(seconds=wait),
            }
        with transaction(self.factory) as session:
            done = session.execute(
                self._ours(claim).values(**values).execution_options(synchronize_session=False)
            ).rowcount
            if done == 1 and give_up:
                entry = session.get_one(OutboxEntry, claim.entry_id)
                _event(session, "outbox_failed", entry, error=text)
        if done != 1:
            summary.problems.append(f"entry {claim.entry_id}: settled elsewhere meanwhile")
        elif give_up:
            summary.failed += 1
        else:
            summary.retrying += 1
        log.warning("outbox entry %s: %s", claim.entry_id, text)

    # -- recovering abandoned entries -----------------------------------------------

    def _recover(self, folders: dict[int, SentFolder], summary: PassSummary) -> None:
        """Entries left `sending` by a worker that died: look in Sent before anything else.

        The stale entry is settled through a claim with the attempt it was left at, so
        two workers recovering it at once (or one claiming it meanwhile) cannot both win.
        """
        now = utcnow()
        with self.factory() as session:
            stale = [
                self._claim_for(session, entry, deadline=time.monotonic())
                for entry in session.scalars(
                    select(OutboxEntry)
                    .where(
                        OutboxEntry.state == OutboxState.SENDING,
                        OutboxEntry.next_attempt_at <= now,
                    )
                    .order_by(OutboxEntry.id)
                )
            ]
        for claim in stale:
            if claim.step in SendStep.BEFORE_END:  # the end of data never left: not sent
                if self._requeue(claim, summary):
                    self._drop_unsent_copy(claim, folders)
                continue
            folder = _folder(folders, claim.mailbox, self.settings)
            if folder is None:
                self._hold_unknown(claim, NO_MAILBOX, summary)
                continue
            try:
                copy = folder.lookup(claim.mail.message_id)
            except SentFolderError as exc:  # stays `sending`; checked again next pass
                self._note(claim, f"cannot check the Sent folder: {exc}", summary)
                continue
            if copy is Copy.MISSING:
                self._requeue(claim, summary)
            elif copy is Copy.PENDING:
                self._hold_unknown(claim, AT_THE_END, summary)
            elif self._settle_sent(claim, RECOVERED, summary):
                summary.recovered += 1
                self._flag_answered(claim, folder, summary)

    def _drop_unsent_copy(self, claim: Claim, folders: dict[int, SentFolder]) -> None:
        """The pending copy of a mail that never left, once its entry has failed for good
        (a retry removes it itself, as the claim holder: removing it here then could
        delete the copy a new attempt just filed). A miss is only logged."""
        if claim.step == SendStep.CLAIMED or self.settings.smtp_saves_sent:
            return  # nothing filed yet, or only the server files copies
        folder = _folder(folders, claim.mailbox, self.settings)
        if folder is None:
            return
        try:
            folder.remove(claim.mail.message_id)
        except SentFolderError as exc:
            log.warning("entry %s: unsent copy left in Sent for now: %s", claim.entry_id, exc)

    def _note(self, claim: Claim, text: str, summary: PassSummary) -> None:
        """Show why an entry is stuck, on the entry itself, without changing its state."""
        summary.problems.append(f"entry {claim.entry_id}: {text}")
        log.warning("outbox entry %s: %s", claim.entry_id, text)
        with transaction(self.factory) as session:
            session.execute(
                self._ours(claim)
                .values(last_error=text[:4000])
                .execution_options(synchronize_session=False)
            )

    def _requeue(self, claim: Claim, summary: PassSummary) -> bool:
        """It never reached the server. Queue it again, or give up (True)."""
        limit = self.settings.send_max_attempts
        if claim.attempt >= limit:
            error = DeliveryError("the worker stopped while sending, every time", permanent=True)
            self._settle_failure(claim, error, summary)
            return True
        text = f"attempt {claim.attempt} of {limit}: {BEFORE_THE_END}"
        with transaction(self.factory) as session:
            done = session.execute(
                self._ours(claim)
                .values(state=OutboxState.QUEUED, next_attempt_at=utcnow(), last_error=text)
                .execution_options(synchronize_session=False)
            ).rowcount
        if done == 1:
            summary.requeued += 1
        return False

    def _hold_unknown(self, claim: Claim, why: str, summary: PassSummary) -> None:
        """A person decides whether it arrived, rather than risk a duplicate or a loss."""
        reason = (
            f"{UNKNOWN_DELIVERY} {why} Check whether the recipient got it, then mark it "
            "delivered, send it again or cancel it."
        )
        self._hold(claim, reason, summary, reason=reason)

    def _hold(self, claim: Claim, held_for: str, summary: PassSummary, **detail: object) -> None:
        """Hold the entry for a person (`held_for`: the reason shown), if this worker still
        holds it."""
        with transaction(self.factory) as session:
            done = session.execute(
                self._ours(claim)
                .values(state=OutboxState.HELD, hold_reason=held_for, last_error=held_for)
                .execution_options(synchronize_session=False)
            ).rowcount
            if done == 1:
                entry = session.get_one(OutboxEntry, claim.entry_id)
                _event(session, "outbox_held", entry, **detail)
        if done == 1:
            summary.held += 1


# -- helpers used while claiming and settling -------------------------------------------


def _mailbox_for(session: Session, message: Message | None) -> Mailbox | None:
    """The original message's mailbox, else the first enabled one, else None."""
    if message is not None and message.mailbox_id is not None:
        found = session.get(Mailbox, message.mailbox_id)
        if found is not None:
            return found
    return session.scalars(
        select(Mailbox).where(Mailbox.enabled.is_(True)).order_by(Mailbox.id).limit(1)
    ).first()


def _mailbox_ref(mailbox: Mailbox | None) -> MailboxRef | None:
    if mailbox is None:
        return None
    return MailboxRef(mailbox.id, ImapAccount.from_mailbox(mailbox), mailbox.sent_folder)


def _answer_target(mailbox: Mailbox, message: Message) -> AnswerTarget | None:
    """Only for a message that came from this mailbox over IMAP."""
    if message.mailbox_id != mailbox.id or message.imap_uid is None:
        return None
    message_id = None if message.message_id_synthetic else message.message_id
    if mailbox.after_action.startswith("move:"):
        moved_to = mailbox.after_action.split(":", 1)[1]
        return AnswerTarget(moved_to, message_id) if message_id else None
    match = _UIDVALIDITY.search(message.origin or "")
    return AnswerTarget(
        folder=mailbox.folder,
        message_id=message_id,
        uid=message.imap_uid,
        uidvalidity=int(match.group(1)) if match else mailbox.uidvalidity,
    )


def _folder(
    folders: dict[int, SentFolder], ref: MailboxRef | None, settings: Settings
) -> SentFolder | None:
    if ref is None:
        return None
    if ref.id not in folders:
        folders[ref.id] = SentFolder(
            ref.account, ref.sent_folder, settings.imap_timeout, settings.imap_ca_file
        )
    return folders[ref.id]


def record_sent(session: Session, entry: OutboxEntry, when: dt.datetime) -> None:
    """What a sent mail changes beside its entry: its draft, and the client's message
    (a reply answers it; a notice or an acknowledgement does not)."""
    if entry.draft_id is not None:
        draft = session.get(Draft, entry.draft_id)
        if draft is not None:
            draft.state = "sent"
    if entry.kind == "reply" and entry.message_id is not None:
        message = session.get(Message, entry.message_id)
        if message is not None:
            if message.state != MessageState.DONE:
                message.state = MessageState.ANSWERED
            if message.first_response_at is None:
                message.first_response_at = when


def _event(session: Session, action: str, entry: OutboxEntry, **detail: object) -> None:
    """The machine's notable outbox events, beside the people's in the audit log."""
    session.add(
        AuditEvent(
            actor="system",
            action=action,
            message_id=entry.message_id,
            detail={
                "outbox_id": entry.id,
                "kind": entry.kind,
                "mail_message_id": entry.mail_message_id,
                "to": list(entry.to_addrs or []),
                "cc": list(entry.cc_addrs or []),
                "attempts": entry.attempts,
                **detail,
            },
        )
    )


# -- the entry point for `inbox-router send` (and for poll/serve to embed) -----------


def run_until_signalled(
    worker: OutboxWorker,
    on_pass: Callable[[PassSummary], None] | None = None,
    on_start: Callable[[], None] | None = None,
) -> None:
    """Run the worker loop; SIGTERM or SIGINT lets the current mail finish, then returns.

    `on_start` runs once the signals are caught, so "started" means "stoppable"."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        signals = (signal.SIGTERM, signal.SIGINT)
        for sig in signals:
            loop.add_signal_handler(sig, stop.set)
        if on_start is not None:
            on_start()
        try:
            await worker.run(stop, on_pass)
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)

    asyncio.run(main())


def run_in_thread(worker: OutboxWorker, stop: threading.Event) -> threading.Thread:
    """The worker beside another loop (`poll`, later `serve`), until `stop` is set."""

    async def main() -> None:
        done = asyncio.Event()

        async def watch() -> None:
            while not stop.is_set():
                await asyncio.sleep(0.2)
            done.set()

        watcher = asyncio.create_task(watch())
        try:
            await worker.run(done)
        finally:
            watcher.cancel()
            with suppress(asyncio.CancelledError):
                await watcher

    thread = threading.Thread(target=lambda: asyncio.run(main()), name="outbox", daemon=True)
    thread.start()
    return thread
