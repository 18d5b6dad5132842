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

import itertools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from inbox.cores import usable_cores
from inbox.ingest.runner import Parsed, WorkerJob, parse_safely
from inbox.ingest.workerproc import WorkerProcess
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


class PreworkPool:
    """`submit` a batch, `result` it later; in a worker process when there is one.

    The workers are `WorkerProcess`es (inbox/ingest/workerproc.py), which exit with
    the poller however it ends, even when it is killed while they start."""

    def __init__(
        self, workers: int, warm_modules: Sequence[str] = (), limits: MailLimits | None = None
    ) -> None:
        self._limits = limits
        self._workers: list[WorkerProcess] = []
        try:
            for _ in range(workers):  # started now, so their imports overlap the poller's
                self._workers.append(WorkerProcess(warm_modules))
        except BaseException:
            self.close()
            raise
        self._turn = itertools.count()

    @property
    def in_process(self) -> bool:
        return not self._workers

    @property
    def pids(self) -> list[int]:
        return [worker.pid for worker in self._workers]

    def submit(
        self, raws: Sequence[bytes], origins: Sequence[str], jobs: Sequence[WorkerJob | None]
    ) -> Callable[[], Preworked]:
        """Start a batch; the returned function waits for it (or does it here)."""
        if not self._workers:
            return lambda: prework(raws, origins, jobs, self._limits)
        worker = self._workers[next(self._turn) % len(self._workers)]
        try:
            future: Future[Preworked] = worker.call(
                prework, list(raws), list(origins), list(jobs), self._limits
            )
        except Exception:  # a broken worker: carry on without the pool
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
        if not self._workers:
            _run_empty(jobs)
            return
        for future in [worker.call(_run_empty, list(jobs)) for worker in self._workers]:
            future.result()

    def close(self) -> None:
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.close()


IN_PROCESS = PreworkPool(0)
