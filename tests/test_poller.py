"""The IMAP poller against a real, private Dovecot per test."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inbox.ingest.poller import KEYWORD, MailboxPoller, PollerOptions
from inbox.models import Mailbox, Message, MessageState
from tests.conftest import require
from tests.servers.dovecot import Dovecot, dovecot_available, private_dovecot

FAST = PollerOptions(
    poll_interval=0.5, idle_check_seconds=0.2, backoff_base=0.2, backoff_max=1.0, imap_timeout=10
)


def client_mail(i: int, extra: str = "") -> bytes:
    return (
        f"From: Client {i} <client{i}@example.com>\r\nTo: clients@harborvale.law\r\n"
        f"Subject: Question {i}\r\nMessage-ID: <poll-{i}@example.com>\r\n"
        f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nHello, has the filing gone in? {extra}\r\n"
    ).encode()


def append_many(server: Dovecot, messages: list[bytes], folder: str = "INBOX") -> None:
    with server.login() as client:
        for raw in messages:
            client.append(folder, raw)


@pytest.fixture
def mailbox_id(factory, dovecot: Dovecot, monkeypatch) -> int:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_IMAP_PASSWORD", dovecot.password)
    with factory() as session, session.begin():
        box = Mailbox(
            name="firm",
            host=dovecot.host,
            port=dovecot.port,
            security="plain",
            username=dovecot.user,
            password_env="TEST_IMAP_PASSWORD",
            folder="INBOX",
            after_action="leave",
        )
        session.add(box)
        session.flush()
        return box.id


def stored(factory) -> int:  # type: ignore[no-untyped-def]
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Message)) or 0


def poller(factory, mailbox_id: int, stop: threading.Event | None = None) -> MailboxPoller:  # type: ignore[no-untyped-def]
    return MailboxPoller(factory, mailbox_id, [], FAST, stop or threading.Event())


def one_pass(factory, mailbox_id: int):  # type: ignore[no-untyped-def]
    p = poller(factory, mailbox_id)
    try:
        return p.poll_once()
    finally:
        p.close()


@pytest.mark.slow
def test_backlog_is_ingested_once_and_uid_state_is_saved(factory, dovecot, mailbox_id) -> None:  # type: ignore[no-untyped-def]
    append_many(dovecot, [client_mail(i) for i in range(250)])
    result = one_pass(factory, mailbox_id)
    assert result.summary.stored == 250
    assert stored(factory) == 250
    again = one_pass(factory, mailbox_id)
    assert again.summary.total == 0
    with factory() as session:
        box = session.get_one(Mailbox, mailbox_id)
        assert box.last_uid == 250 and box.uidvalidity
        assert box.consecutive_failures == 0 and box.last_sync_at is not None
    with dovecot.login() as client:  # BODY.PEEK[]: nothing marked seen
        client.select_folder("INBOX", readonly=True)
        assert len(client.search(["UNSEEN"])) == 250


@pytest.mark.slow
def test_new_mail_during_idle_is_stored_within_two_seconds(factory, dovecot, mailbox_id) -> None:  # type: ignore[no-untyped-def]
    stop = threading.Event()
    worker = threading.Thread(target=poller(factory, mailbox_id, stop).run, daemon=True)
    worker.start()
    try:
        time.sleep(1.0)  # first pass done, now in IDLE
        append_many(dovecot, [client_mail(1)])
        started = time.monotonic()
        while stored(factory) < 1 and time.monotonic() - started < 5:
            time.sleep(0.05)
        assert stored(factory) == 1
        assert time.monotonic() - started < 2.0
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()


def test_without_idle_the_poller_polls_at_its_interval(factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    require(dovecot_available() is None, dovecot_available() or "")
    with private_dovecot(idle=False) as server:
        monkeypatch.setenv("TEST_IMAP_PASSWORD", server.password)
        with factory() as session, session.begin():
            box = Mailbox(
                name="noidle",
                host=server.host,
                port=server.port,
                security="plain",
                username=server.user,
                password_env="TEST_IMAP_PASSWORD",
            )
            session.add(box)
            session.flush()
            box_id = box.id
        stop = threading.Event()
        worker = threading.Thread(target=poller(factory, box_id, stop).run, daemon=True)
        worker.start()
        try:
            time.sleep(1.0)
            append_many(server, [client_mail(3)])
            deadline = time.monotonic() + 5
            while stored(factory) < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert stored(factory) == 1  # found by the next poll (interval 0.5 s)
        finally:
            stop.set()
            worker.join(timeout=10)


def test_uidvalidity_reset_resyncs_without_duplicates(factory, dovecot, mailbox_id) -> None:  # type: ignore[no-untyped-def]
    append_many(dovecot, [client_mail(i) for i in range(5)], folder="INBOX")
    with factory() as session, session.begin():
        session.get_one(Mailbox, mailbox_id).folder = "Clients"
    with dovecot.login() as client:
        client.create_folder("Clients")
    append_many(dovecot, [client_mail(i) for i in range(5)], folder="Clients")
    one_pass(factory, mailbox_id)
    with factory() as session:
        old_validity = session.get_one(Mailbox, mailbox_id).uidvalidity
    with dovecot.login() as client:  # the folder is recreated: a new UIDVALIDITY
        client.delete_folder("Clients")
        client.create_folder("Clients")
    append_many(dovecot, [client_mail(i) for i in range(6)], folder="Clients")
    result = one_pass(factory, mailbox_id)
    assert result.uidvalidity_reset
    assert (result.summary.stored, result.summary.duplicates) == (1, 5)
    assert stored(factory) == 6
    with factory() as session:
        assert session.get_one(Mailbox, mailbox_id).uidvalidity != old_validity


@pytest.mark.slow  # restarts Dovecot
def test_server_restart_during_idle_reconnects_and_records_health(
    factory, dovecot, mailbox_id
) -> None:  # type: ignore[no-untyped-def]
    stop = threading.Event()
    worker = threading.Thread(target=poller(factory, mailbox_id, stop).run, daemon=True)
    worker.start()
    try:
        time.sleep(1.0)
        dovecot.stop()
        time.sleep(1.5)  # the poller sees the connection drop and backs off
        dovecot.start()
        append_many(dovecot, [client_mail(7)])
        deadline = time.monotonic() + 15
        while stored(factory) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert stored(factory) == 1
    finally:
        stop.set()
        worker.join(timeout=10)
    with factory() as session:
        box = session.get_one(Mailbox, mailbox_id)
        assert box.last_error and box.last_error_at is not None
        assert box.consecutive_failures == 0  # recovered


def test_malformed_message_is_quarantined_and_blocks_nothing(factory, dovecot, mailbox_id) -> None:  # type: ignore[no-untyped-def]
    append_many(dovecot, [client_mail(1), b"not a mail at all, no headers\r\n", client_mail(2)])
    result = one_pass(factory, mailbox_id)
    assert (result.summary.stored, result.summary.quarantined) == (2, 1)
    with factory() as session:
        bad = session.scalars(
            select(Message).where(Message.state == MessageState.QUARANTINED)
        ).one()
        assert bad.raw.content.startswith(b"not a mail") and bad.imap_uid == 2
    assert one_pass(factory, mailbox_id).summary.total == 0  # not retried forever


@pytest.mark.parametrize("after", ["flag", "move:Processed"])
def test_after_ingest_flag_or_move_and_never_delete(
    factory, dovecot, mailbox_id, after: str
) -> None:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        session.get_one(Mailbox, mailbox_id).after_action = after
    with dovecot.login() as client:
        client.create_folder("Processed")
    append_many(dovecot, [client_mail(i) for i in range(3)])
    one_pass(factory, mailbox_id)
    with dovecot.login() as client:
        inbox = client.select_folder("INBOX")
        if after == "flag":
            assert len(client.search(["KEYWORD", KEYWORD])) == 3
            assert inbox[b"EXISTS"] == 3
        else:
            assert inbox[b"EXISTS"] == 0
            assert client.select_folder("Processed")[b"EXISTS"] == 3


def test_wrong_password_is_recorded_not_fatal(factory, dovecot, mailbox_id, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "wrong")
    with pytest.raises(Exception, match=r"(?i)auth"):
        poller(factory, mailbox_id).run(once=True)
    with factory() as session:
        box = session.get_one(Mailbox, mailbox_id)
        assert box.consecutive_failures == 1 and "uth" in (box.last_error or "")


def run_poll_once(db_url: str, password: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "INBOX_ROUTER_DB": db_url, "TEST_IMAP_PASSWORD": password}
    return subprocess.Popen(
        [sys.executable, "-m", "inbox.cli", "poll", "--once"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[1],
    )


@pytest.mark.slow
def test_kill_9_mid_batch_repeatedly_then_restart_stores_each_message_once(
    factory, dovecot, mailbox_id, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    count = 800
    append_many(dovecot, [client_mail(i, "x" * random.randint(0, 3000)) for i in range(count)])
    rng = random.Random(11)
    mid_way = 0
    for _ in range(5):
        before = stored_count(factory)
        process = run_poll_once(db_url, dovecot.password)
        # Kill once a new batch has committed, while the next is in hand.
        deadline = time.monotonic() + 60
        while stored_count(factory) == before and process.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.15))
        process.send_signal(signal.SIGKILL)
        process.wait()
        mid_way += 0 < stored_count(factory) < count
    assert mid_way >= 3, "the kills must land in the middle of the backlog"
    final = run_poll_once(db_url, dovecot.password)
    assert final.wait(timeout=240) == 0
    with factory() as session:
        ids = session.scalars(select(Message.message_id)).all()
        box = session.get_one(Mailbox, mailbox_id)
    assert len(ids) == count and len(set(ids)) == count
    assert box.last_uid == count


def stored_count(factory) -> int:  # type: ignore[no-untyped-def]
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Message)) or 0


@pytest.mark.slow
def test_two_pollers_at_once_store_each_message_once(
    factory, dovecot, mailbox_id, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    count = 200
    append_many(dovecot, [client_mail(i) for i in range(count)])
    first, second = run_poll_once(db_url, dovecot.password), run_poll_once(db_url, dovecot.password)
    assert first.wait(timeout=240) == 0 and second.wait(timeout=240) == 0
    last = run_poll_once(db_url, dovecot.password)  # whichever skipped, nothing is left
    assert last.wait(timeout=240) == 0
    with factory() as session:
        ids = session.scalars(select(Message.message_id)).all()
    assert len(ids) == count and len(set(ids)) == count


def start_poll_once(db_url: str, password: str, stderr: object) -> subprocess.Popen[bytes]:
    """`poll --once` with an ingest worker, as the leader of its own session: every
    process it starts stays in that session, even once re-parented."""
    env = {
        **os.environ,
        "INBOX_ROUTER_DB": db_url,
        "TEST_IMAP_PASSWORD": password,
        "INBOX_ROUTER_INGEST_WORKERS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "inbox.cli", "poll", "--once"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,  # type: ignore[arg-type]
        cwd=Path(__file__).resolve().parents[1],
        start_new_session=True,
    )


def session_members(session_id: int) -> list[int]:
    """Live (not zombie) processes of a session, wherever they were re-parented."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if fields[0] != "Z" and int(fields[3]) == session_id:
            members.append(int(entry.name))
    return members


@pytest.mark.slow
def test_killing_the_poller_anywhere_in_start_up_leaves_no_process_behind(
    factory, dovecot, mailbox_id, db_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Issue 19: a kill early in start-up left the worker (and multiprocessing's
    resource tracker) running for good; each must be gone within a second, and the
    killed run must not warn about leaked semaphores either."""
    if not db_url.startswith("sqlite"):
        pytest.skip("which processes a kill leaves behind does not depend on the database")
    append_many(dovecot, [client_mail(i) for i in range(40)])
    delays = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.65, 0.8, 0.95, 1.1, 1.3]
    delays += [1.5, 1.8, 2.1, 2.5, 3.0, 3.6]
    late, warned = [], []
    for n, delay in enumerate(delays):
        errors = tmp_path / f"stderr-{n}"
        with errors.open("wb") as err:
            process = start_poll_once(db_url, dovecot.password, err)
            time.sleep(delay)
            process.kill()
            process.wait()
            assert process.stdout is not None
            process.stdout.close()
        deadline = time.monotonic() + 1.0
        while session_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        left = session_members(process.pid)
        for pid in left:  # do not leave them to the next test
            os.kill(pid, signal.SIGKILL)
        if left:
            late.append((delay, left))
        time.sleep(0.3)  # a resource tracker, had there been one, writes as it exits
        if b"leaked" in errors.read_bytes():
            warned.append(delay)
    assert late == [], f"processes outlived the poller by over a second: {late}"
    assert warned == [], f"killed runs warned of leaked semaphores: {warned}"


@pytest.mark.slow
def test_a_clean_poll_once_prints_only_its_summary(
    factory, dovecot, mailbox_id, db_url, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Issue 19: no "Exception ignored ... Bad file descriptor" from the worker pool at exit."""
    append_many(dovecot, [client_mail(i) for i in range(5)])
    summary = re.compile(r"^\S+ \S+ INFO mailbox firm: stored \d+, duplicates \d+, .*$")
    for _ in range(2):  # the second run finds nothing new: still only its summary
        errors = tmp_path / "stderr"
        with errors.open("wb") as err:
            process = start_poll_once(db_url, dovecot.password, err)
            out, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        assert out == b""
        lines = errors.read_text().splitlines()
        assert [line for line in lines if not summary.match(line)] == [], lines
    assert stored(factory) == 5
