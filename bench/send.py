"""Benchmark the outbox worker: queued mail through `inbox-router send --once` to aiosmtpd.

Queues N escalation notices in one transaction (as the router does), runs the real
command as its own process against an aiosmtpd server in this process, and counts
what arrived by Message-ID. Latency is queue -> accepted by the server, so with a
burst of N it is dominated by each mail's place in the backlog. With --imap the
worker also files each copy in a private Dovecot's Sent folder, as in production.
The last line is always:

    sent=N duplicates=D rate=R/s p95_ms=L

    python bench/send.py [--messages 1000] [--imap] [--db URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from inbox.db import make_engine, migrate, session_factory  # noqa: E402
from inbox.mail.build import as_utc  # noqa: E402
from inbox.models import Mailbox, OutboxEntry, OutboxState  # noqa: E402
from inbox.outgoing.outbox import new_message_id  # noqa: E402
from inbox.settings import Settings  # noqa: E402
from tests.servers.dovecot import private_dovecot  # noqa: E402
from tests.servers.smtp import smtp_sink  # noqa: E402


def queue(settings: Settings, count: int) -> dict[str, dt.datetime]:
    """N notices, committed together; Message-ID -> queued_at."""
    engine = make_engine(settings)
    factory = session_factory(engine)
    with factory() as session, session.begin():
        session.add_all(
            OutboxEntry(
                kind="notice",
                mail_message_id=new_message_id(settings),
                from_addr=settings.shared_address,
                to_addrs=[f"attorney{i % 20}@harborvale.law"],
                subject=f"[Legal question] matter HV-2026-{i:04d}",
                body_text=f"A client asked a legal question (case {i}).\n" * 20,
                auto_submitted=True,
            )
            for i in range(count)
        )
    with factory() as session:
        rows = session.execute(
            select(OutboxEntry.mail_message_id, OutboxEntry.queued_at).where(
                OutboxEntry.state == OutboxState.QUEUED
            )
        ).all()
    engine.dispose()
    return {mid: as_utc(at) for mid, at in rows}


def add_mailbox(settings: Settings, server) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(settings)
    with session_factory(engine)() as session, session.begin():
        session.add(
            Mailbox(
                name="bench",
                host=server.host,
                port=server.port,
                security="plain",
                username=server.user,
                password_env="BENCH_IMAP_PASSWORD",
            )
        )
    engine.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--imap", action="store_true", help="file Sent copies in Dovecot")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        settings = Settings(db_url=args.db or f"sqlite:///{tmp}/send.db")
        env = {**os.environ, "INBOX_ROUTER_DB": settings.db_url}
        engine = make_engine(settings)
        migrate(engine)
        engine.dispose()
        if args.imap:
            dovecot = stack.enter_context(private_dovecot())
            add_mailbox(settings, dovecot)
            env["BENCH_IMAP_PASSWORD"] = dovecot.password
        sink = stack.enter_context(smtp_sink())
        env |= {
            "INBOX_ROUTER_SMTP_HOST": sink.host,
            "INBOX_ROUTER_SMTP_PORT": str(sink.port),
            "INBOX_ROUTER_SMTP_SECURITY": "plain",
        }
        started = time.perf_counter()
        queued = queue(settings, args.messages)
        print(f"queued {len(queued)} in {time.perf_counter() - started:.2f}s")

        worker_start = time.time()
        done = subprocess.run(
            [sys.executable, "-m", "inbox.cli", "send", "--once"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        wall = time.time() - worker_start
        print(f"worker: exit {done.returncode} in {wall:.2f}s: {done.stdout.strip()}")
        if done.returncode != 0:
            print(done.stderr[-2000:], file=sys.stderr)
        received = list(sink.handler.received)

    arrived: dict[str, int] = {}
    accepted_at: dict[str, float] = {}
    for mail in received:
        mid = mail.message_id or ""
        arrived[mid] = arrived.get(mid, 0) + 1
        accepted_at.setdefault(mid, mail.accepted_at)
    sent = sum(1 for mid in queued if mid in arrived)
    duplicates = sum(n - 1 for n in arrived.values())
    unexpected = sum(1 for mid in arrived if mid not in queued)
    latencies = [(accepted_at[mid] - queued[mid].timestamp()) * 1000 for mid in accepted_at]
    last = max(accepted_at.values(), default=worker_start)
    first = min(accepted_at.values(), default=worker_start)
    rate = sent / max(last - worker_start, 1e-9)
    steady = (sent - 1) / max(last - first, 1e-9) if sent > 1 else 0.0
    if latencies:
        print(
            f"latency ms: p50 {statistics.median(latencies):.0f}, "
            f"p95 {percentile(latencies, 0.95):.0f}, max {max(latencies):.0f}; "
            f"steady delivery {steady:.0f}/s after a {first - worker_start:.2f}s start"
        )
    if unexpected or sent < len(queued):
        print(f"missing {len(queued) - sent}, unexpected {unexpected}")
    p95 = percentile(latencies, 0.95) if latencies else 0.0
    print(f"sent={sent} duplicates={duplicates} rate={rate:.0f}/s p95_ms={p95:.0f}")
    return 0 if sent == len(queued) and not duplicates else 1


if __name__ == "__main__":
    raise SystemExit(main())
