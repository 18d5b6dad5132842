"""The `poll` service: the IMAP pollers, their ingest worker and, when asked, the
outbox worker, started together and stopped together."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from sqlalchemy.orm import Session, sessionmaker

from inbox.ingest.pipeline import WORKER_IMPORTS, build_stages
from inbox.ingest.poller import PollerOptions, poll_mailboxes
from inbox.ingest.prework import PreworkPool, default_workers
from inbox.ingest.runner import worker_jobs
from inbox.outgoing.worker import OutboxWorker, run_in_thread
from inbox.settings import Settings


def run_poll_service(
    factory: sessionmaker[Session],
    settings: Settings,
    mailbox_ids: Sequence[int],
    *,
    interval: float,
    once: bool,
    stop: threading.Event,
) -> None:
    """Poll until `stop` is set (or one pass with `once`); errors that end polling
    (a mailbox misconfigured, the network gone at start) propagate to the caller."""
    options = PollerOptions(
        poll_interval=interval,
        imap_timeout=settings.imap_timeout,
        imap_ca_file=settings.imap_ca_file,
    )
    # Started first, so the worker's imports overlap the poller's own start-up.
    workers = default_workers() if settings.ingest_workers is None else settings.ingest_workers
    pool = PreworkPool(workers, WORKER_IMPORTS, settings.mail_limits())
    sender = None
    try:
        stages = build_stages(settings, factory, load_model=pool.in_process)
        pool.warm(worker_jobs(stages))
        if settings.send_in_poll and not once:
            sender = run_in_thread(OutboxWorker(factory, settings), stop)
        poll_mailboxes(factory, mailbox_ids, stages, options, stop, once, pool)
    finally:
        stop.set()
        pool.close()
        if sender is not None:
            sender.join(timeout=120)
