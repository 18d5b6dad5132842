"""The pipeline runner: one transaction per message, failures kept, the loop goes on.

Every source (files, mbox, the IMAP poller) hands raw bytes to `ingest_batch` or
`ingest_one`, which parse, store (exactly once) and run the later stages. A message
that cannot be parsed, or that makes a stage fail, is stored raw as quarantined
with the reason; it never stops the messages behind it.

A batch is first tried in one transaction (one commit, not one per message); if
anything in it fails, it is rolled back and each message is done again in its own
transaction, where a failure is quarantined. Mail that fails is rare, so the
common case pays one commit a batch, and the rare one costs what it always did.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from inbox.ingest.store import (
    StoredMessage,
    StoreOutcome,
    existing_message,
    store_parsed,
    store_quarantined,
)
from inbox.mail.keys import dedupe_key, key_for_raw
from inbox.mail.limits import MailLimits, over_limit
from inbox.mail.parse import MalformedMessage, ParsedMessage, parse_message
from inbox.vocabulary import catch_up

log = logging.getLogger(__name__)

# A stage gets the open session, the stored message (its id) and its parse; it records its
# results on the message (or beside it) and raises only on a real failure. A stage
# may also have `prepare(parsed_messages)`, called once per batch before the
# messages are stored one by one (the classifier vectorizes a batch at once).
Stage = Callable[[Session, StoredMessage, ParsedMessage], None]
Parsed = tuple[ParsedMessage | None, str | None]  # the message, or why it could not be read


def parse_safely(raw: bytes, origin: str, limits: MailLimits | None = None) -> Parsed:
    """Parse, turning any failure into a reason: a parser bug must not lose the mail.

    Mail over the size limits is not parsed at all: it is quarantined with its raw
    bytes and the limit it broke (nothing lost, nothing slow)."""
    too_large = over_limit(raw, limits or MailLimits())
    if too_large is not None:
        return None, f"over limit: {too_large}"
    try:
        return parse_message(raw), None
    except MalformedMessage as exc:
        return None, f"malformed: {exc}"
    except Exception as exc:
        log.exception("parser failed on %s", origin)
        return None, f"parser error: {type(exc).__name__}: {exc}"


def prepare_stages(
    stages: Sequence[Stage],
    parsed: Sequence[ParsedMessage | None],
    precomputed: Sequence[list[object] | None] | None = None,
) -> None:
    """Let stages prepare a batch; `precomputed[i]` is stage i's worker result, if any.

    Results line up with the stages that offer `worker_job` (see `worker_jobs`).
    """
    messages = [p for p in parsed if p is not None]
    if not messages:
        return
    results = iter(precomputed or ())
    for stage in stages:
        result = next(results, None) if hasattr(stage, "worker_job") else None
        prepare = getattr(stage, "prepare", None)
        if prepare is None:
            continue
        try:
            if result is not None:
                prepare(messages, result)
            else:
                prepare(messages)
        except Exception:  # preparing is an optimisation; each message still runs
            log.exception("stage preparation failed; continuing message by message")


WorkerJob = Callable[[list[ParsedMessage]], list[object]]


def worker_jobs(stages: Sequence[Stage]) -> list[WorkerJob | None]:
    """Each stage's job for an ingest worker (one per stage offering `worker_job`)."""
    return [stage.worker_job() for stage in stages if hasattr(stage, "worker_job")]


# Called inside the message's transaction, after it is stored: the poller saves its
# UID bookkeeping here so that the two commit together.
OnStored = Callable[[Session, StoreOutcome], None]


@dataclass
class IngestSummary:
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    unreadable: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.stored + self.duplicates + self.quarantined + self.unreadable

    def add(self, outcome: StoreOutcome, origin: str) -> None:
        if outcome.status == "stored":
            self.stored += 1
        elif outcome.status == "duplicate":
            self.duplicates += 1
        else:
            self.quarantined += 1
            self.problems.append(f"{origin}: quarantined: {outcome.reason}")

    def line(self) -> str:
        text = f"stored {self.stored}, duplicates {self.duplicates}, quarantined {self.quarantined}"
        if self.unreadable:
            text += f", unreadable {self.unreadable}"
        return text + f" (total {self.total})"


def ingest_one(
    factory: sessionmaker[Session],
    raw: bytes,
    *,
    origin: str,
    stages: Sequence[Stage] = (),
    mailbox_id: int | None = None,
    imap_uid: int | None = None,
    on_stored: OnStored | None = None,
    parsed_result: Parsed | None = None,
) -> StoreOutcome:
    """Parse (unless given), store and process one message in one transaction.

    Never raises for bad mail; raises only when the database itself fails.
    """
    parsed, parse_error = parsed_result or parse_safely(raw, origin)
    key = dedupe_key(parsed, raw) if parsed is not None else key_for_raw(raw)
    where = {"mailbox_id": mailbox_id, "imap_uid": imap_uid}

    try:
        with factory() as session, session.begin():
            outcome = _store(session, raw, (parsed, parse_error), key, origin, stages, where)
            if on_stored is not None:
                on_stored(session, outcome)
            return outcome
    except IntegrityError:
        # Another process stored the same message between our check and insert.
        with factory() as session, session.begin():
            found = existing_message(session, key)
            if found is not None:
                outcome = StoreOutcome("duplicate", found)
                if on_stored is not None:
                    on_stored(session, outcome)
                return outcome
        return _quarantine_after_failure(
            factory, raw, key, origin, "integrity error", where, on_stored
        )
    except Exception as exc:
        log.exception("processing failed for %s", origin)
        reason = f"processing failed: {type(exc).__name__}: {exc}"
        detail = traceback.format_exc(limit=3)
        return _quarantine_after_failure(
            factory, raw, key, origin, f"{reason}\n{detail}", where, on_stored
        )


def _store(
    session: Session,
    raw: bytes,
    parsed_result: Parsed,
    key: str,
    origin: str,
    stages: Sequence[Stage],
    where: dict[str, int | None],
) -> StoreOutcome:
    """A duplicate, or stored quarantined (unparseable), or stored and run through
    the stages. Raises whatever a stage raises; the caller decides what that means."""
    parsed, parse_error = parsed_result
    found = existing_message(session, key)
    if found is not None:
        return StoreOutcome("duplicate", found)
    if parsed is None:
        assert parse_error is not None
        message = store_quarantined(session, raw, parse_error, origin=origin, key=key, **where)
        return StoreOutcome("quarantined", message.id, parse_error)
    message = store_parsed(session, parsed, raw, origin=origin, key=key, **where)
    for stage in stages:
        stage(session, message, parsed)
    return StoreOutcome("stored", message.id)


def _quarantine_after_failure(
    factory: sessionmaker[Session],
    raw: bytes,
    key: str,
    origin: str,
    reason: str,
    where: dict[str, int | None],
    on_stored: OnStored | None,
) -> StoreOutcome:
    """Keep the raw mail in a fresh transaction; if even that fails, let it raise."""
    with factory() as session, session.begin():
        found = existing_message(session, key)
        if found is not None:
            outcome = StoreOutcome("duplicate", found)
        else:
            message = store_quarantined(
                session,
                raw,
                reason,
                origin=origin,
                key=key,
                mailbox_id=where["mailbox_id"],
                imap_uid=where["imap_uid"],
            )
            outcome = StoreOutcome("quarantined", message.id, reason.splitlines()[0])
        if on_stored is not None:
            on_stored(session, outcome)
        return outcome


@dataclass(frozen=True)
class BatchItem:
    raw: bytes
    origin: str
    parsed: Parsed
    mailbox_id: int | None = None
    imap_uid: int | None = None


def ingest_batch(
    factory: sessionmaker[Session],
    items: Sequence[BatchItem],
    *,
    stages: Sequence[Stage] = (),
    on_stored: Callable[[Session, BatchItem], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[StoreOutcome]:
    """Store and process a batch, in one transaction if none of it fails.

    `on_stored(session, item)` runs in the transaction that stores `item` (for the
    last item only, when the batch commits as one). `should_stop` is asked before
    each message: the messages done so far commit, the rest are left. Raises only
    when the database itself fails.
    """
    try:
        outcomes = _ingest_together(factory, items, stages, on_stored, should_stop)
    except Exception:
        log.warning(
            "a batch of %d failed as one transaction; storing each on its own",
            len(items),
            exc_info=True,
        )
    else:
        _keep_vocabulary(factory)
        return outcomes
    outcomes = []
    for item in items:
        if should_stop():
            break
        stored = (lambda s, _o, item=item: on_stored(s, item)) if on_stored else None
        outcomes.append(
            ingest_one(
                factory,
                item.raw,
                origin=item.origin,
                stages=stages,
                mailbox_id=item.mailbox_id,
                imap_uid=item.imap_uid,
                on_stored=stored,
                parsed_result=item.parsed,
            )
        )
    _keep_vocabulary(factory)
    return outcomes


def _keep_vocabulary(factory: sessionmaker[Session]) -> None:
    """SQLite: the words of the mail just stored, for the search's typo lookup, added
    now (inbox/vocabulary.py; a few ms a batch), not left to a search."""
    with factory() as session:
        catch_up(session.get_bind())


def _ingest_together(
    factory: sessionmaker[Session],
    items: Sequence[BatchItem],
    stages: Sequence[Stage],
    on_stored: Callable[[Session, BatchItem], None] | None,
    should_stop: Callable[[], bool],
) -> list[StoreOutcome]:
    """The fast path: no quarantine here; any failure raises and rolls all of it back."""
    outcomes: list[StoreOutcome] = []
    with factory() as session, session.begin():
        for item in items:
            if should_stop():
                break
            parsed = item.parsed[0]
            key = dedupe_key(parsed, item.raw) if parsed is not None else key_for_raw(item.raw)
            where = {"mailbox_id": item.mailbox_id, "imap_uid": item.imap_uid}
            outcomes.append(_store(session, item.raw, item.parsed, key, item.origin, stages, where))
        if outcomes and on_stored is not None:
            on_stored(session, items[len(outcomes) - 1])
    return outcomes


def ingest_many(
    factory: sessionmaker[Session],
    items: Iterable[tuple[str, bytes | None, str | None]],
    *,
    stages: Sequence[Stage] = (),
    progress: Callable[[], None] | None = None,
    batch: int = 50,
    limits: MailLimits | None = None,
) -> IngestSummary:
    """Run (origin, raw, read_error) items through `ingest_one`; count what happened."""
    summary = IngestSummary()
    for chunk in _chunks(items, batch):
        parsed = [parse_safely(raw, origin, limits) for origin, raw, _ in chunk if raw is not None]
        prepare_stages(stages, [p[0] for p in parsed])
        readable = [(origin, raw) for origin, raw, _ in chunk if raw is not None]
        outcomes = ingest_batch(
            factory,
            [BatchItem(raw, origin, p) for (origin, raw), p in zip(readable, parsed, strict=True)],
            stages=stages,
        )
        for (origin, _), outcome in zip(readable, outcomes, strict=True):
            summary.add(outcome, origin)
        for origin, raw, error in chunk:
            if raw is None:
                summary.unreadable += 1
                summary.problems.append(f"{origin}: {error}")
        if progress is not None:
            for _ in chunk:
                progress()
    return summary


def _chunks(
    items: Iterable[tuple[str, bytes | None, str | None]], size: int
) -> Iterable[list[tuple[str, bytes | None, str | None]]]:
    chunk: list[tuple[str, bytes | None, str | None]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
