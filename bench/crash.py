"""Crash test: random SIGKILLs of the poller and of the sender, then a restart of each.

Against a private Dovecot (a backlog of client mail in INBOX; the Sent folder for the
sender's copies) and an aiosmtpd sink in this process, it alternates N kills between
`inbox-router poll --once` (with an ingest worker, killed anywhere from its start-up
to the middle of the backlog) and `inbox-router send` (killed from its start to a few
mails in), then lets each run to the end and counts:

- duplicates: mail stored twice, plus mail the SMTP server received twice;
- missing: mail never stored, plus notices neither delivered nor held for a person
  (or recorded sent but never received);
- held: notices held as "Delivery unknown" for a person to check;
- orphans: processes of a killed run (its session) still alive a second after the kill.

It also says where each kill left the mail being sent (the step recorded: before the
end of data, or at it) and how many killed runs wrote warnings (leaked semaphores,
"Exception ignored") to stderr. Not a timed test: run it by hand. The last line is:

    kills=N duplicates=D missing=M held=H orphans=O

    python bench/crash.py [--kills 50] [--messages 2000] [--notices 300]
                          [--db URL | --postgres] [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, update  # noqa: E402

from inbox.db import make_engine, migrate, session_factory  # noqa: E402
from inbox.models import (  # noqa: E402
    Mailbox,
    Message,
    OutboxEntry,
    OutboxState,
    SendStep,
    utcnow,
)
from inbox.outgoing.outbox import new_message_id  # noqa: E402
from inbox.outgoing.sentfolder import PENDING  # noqa: E402
from inbox.outgoing.worker import UNKNOWN_DELIVERY  # noqa: E402
from inbox.settings import Settings  # noqa: E402
from tests.servers.dovecot import private_dovecot  # noqa: E402
from tests.servers.postgres import private_postgres  # noqa: E402
from tests.servers.smtp import smtp_sink  # noqa: E402

ORPHAN_GRACE = 1.0  # seconds a killed run's processes have to go
NOISE = (b"leaked", b"Exception ignored", b"Traceback")


def client_mail(i: int, rng: random.Random) -> bytes:
    asks = ["Has the filing gone in?", "Any news on my case?", "Can you send invoice 4411?"]
    return (
        f"From: Client {i} <client{i % 300}@example.com>\r\nTo: clients@harborvale.law\r\n"
        f"Subject: Question {i}\r\nMessage-ID: <crash-{i}@example.com>\r\n"
        f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nHello,\r\n{rng.choice(asks)} "
        f"{'More detail. ' * rng.randint(0, 120)}\r\nThanks\r\n"
    ).encode()


def session_members(session_id: int) -> list[int]:
    """Live processes of a session, wherever they were re-parented."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[3]) == session_id:
            members.append(int(entry.name))
    return members


class Bench:
    def __init__(  # type: ignore[no-untyped-def]
        self, settings: Settings, dovecot, env: dict[str, str], tmp: Path, seed: int
    ) -> None:
        self.dovecot = dovecot
        self.engine = make_engine(settings)
        self.factory = session_factory(self.engine)
        self.env = env
        self.tmp = tmp
        self.rng = random.Random(seed)
        self.orphans = 0
        self.noisy_runs = 0
        self.cut: dict[tuple[int, int], str] = {}  # (entry, attempt) -> step it was left at

    def start(self, *command: str, log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as stderr:
            return subprocess.Popen(
                [sys.executable, "-m", "inbox.cli", *command],
                env=self.env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,  # its processes stay in its session when orphaned
            )

    def kill(self, process: subprocess.Popen[bytes], log: Path) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + ORPHAN_GRACE
        while session_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        left = session_members(process.pid)
        self.orphans += len(left)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)  # a helper that outlived it may still be writing
        self.noisy_runs += any(word in log.read_bytes() for word in NOISE)

    def kill_poller(self, n: int) -> None:
        log = self.tmp / f"poll-{n}.log"
        process = self.start("poll", "--once", log=log)
        time.sleep(self.rng.uniform(0.0, 4.0))  # start-up takes about 1-1.5 s here
        self.kill(process, log)

    def kill_sender(self, n: int) -> None:
        log = self.tmp / f"send-{n}.log"
        process = self.start("send", log=log)
        deadline = time.monotonic() + 30
        while b"sending via" not in log.read_bytes() and process.poll() is None:
            if time.monotonic() > deadline:
                raise SystemExit(f"the sender did not start: {log.read_text()[-2000:]}")
            time.sleep(0.005)
        time.sleep(self.rng.uniform(0.0, 0.4))
        self.kill(process, log)
        with self.factory() as session:  # where the kill left the mail in hand
            cut = session.execute(
                select(
                    OutboxEntry.id,
                    OutboxEntry.attempts,
                    OutboxEntry.send_step,
                    OutboxEntry.mail_message_id,
                ).where(OutboxEntry.state == OutboxState.SENDING)
            ).all()
        for entry_id, attempt, step, message_id in cut:
            # An attempt cut by an earlier kill and not yet recovered counts once.
            if (entry_id, attempt) in self.cut:
                continue
            if step == SendStep.END and self.copy_pending(message_id):
                step = "end, copy pending"  # between the dot and the reply: unknown
            self.cut[(entry_id, attempt)] = step or "unknown"
        self.settle_claims()

    def copy_pending(self, message_id: str) -> bool:
        with self.dovecot.login() as client:
            client.select_folder("Sent", readonly=True)
            uids = client.search(["UNDELETED", "HEADER", "Message-ID", message_id])
            flags = client.get_flags(uids).values() if uids else []
        return bool(uids) and all(PENDING in each for each in flags)

    def settle_claims(self) -> None:
        """Let the next run take over the dead one's claims now, not in a few seconds."""
        expired = utcnow() - dt.timedelta(seconds=1)
        with self.factory() as session, session.begin():
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.state == OutboxState.SENDING)
                .values(next_attempt_at=expired)
            )

    def finish(self) -> None:
        log = self.tmp / "poll-final.log"
        done = self.start("poll", "--once", log=log)
        if done.wait(timeout=1800) != 0:
            raise SystemExit(f"the last poll failed: {log.read_text()[-2000:]}")
        log = self.tmp / "send-final.log"
        sender = self.start("send", log=log)
        deadline = time.monotonic() + 600
        while self.unsettled():
            if time.monotonic() > deadline or sender.poll() is not None:
                raise SystemExit(f"the last send did not settle: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        sender.send_signal(signal.SIGTERM)
        sender.wait(timeout=60)

    def unsettled(self) -> int:
        with self.factory() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(OutboxEntry)
                    .where(OutboxEntry.state.in_([OutboxState.QUEUED, OutboxState.SENDING]))
                )
                or 0
            )


def fill(settings: Settings, dovecot, messages: int, notices: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    with dovecot.login() as client:
        for i in range(messages):
            client.append("INBOX", client_mail(i, rng))
    engine = make_engine(settings)
    with session_factory(engine)() as session, session.begin():
        session.add(
            Mailbox(
                name="crash",
                host=dovecot.host,
                port=dovecot.port,
                security="plain",
                username=dovecot.user,
                password_env="BENCH_IMAP_PASSWORD",
            )
        )
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
            for i in range(notices)
        )
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50, help="in all, alternating")
    parser.add_argument("--messages", type=int, default=2000, help="backlog in INBOX")
    parser.add_argument("--notices", type=int, default=300, help="queued to send")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument(
        "--postgres", action="store_true", help="a private PostgreSQL, as the tests start"
    )
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = random.randrange(1_000_000) if args.seed is None else args.seed

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        db_url = args.db or f"sqlite:///{tmp}/crash.db"
        if args.postgres:
            db_url = stack.enter_context(private_postgres())
        settings = Settings(db_url=db_url)
        engine = make_engine(settings)
        migrate(engine)
        engine.dispose()
        dovecot = stack.enter_context(private_dovecot())
        sink = stack.enter_context(smtp_sink())
        fill(settings, dovecot, args.messages, args.notices, random.Random(seed))
        env = {
            **os.environ,
            "INBOX_ROUTER_DB": settings.db_url,
            "BENCH_IMAP_PASSWORD": dovecot.password,
            "INBOX_ROUTER_INGEST_WORKERS": "1",
            "INBOX_ROUTER_SMTP_HOST": sink.host,
            "INBOX_ROUTER_SMTP_PORT": str(sink.port),
            "INBOX_ROUTER_SMTP_SECURITY": "plain",
            "INBOX_ROUTER_SMTP_TIMEOUT": "5",
            "INBOX_ROUTER_IMAP_TIMEOUT": "5",
            "INBOX_ROUTER_SEND_CLAIM_SECONDS": "30",
            "INBOX_ROUTER_SEND_POLL_SECONDS": "0.1",
            "INBOX_ROUTER_SEND_RETRY_SECONDS": "0.1",
        }
        bench = Bench(settings, dovecot, env, Path(tmp), seed)
        started = time.monotonic()
        for n in range(args.kills):
            (bench.kill_poller if n % 2 == 0 else bench.kill_sender)(n)
        killed_in = time.monotonic() - started
        bench.finish()
        received = Counter(mail.message_id for mail in sink.handler.received)

        with bench.factory() as session:
            stored = Counter(session.scalars(select(Message.message_id)))
            entries = session.scalars(select(OutboxEntry)).all()
        bench.engine.dispose()

    expected = {f"<crash-{i}@example.com>" for i in range(args.messages)}
    stored_twice = sum(n - 1 for n in stored.values() if n > 1)
    received_twice = sum(n - 1 for n in received.values() if n > 1)
    not_stored = len(expected - set(stored))
    held = [e for e in entries if e.state == OutboxState.HELD]
    unknown = [e for e in held if (e.hold_reason or "").startswith(UNKNOWN_DELIVERY)]
    lost = [
        e
        for e in entries
        if (e.state == OutboxState.SENT and not received[e.mail_message_id])
        or e.state not in (OutboxState.SENT, OutboxState.HELD)
    ]
    held_received = sum(1 for e in held if received[e.mail_message_id])
    steps_at_kill = Counter(bench.cut.values())
    steps = ", ".join(f"{step} {n}" for step, n in sorted(steps_at_kill.items()))
    before_end = sum(n for step, n in steps_at_kill.items() if step in SendStep.BEFORE_END)
    in_window = steps_at_kill["end, copy pending"]
    print(f"seed {seed}; {args.kills} kills in {killed_in:.0f}s ({settings.db_url.split(':')[0]})")
    print(f"ingest: {len(expected)} mails, {len(stored)} stored, {stored_twice} stored twice")
    print(
        f"send: {len(entries)} notices; the kills cut {len(bench.cut)} attempts "
        f"mid-send, at step: {steps or 'none'}\n  {before_end} before the end of data "
        f"(retried), {in_window} between the dot and the reply (copy still pending); "
        f"held {len(held)} ({len(unknown)} delivery unknown), of which the server had "
        f"received {held_received}; {received_twice} received twice"
    )
    print(f"killed runs that wrote warnings to stderr: {bench.noisy_runs}")
    duplicates = stored_twice + received_twice
    missing = not_stored + len(lost)
    print(
        f"kills={args.kills} duplicates={duplicates} missing={missing} "
        f"held={len(held)} orphans={bench.orphans}"
    )
    return 0 if not duplicates and not missing and not bench.orphans else 1


if __name__ == "__main__":
    raise SystemExit(main())
