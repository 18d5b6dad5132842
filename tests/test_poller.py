"""The IMAP poller against a real, private Dovecot per test."""

from __future__ import annotations

import os
import random
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
