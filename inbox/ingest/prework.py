"""The pure, CPU-bound part of ingest (parsing, and what stages can compute from the
parse alone, such as classifying) done in a worker process.

The poller's own process then spends its time on I/O (IMAP and the database) while
the worker turns the next batch's bytes into parsed messages and predictions: both
cores work, and neither waits on Python's global interpreter lock. With no worker
(one core, or `INBOX_ROUTER_INGEST_WORKERS=0`) the same function runs in-process,
and it does too for a batch whose worker failed: the pool is an optimisation,
never a way to lose mail.

A stage takes part by offering `worker_job()`: a picklable callable from a batch of
parsed messages to one result per message, handed back to its `prepare`.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from inbox.cores import usable_cores
from inbox.ingest.runner import Parsed, WorkerJob, parse_safely
from inbox.mail.limits import MailLimits
from inbox.mail.parse import ParsedMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preworked:
    """One batch: each raw message's parse (or why not), and each job's results."""

    parsed: list[Parsed]
    results: list[list[object] | None]  # per job, aligned with the parsed messages

    @property
    def messages(self) -> list[ParsedMessage]:
        return [p for p, _ in self.parsed if p is not None]


def prework(
    raws: Sequence[bytes],
    origins: Sequence[str],
    jobs: Sequence[WorkerJob | None],
    limits: MailLimits | None = None,
) -> Preworked:
    """Parse a batch and run the stages' jobs on it. Pure; never raises for bad mail."""
    parsed = [parse_safely(raw, origin, limits) for raw, origin in zip(raws, origins, strict=True)]
    messages = [p for p, _ in parsed if p is not None]
    results: list[list[object] | None] = []
    for job in jobs:
        if job is None:
            results.append(None)
            continue
        try:
            results.append(job(messages) if messages else [])
        except Exception:  # the stage computes it again per message, in-process
            log.exception("worker job %r failed; the stage will do it itself", job)
            results.append(None)
    return Preworked(parsed, results)


def _run_empty(jobs: Sequence[WorkerJob | None]) -> None:
    for job in jobs:
        if job is not None:
            job([])


def default_workers() -> int:
    """One worker beside the poller when there is a second core to run it."""
    return 1 if usable_cores() >= 2 else 0


def _worker_start(modules: Sequence[str]) -> None:
    # The poller decides when to stop (it finishes the message in hand on SIGTERM);
    # a signal sent to the whole process group must not kill the worker under it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = os.getppid()
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    for module in modules:  # heavy imports now, while the poller starts up
        importlib.import_module(module)


def _exit_with_parent(parent: int) -> None:
    """A poller killed with -9 cannot stop its worker: the worker notices and exits."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


class PreworkPool:
    """`submit` a batch, `result` it later; in a worker process when there is one."""

    def __init__(
        self, workers: int, warm_modules: Sequence[str] = (), limits: MailLimits | None = None
    ) -> None:
        self._limits = limits
        self._executor: ProcessPoolExecutor | None = None
        if workers > 0:
            # spawn, not fork: the poller holds threads and database connections.
            self._executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_start,
                initargs=(tuple(warm_modules),),
            )
            for _ in range(workers):  # start them now, not at the first batch
                self._executor.submit(int)

    @property
    def in_process(self) -> bool:
        return self._executor is None

    def submit(
        self, raws: Sequence[bytes], origins: Sequence[str], jobs: Sequence[WorkerJob | None]
    ) -> Callable[[], Preworked]:
        """Start a batch; the returned function waits for it (or does it here)."""
        if self._executor is None:
            return lambda: prework(raws, origins, jobs, self._limits)
        try:
            future: Future[Preworked] = self._executor.submit(
                prework, list(raws), list(origins), list(jobs), self._limits
            )
        except Exception:  # a broken pool: carry on without it
            log.exception("ingest worker unavailable; working in-process")
            self.close()
            return lambda: prework(raws, origins, jobs, self._limits)

        def result() -> Preworked:
            try:
                return future.result()
            except Exception:  # the worker died or could not send the result
                log.exception("ingest worker failed on a batch; redoing it in-process")
                return prework(raws, origins, jobs, self._limits)

        return result

    def warm(self, jobs: Sequence[WorkerJob | None]) -> None:
        """Run each job once on nothing where it will run: a model that cannot be
        loaded fails the start, not every message."""
        if self._executor is None:
            _run_empty(jobs)
        else:
            self._executor.submit(_run_empty, list(jobs)).result()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


IN_PROCESS = PreworkPool(0)
