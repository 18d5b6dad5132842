"""The embedded default: the sample firm and mailbox, loaded through the real pipeline,
and made to look like a firm a month in.

The sample was written as of one day (SAMPLE_DAY). Loaded as it is, every matter's next
step would be in the past on any later day, and the whole mailbox would arrive in the
minute the demo starts. So, relative to the day it runs: the firm's dates move by the
days since SAMPLE_DAY (a next step still ahead stays ahead); the mail is dated over the
past four weeks (its own Date's time of day kept), the older drafts were answered then
(one to five hours after they came), and the escalation notices of those weeks went out
then (nothing is mailed the moment the demo starts). Every date is computed from the
sample's own files, so loading again on the same day changes nothing and on a later day
moves everything to that day.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import io
import shutil
import tempfile
from collections.abc import Callable, Iterable
from email.parser import BytesHeaderParser
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from inbox.ingest.files import ingest_paths
from inbox.models import AuditEvent, Draft, Message, MessageState, OutboxEntry, OutboxState
from inbox.outgoing.outbox import (
    OutboxError,
    outside_recipients,
    queue_reply,
    reply_recipients,
)
from inbox.outgoing.worker import record_sent
from inbox.settings import PROJECT_ROOT, Settings
from rules.directory_import import import_directory

SAMPLE_FIRM = PROJECT_ROOT / "rules" / "sample_firm"
SAMPLE_MAILBOX = PROJECT_ROOT / "inbox" / "sample_mailbox"

SAMPLE_DAY = dt.date(2026, 11, 21)  # the day after the sample mailbox's last mail
DATE_COLUMNS = {
    "matters.csv": ("opened", "next_date", "updated"),
    "invoices.csv": ("issued", "due"),
    "payments.csv": ("date",),
    "trust.csv": ("as_of",),
}
SPREAD = 1.5  # the sample's 19 days of mail become 4 weeks
ARRIVAL = dt.timedelta(minutes=2)  # from the sender's Date to the shared inbox
ANSWERED_AFTER_DAYS = 12  # drafts on mail older than this were answered back then
ANSWER_HOURS = (1, 5)  # the first answer came this many hours after the mail, at most
NOTICE_DELAY = dt.timedelta(minutes=1)


def load_sample(
    settings: Settings,
    factory: sessionmaker[Session],
    out: Callable[[str], None] = print,
    *,
    as_of: dt.datetime | None = None,
) -> None:
    """The sample firm and mailbox through the real pipeline (idempotent); with `as_of`,
    dated as a firm a month in on that day (the demo), else as written (the tests)."""
    with tempfile.TemporaryDirectory() as scratch:
        firm = SAMPLE_FIRM
        if as_of is not None:
            firm = shifted_firm(SAMPLE_FIRM, Path(scratch), (as_of.date() - SAMPLE_DAY).days)
        with factory() as session, session.begin():
            results = import_directory(session, firm)
    for result in results:
        out(f"{result.file}: {result.rows} rows")
    out(ingest_paths(factory, settings, [SAMPLE_MAILBOX]).line())
    if as_of is not None:
        with factory() as session, session.begin():
            aged = age_sample_mail(session, settings, as_of)
        out(f"dated over the past four weeks: {aged}")


# -- the firm's records ---------------------------------------------------------------


def shift_csv_dates(text: str, columns: Iterable[str], days: int) -> str:
    """The CSV with these date columns (where present and filled) moved by `days`."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return text
    header = rows[0]
    where = [header.index(c) for c in columns if c in header]
    for row in rows[1:]:
        for i in where:
            if i < len(row) and row[i].strip():
                row[i] = (dt.date.fromisoformat(row[i].strip()) + dt.timedelta(days)).isoformat()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def shifted_firm(source: Path, target: Path, days: int) -> Path:
    """A copy of the firm directory with its dates moved by `days`."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    for name, columns in DATE_COLUMNS.items():
        path = target / name
        if path.exists():
            path.write_text(
                shift_csv_dates(path.read_text(encoding="utf-8"), columns, days), encoding="utf-8"
            )
    return target


# -- the mail -----------------------------------------------------------------------------


def aged_date(written: dt.datetime, now: dt.datetime) -> dt.datetime:
    """Where a mail the sample dates `written` falls in the four weeks before `now`: its
    distance in days from SAMPLE_DAY spread by SPREAD, its time of day (in its own zone)
    kept; never later than now. In UTC, as the database keeps times."""
    days_before = (SAMPLE_DAY - written.date()).days - 1
    moved_back = int(days_before * SPREAD)
    day = now.astimezone(written.tzinfo).date() - dt.timedelta(days=moved_back)
    return min(dt.datetime.combine(day, written.timetz()), now - ARRIVAL).astimezone(dt.UTC)


def written_date(raw: bytes) -> dt.datetime | None:
    """The Date header of the mail as the sample file has it."""
    value = BytesHeaderParser().parsebytes(raw).get("Date")
    try:
        return email.utils.parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError):
        return None


def age_sample_mail(session: Session, settings: Settings, now: dt.datetime) -> str:
    """Date the sample mail over the past weeks, answer the older drafts and send the
    older notices back then; returns what it did, for the console."""
    messages = session.scalars(
        select(Message)
        .where(Message.origin.contains(SAMPLE_MAILBOX.name))
        .options(joinedload(Message.raw))
    ).all()
    moved = answered = notices = 0
    for message in messages:
        written = written_date(message.raw.content) if message.raw is not None else None
        if written is None:
            continue
        sent = aged_date(written, now)
        moved += _redate(session, message, sent, sent + ARRIVAL)
        if now - _utc(message.received_at) >= dt.timedelta(days=ANSWERED_AFTER_DAYS):
            answered += _answer_back_then(session, settings, message)
        notices += _notices_sent_back_then(session, message)
    return f"{moved} mails moved, {answered} drafts answered then, {notices} notices sent then"


def _utc(when: dt.datetime) -> dt.datetime:
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when  # SQLite: naive UTC


def _redate(session: Session, message: Message, sent: dt.datetime, received: dt.datetime) -> int:
    """Set the mail's dates; what was timed from its arrival (SLA, the answer, its
    outbox mail) moves with it."""
    delta = received - _utc(message.received_at)
    message.sent_at = sent
    if not delta:
        return 0
    message.received_at = received
    if message.sla_due_at is not None:
        message.sla_due_at += delta
    if message.first_response_at is not None:
        message.first_response_at += delta
    for entry in session.scalars(select(OutboxEntry).where(OutboxEntry.message_id == message.id)):
        entry.queued_at += delta
        entry.next_attempt_at += delta
        if entry.sent_at is not None:
            entry.sent_at += delta
    for draft in session.scalars(select(Draft).where(Draft.message_id == message.id)):
        draft.created_at += delta
    return 1


def answer_delay(received: dt.datetime) -> dt.timedelta:
    """How long the firm took to answer a mail: between one and five hours, varied by its
    arrival minute (the same on every load), so the first-response chart has a spread."""
    low, high = ANSWER_HOURS
    return dt.timedelta(
        minutes=60 * low + (received.minute * 37 + received.second) % (60 * (high - low))
    )


def _answer_back_then(session: Session, settings: Settings, message: Message) -> int:
    if message.state != MessageState.REVIEW:
        return 0
    draft = session.scalars(
        select(Draft)
        .where(Draft.message_id == message.id, Draft.state == "pending")
        .order_by(Draft.id.desc())
    ).first()
    if draft is None:
        return 0
    when = _utc(message.received_at) + answer_delay(message.received_at)
    if outside_recipients(session, message, reply_recipients(message, settings)):
        return 0  # a reply held for a person to confirm its recipient stays waiting
    try:
        entry = queue_reply(session, draft, None, settings, now=when)
    except OutboxError:
        return 0  # a reply that would need a person (an unusual recipient) stays waiting
    if entry.state != OutboxState.QUEUED:
        return 0
    message.state = MessageState.SENDING
    _sent_back_then(session, entry, when)
    record_sent(session, entry, when)
    return 1


def _notices_sent_back_then(session: Session, message: Message) -> int:
    entries = session.scalars(
        select(OutboxEntry).where(
            OutboxEntry.message_id == message.id,
            OutboxEntry.kind == "notice",
            OutboxEntry.state == OutboxState.QUEUED,
        )
    ).all()
    for entry in entries:
        _sent_back_then(session, entry, _utc(message.received_at) + NOTICE_DELAY)
    return len(entries)


def _sent_back_then(session: Session, entry: OutboxEntry, when: dt.datetime) -> None:
    """Mark a mail of the demo's past as delivered then (the demo's sink never gets it)."""
    entry.state = OutboxState.SENT
    entry.sent_at = when
    entry.queued_at = min(_utc(entry.queued_at), when)
    session.add(
        AuditEvent(
            at=when,
            actor="system",
            action="demo_history",
            message_id=entry.message_id,
            detail={"outbox_id": entry.id, "kind": entry.kind, "sent_at": when.isoformat()},
        )
    )
