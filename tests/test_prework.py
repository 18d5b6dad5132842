"""The ingest worker: the same parses and predictions as in-process, and no way to
lose mail or leave a process behind."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import event

from classifier.predict import ClassifyJob
from inbox.ingest.prework import PreworkPool, prework
from inbox.ingest.runner import BatchItem, ingest_batch, parse_safely
from inbox.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "inbox" / "sample_mailbox").glob("*.eml"))


def sample_raws() -> tuple[list[bytes], list[str]]:
    raws = [path.read_bytes() for path in SAMPLES] + [b"\x00\x01 not mail at all"]
    return raws, [f"sample {i}" for i in range(len(raws))]


def explained(result) -> list[tuple[str, float, tuple[str, ...]]]:  # type: ignore[no-untyped-def]
    return [
        (p.decision.label, round(p.decision.confidence, 9), tuple(t for t, _ in p.explanation))
        for p in result
    ]


@pytest.mark.slow
def test_worker_gives_what_the_poller_would_compute_itself() -> None:
    raws, origins = sample_raws()
    job = ClassifyJob.from_settings(Settings())
    here = prework(raws, origins, [job, None])
    pool = PreworkPool(1, ("inbox.mail.parse", "classifier.predict"))
    try:
        pool.warm([job])
        there = pool.submit(raws, origins, [job, None])()
    finally:
        pool.close()
    assert [p for p, _ in there.parsed] == [p for p, _ in here.parsed]
    assert [e for _, e in there.parsed] == [e for _, e in here.parsed]
    assert there.parsed[-1][0] is None and "malformed" in (there.parsed[-1][1] or "")
    assert explained(there.results[0]) == explained(here.results[0])
    assert len(there.results[0]) == len(SAMPLES) and there.results[1] is None


def failing_job(messages):  # type: ignore[no-untyped-def]
    raise RuntimeError("job bug")


def test_a_failing_job_leaves_the_work_to_the_stage() -> None:
    raws, origins = sample_raws()
    result = prework(raws, origins, [failing_job])
    assert result.results == [None]  # the stage classifies for itself
    assert len(result.messages) == len(SAMPLES)


@pytest.mark.slow
def test_a_dead_worker_costs_time_not_mail() -> None:
    raws, origins = sample_raws()
    pool = PreworkPool(1)
    try:
        pool.warm([])
        for pid in pool.pids:
            os.kill(pid, 9)
        time.sleep(0.5)
        result = pool.submit(raws, origins, [])()  # redone in-process
    finally:
        pool.close()
    assert len(result.messages) == len(SAMPLES)


@pytest.mark.slow
def test_worker_exits_when_the_poller_is_killed() -> None:
    script = textwrap.dedent(
        """
        import sys, time
        from inbox.ingest.prework import PreworkPool
        pool = PreworkPool(1)
        pool.warm([])
        print(*pool.pids, flush=True)
        time.sleep(60)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=ROOT, text=True
    )
    assert parent.stdout is not None
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert workers
    parent.kill()  # kill -9: the pool gets no chance to stop its worker
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in workers)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.slow  # a worker process loads the model
def test_the_poller_process_does_not_load_the_model_when_a_worker_classifies() -> None:
    script = textwrap.dedent(
        """
        import sys
        import inbox.cli, inbox.ingest.poller
        from inbox.ingest.prework import PreworkPool
        from inbox.ingest.runner import worker_jobs
        from inbox.settings import Settings
        from inbox.ingest.pipeline import record_route
        from rules.route import Router
        pool = PreworkPool(1, ("classifier.predict",))
        stages = [record_route(Router.from_settings(Settings(), load_model=False))]
        pool.warm(worker_jobs(stages))
        pool.close()
        print("sklearn" in sys.modules)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, cwd=ROOT, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_a_good_batch_commits_once(factory) -> None:  # type: ignore[no-untyped-def]
    """The batch's messages in one commit; on SQLite their words for the typo lookup in
    one more (inbox/vocabulary.py), not one a message either."""
    commits = []
    event.listen(factory.kw["bind"], "commit", lambda conn: commits.append(1))
    raws = [
        (
            f"From: c{i}@example.com\nTo: clients@examplefirm.law\nSubject: status {i}\n"
            f"Message-ID: <batch-{i}@example.com>\n\nAny news on my case?\n"
        ).encode()
        for i in range(20)
    ]
    items = [BatchItem(raw, f"m{i}", parse_safely(raw, f"m{i}")) for i, raw in enumerate(raws)]
    outcomes = ingest_batch(factory, items)
    assert [o.status for o in outcomes] == ["stored"] * 20
    assert len(commits) == (2 if factory.kw["bind"].dialect.name == "sqlite" else 1)


@pytest.mark.parametrize("thread", ["main", "other"])
def test_a_worker_whose_parent_dies_while_it_starts_exits_within_a_second(thread: str) -> None:
    """Issue 19: the parent dies at once, before the worker has run a line of its own.
    From another thread there is no PR_SET_PDEATHSIG: the PID and the lifeline do it."""
    script = textwrap.dedent(
        f"""
        import os, threading
        from inbox.ingest.prework import PreworkPool
        def start():
            print(*PreworkPool(1, ("classifier.predict",)).pids, flush=True)
        if {thread!r} == "main":
            start()
        else:
            worker = threading.Thread(target=start)
            worker.start()
            worker.join()
        os._exit(0)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, cwd=ROOT, text=True, check=True
    )
    workers = [int(pid) for pid in out.stdout.split()]
    assert workers
    deadline = time.monotonic() + 1.0
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(alive(pid) for pid in workers)
    assert out.stderr == ""


@pytest.mark.slow
def test_a_worker_killed_mid_batch_fails_the_batch_not_the_poller() -> None:
    raws, origins = sample_raws()
    pool = PreworkPool(1)
    try:
        pool.warm([])
        pending = pool.submit(raws * 20, origins * 20, [])
        os.kill(pool.pids[0], 9)
        assert len(pending().messages) == 20 * len(SAMPLES)  # redone in-process
        later = pool.submit(raws, origins, [])()
        assert pool.in_process and len(later.messages) == len(SAMPLES)
    finally:
        pool.close()
