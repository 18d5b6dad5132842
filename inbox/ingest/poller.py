"""The IMAP poller: push ingest from real mailboxes, exactly once. IMAP I/O only.

Per mailbox folder: UIDVALIDITY and the highest ingested UID are saved in the same
transaction as the messages, one transaction per fetched batch (so a crash at any
line neither loses nor repeats mail: an uncommitted batch is fetched again). New
mail is fetched with BODY.PEEK[] in batches (nothing is marked seen before it is
stored), one batch ahead: an ingest worker parses and classifies the next batch
while this one is stored (inbox/ingest/prework.py). The server is touched (flag, move)
only after the commit; client mail is never deleted or expunged. Between passes
the poller waits in IMAP IDLE (RFC 2177), re-issued before the 29-minute limit, or
polls at an interval when the server has no IDLE. Network errors reconnect with
exponential backoff and jitter; every outcome is recorded in the mailbox's health
fields.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import socket
import ssl
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import Engine, bindparam, case, func, text, update
from sqlalchemy.orm import Session, sessionmaker

from inbox.imap import ImapAccount, MailboxConfigError, connect
from inbox.ingest.prework import IN_PROCESS, Preworked, PreworkPool
from inbox.ingest.runner import (
    BatchItem,
    IngestSummary,
    Parsed,
    Stage,
    ingest_batch,
    prepare_stages,
    worker_jobs,
)
from inbox.ingest.store import StoreOutcome
from inbox.models import Mailbox

log = logging.getLogger(__name__)

FETCH_BATCH = 100
IDLE_RENEW_SECONDS = 25 * 60  # RFC 2177: servers may drop IDLE after 30 minutes
KEYWORD = "$InboxRouter"
_MAILBOXES = Mailbox.__table__
_SAVE_UID = (  # last_uid only grows
    update(_MAILBOXES)
    .where(_MAILBOXES.c.id == bindparam("pk"))
    .values(
        uidvalidity=bindparam("validity"),
        last_uid=case(
            (func.coalesce(_MAILBOXES.c.last_uid, 0) < bindparam("uid"), bindparam("uid")),
            else_=_MAILBOXES.c.last_uid,
        ),
    )
)
NETWORK_ERRORS = (OSError, socket.timeout, ssl.SSLError, IMAPClientError, EOFError)


@dataclass(frozen=True)
class PollerOptions:
    poll_interval: float = 60.0  # when the server has no IDLE
    idle_check_seconds: float = 1.0  # how often IDLE wakes to look at the stop flag
    backoff_base: float = 1.0
    backoff_max: float = 300.0
    imap_timeout: float = 60.0
    imap_ca_file: Path | None = None  # trusted instead of the system CAs (a private CA)


@dataclass(frozen=True)
class MailboxSnapshot:
    """The mailbox row's fields the poller needs, read once per pass."""

    id: int
    name: str
    account: ImapAccount
    folder: str
    after_action: str
    since: dt.date | None
    uidvalidity: int | None
    last_uid: int


@dataclass
class PassResult:
    summary: IngestSummary = field(default_factory=IngestSummary)
    uidvalidity_reset: bool = False


def snapshot(session: Session, mailbox_id: int) -> MailboxSnapshot:
    box = session.get_one(Mailbox, mailbox_id)
    return MailboxSnapshot(
        id=box.id,
        name=box.name,
        account=ImapAccount.from_mailbox(box),
        folder=box.folder,
        after_action=box.after_action,
        since=box.since,
        uidvalidity=box.uidvalidity,
        last_uid=box.last_uid or 0,
    )


@contextmanager
def folder_lock(engine: Engine, mailbox_id: int) -> Iterator[bool]:
    """One poller per mailbox folder. On PostgreSQL an advisory lock held for the pass;
    on SQLite the database's single writer and the dedupe key already serialize."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as connection:
        key = 0x1B0C_0000 + mailbox_id
        got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        try:
            yield got
        finally:
            if got:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            connection.commit()


class MailboxPoller:
    """Polls one mailbox folder; `run` loops until `stop` is set."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        mailbox_id: int,
        stages: Sequence[Stage],
        options: PollerOptions,
        stop: threading.Event,
        pool: PreworkPool = IN_PROCESS,
    ) -> None:
        self.factory = factory
        self.pool = pool
        self.mailbox_id = mailbox_id
        self.stages = stages
        self.options = options
        self.stop = stop
        self.client: IMAPClient | None = None
        self.failures = 0

    # -- one pass --------------------------------------------------------------

    def poll_once(self) -> PassResult:
        """Connect if needed, fetch everything new, store it. Raises on network errors."""
        engine = self.factory.kw["bind"]
        with folder_lock(engine, self.mailbox_id) as locked:
            if not locked:
                log.info("mailbox %s is being polled by another process", self.mailbox_id)
                return PassResult()
            with self.factory() as session:
                box = snapshot(session, self.mailbox_id)
            client = self._client(box)
            status = client.select_folder(box.folder, readonly=False)
            uidvalidity = int(status[b"UIDVALIDITY"])
            result = PassResult()
            last_uid = box.last_uid
            if box.uidvalidity is not None and box.uidvalidity != uidvalidity:
                log.warning(
                    "mailbox %s: UIDVALIDITY changed %s -> %s; resyncing (dedupe keeps it once)",
                    box.name,
                    box.uidvalidity,
                    uidvalidity,
                )
                result.uidvalidity_reset = True
                last_uid = 0
                self._save_sync_state(uidvalidity, 0)
            uids = self._new_uids(client, box, last_uid)
            for raws, preworked in self._fetched_batches(client, box, uidvalidity, uids):
                prepare_stages(self.stages, preworked.messages, preworked.results)
                parsed = dict(zip(raws, preworked.parsed, strict=True))
                done = self._store_batch(box, uidvalidity, raws, parsed)
                for uid, outcome in done:
                    result.summary.add(outcome, f"uid {uid}")
                self._after(client, box, [uid for uid, _ in done])
            self._record_success()
            if result.summary.total or result.uidvalidity_reset:
                log.info("mailbox %s: %s", box.name, result.summary.line())
            return result

    def _client(self, box: MailboxSnapshot) -> IMAPClient:
        if self.client is None:
            self.client = connect(box.account, self.options.imap_timeout, self.options.imap_ca_file)
        return self.client

    def _new_uids(self, client: IMAPClient, box: MailboxSnapshot, last_uid: int) -> list[int]:
        if last_uid == 0 and box.since is not None:
            found = client.search(["SINCE", box.since])
        else:
            found = client.search(["UID", f"{last_uid + 1}:*"])
        # "n:*" always matches the highest UID, even when it is below n.
        return sorted(int(u) for u in found if int(u) > last_uid)

    def _fetched_batches(
        self, client: IMAPClient, box: MailboxSnapshot, uidvalidity: int, uids: list[int]
    ) -> Iterator[tuple[dict[int, bytes], Preworked]]:
        """Fetch batch k+1 and hand it to the worker before batch k is given out."""
        jobs = worker_jobs(self.stages)
        ahead = None
        for start in range(0, len(uids), FETCH_BATCH):
            if self.stop.is_set():
                return
            batch = uids[start : start + FETCH_BATCH]
            fetched = client.fetch(batch, ["BODY.PEEK[]"])
            raws = {  # in UID order: the saved last UID must never pass an unstored one
                uid: bytes(fetched[uid][b"BODY[]"])
                for uid in sorted(fetched)
                if fetched[uid].get(b"BODY[]") is not None
            }
            origins = [_origin(box, uidvalidity, uid) for uid in raws]
            pending = self.pool.submit(list(raws.values()), origins, jobs)
            if ahead is not None:
                yield ahead[0], ahead[1]()
            ahead = (raws, pending)
        if ahead is not None and not self.stop.is_set():
            yield ahead[0], ahead[1]()

    def _store_batch(
        self,
        box: MailboxSnapshot,
        uidvalidity: int,
        raws: dict[int, bytes],
        parsed: dict[int, Parsed],
    ) -> list[tuple[int, StoreOutcome]]:
        """Store a fetched batch with its UID bookkeeping in the same transaction.

        Stored and counted, or neither: a batch that does not commit is fetched again,
        so each message is stored exactly once (see `ingest_batch`).
        """
        items = [
            BatchItem(raw, _origin(box, uidvalidity, uid), parsed[uid], box.id, uid)
            for uid, raw in raws.items()
        ]

        def on_stored(session: Session, item: BatchItem) -> None:
            # One UPDATE (it locks the row, as SELECT ... FOR UPDATE did), no ORM load.
            session.execute(
                _SAVE_UID, {"pk": self.mailbox_id, "validity": uidvalidity, "uid": item.imap_uid}
            )

        outcomes = ingest_batch(
            self.factory,
            items,
            stages=self.stages,
            on_stored=on_stored,
            should_stop=self.stop.is_set,  # SIGTERM: what is done commits; then stop
        )
        done = zip(items, outcomes, strict=False)  # fewer outcomes when stopped
        return [(item.imap_uid or 0, outcome) for item, outcome in done]

    def _save_sync_state(self, uidvalidity: int, last_uid: int) -> None:
        with self.factory() as session, session.begin():
            box = session.get_one(Mailbox, self.mailbox_id, with_for_update=True)
            box.uidvalidity, box.last_uid = uidvalidity, last_uid

    def _after(self, client: IMAPClient, box: MailboxSnapshot, uids: list[int]) -> None:
        """Only after the commit. Never delete or expunge: flag, or move, or leave."""
        if not uids:
            return
        action = box.after_action
        if action == "flag":
            client.add_flags(uids, [KEYWORD])
        elif action.startswith("move:"):
            target = action.split(":", 1)[1]
            if client.has_capability("MOVE"):
                client.move(uids, target)
            else:
                client.copy(uids, target)
                client.add_flags(uids, [KEYWORD])

    # -- health ------------------------------------------------------------------

    def _record_success(self) -> None:
        self.failures = 0
        with self.factory() as session, session.begin():
            box = session.get_one(Mailbox, self.mailbox_id)
            box.last_sync_at = dt.datetime.now(dt.UTC)
            box.consecutive_failures = 0

    def _record_failure(self, error: BaseException) -> None:
        self.failures += 1
        with self.factory() as session, session.begin():
            box = session.get_one(Mailbox, self.mailbox_id)
            box.last_error = f"{type(error).__name__}: {error}"[:2000]
            box.last_error_at = dt.datetime.now(dt.UTC)
            box.consecutive_failures = (box.consecutive_failures or 0) + 1

    def _drop_connection(self) -> None:
        if self.client is not None:
            try:
                self.client.shutdown()
            except Exception:  # already broken; nothing more to learn from it
                log.debug("shutdown of a broken connection failed", exc_info=True)
            self.client = None

    def close(self) -> None:
        """Log out and close the connection (after `poll_once` used on its own)."""
        if self.client is not None:
            try:
                self.client.logout()
            except Exception:  # a broken connection: shutting it down is enough
                log.debug("logout failed", exc_info=True)
            self._drop_connection()

    def backoff_seconds(self) -> float:
        base = min(self.options.backoff_max, self.options.backoff_base * 2 ** (self.failures - 1))
        return base * random.uniform(0.5, 1.5)

    # -- the loop ----------------------------------------------------------------

    def run(self, once: bool = False) -> None:
        while not self.stop.is_set():
            try:
                self.poll_once()
                if once:
                    break
                self._wait_for_mail()
            except MailboxConfigError as exc:
                self._record_failure(exc)
                log.error("mailbox %s: %s", self.mailbox_id, exc)
                self._drop_connection()
                if once:
                    raise
                self.stop.wait(self.backoff_seconds())
            except NETWORK_ERRORS as exc:
                self._record_failure(exc)
                log.warning("mailbox %s: %s; reconnecting", self.mailbox_id, exc)
                self._drop_connection()
                if once:
                    raise
                self.stop.wait(self.backoff_seconds())
        self.close()

    def _wait_for_mail(self) -> None:
        """IDLE until the server reports new mail (or the renewal time); else sleep."""
        client = self.client
        if client is None:
            return
        if not client.has_capability("IDLE"):
            self.stop.wait(self.options.poll_interval)
            return
        client.idle()
        started = dt.datetime.now(dt.UTC)
        try:
            while not self.stop.is_set():
                responses = client.idle_check(timeout=self.options.idle_check_seconds)
                if any(_is_new_mail(r) for r in responses):
                    return
                if any(_is_bye(r) for r in responses):
                    raise ConnectionResetError("server said BYE during IDLE")
                if (dt.datetime.now(dt.UTC) - started).total_seconds() > IDLE_RENEW_SECONDS:
                    return
        finally:
            if self.client is not None:
                try:
                    client.idle_done()
                except NETWORK_ERRORS:
                    self._drop_connection()
                    raise


def _origin(box: MailboxSnapshot, uidvalidity: int, uid: int) -> str:
    return f"imap://{box.name}/{box.folder};UIDVALIDITY={uidvalidity}/;UID={uid}"


def _is_new_mail(response: object) -> bool:
    return (
        isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")
    )


def _is_bye(response: object) -> bool:
    return isinstance(response, tuple) and len(response) >= 1 and response[0] == b"BYE"


def poll_mailboxes(
    factory: sessionmaker[Session],
    mailbox_ids: Sequence[int],
    stages: Sequence[Stage],
    options: PollerOptions,
    stop: threading.Event,
    once: bool,
    pool: PreworkPool = IN_PROCESS,
) -> None:
    """Several mailboxes in one process: a thread each, sharing the session factory
    and the ingest worker."""
    pollers = [MailboxPoller(factory, mid, stages, options, stop, pool) for mid in mailbox_ids]
    if len(pollers) == 1:
        pollers[0].run(once=once)
        return
    errors: list[BaseException] = []

    def run(poller: MailboxPoller) -> None:
        try:
            poller.run(once=once)
        except BaseException as exc:  # reported after all threads finish
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,), daemon=True) for p in pollers]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=0.5)
    if errors and once:
        raise errors[0]
