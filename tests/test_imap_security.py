"""Polling over TLS (implicit and STARTTLS) and with XOAUTH2, against a real Dovecot.

The Dovecot requires TLS (`ssl = required`) with a throwaway certificate made by
openssl; the poller verifies certificates as in production and trusts the
throwaway one only through the CA-file setting. XOAUTH2 logins are checked by
Dovecot's oauth2 passdb against a small introspection endpoint.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inbox.cli import main
from inbox.db import make_engine, migrate, session_factory
from inbox.imap import MailboxConfigError
from inbox.ingest.poller import MailboxPoller, PollerOptions
from inbox.models import Mailbox, Message
from inbox.settings import Settings
from tests.conftest import require
from tests.servers.certificate import self_signed_certificate
from tests.servers.dovecot import Dovecot, dovecot_available, private_dovecot
from tests.servers.oauth2 import introspection_server

FAST = PollerOptions(backoff_base=0.2, backoff_max=1.0, imap_timeout=10)


def client_mail(i: int) -> bytes:
    return (
        f"From: Client {i} <client{i}@example.com>\r\nTo: clients@harborvale.law\r\n"
        f"Subject: Question {i}\r\nMessage-ID: <tls-{i}@example.com>\r\n\r\n"
        "Has the filing gone in?\r\n"
    ).encode()


@pytest.fixture
def tls_dovecot() -> Iterator[Dovecot]:
    require(dovecot_available() is None, dovecot_available() or "")
    with private_dovecot(tls=True) as server:
        with server.login() as client:
            for i in range(3):
                client.append("INBOX", client_mail(i))
        yield server


@pytest.fixture
def sqlite_factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The network edge does not depend on the database: SQLite is enough here."""
    engine = make_engine(Settings(db_url=f"sqlite:///{tmp_path}/tls.db"))
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


def add_mailbox(factory, server: Dovecot, security: str, port: int, monkeypatch) -> int:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_IMAP_PASSWORD", server.password)
    with factory() as session, session.begin():
        box = Mailbox(
            name=security,
            host=server.host,
            port=port,
            security=security,
            username=server.user,
            password_env="TEST_IMAP_PASSWORD",
        )
        session.add(box)
        session.flush()
        return box.id


def stored(factory) -> int:  # type: ignore[no-untyped-def]
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Message)) or 0


def tls_logins(server: Dovecot) -> int:
    """Logins that Dovecot saw made over TLS (it writes ", TLS" in the Login line)."""
    return sum(
        1 for line in server.log().splitlines() if "Login: user=<firm>" in line and ", TLS" in line
    )


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_ingest_over_tls_trusting_the_configured_ca(
    sqlite_factory, tls_dovecot: Dovecot, monkeypatch, security: str
) -> None:  # type: ignore[no-untyped-def]
    port = tls_dovecot.tls_port if security == "ssl" else tls_dovecot.port
    assert port is not None
    box_id = add_mailbox(sqlite_factory, tls_dovecot, security, port, monkeypatch)
    options = PollerOptions(imap_timeout=10, imap_ca_file=tls_dovecot.ca_file)
    poller = MailboxPoller(sqlite_factory, box_id, [], options, threading.Event())
    try:
        assert poller.poll_once().summary.stored == 3
    finally:
        poller.close()
    assert stored(sqlite_factory) == 3
    assert tls_logins(tls_dovecot) == 1


@pytest.mark.parametrize("trusted", ["system CAs", "another CA"])
def test_certificate_that_does_not_verify_is_refused_and_shown_in_health(
    sqlite_factory, tls_dovecot: Dovecot, monkeypatch, tmp_path: Path, trusted: str
) -> None:  # type: ignore[no-untyped-def]
    assert tls_dovecot.tls_port is not None
    box_id = add_mailbox(sqlite_factory, tls_dovecot, "ssl", tls_dovecot.tls_port, monkeypatch)
    ca_file = None if trusted == "system CAs" else self_signed_certificate(tmp_path)[0]
    options = PollerOptions(imap_timeout=10, imap_ca_file=ca_file)
    poller = MailboxPoller(sqlite_factory, box_id, [], options, threading.Event())
    with pytest.raises(MailboxConfigError, match="certificate"):
        poller.run(once=True)
    with sqlite_factory() as session:
        box = session.get_one(Mailbox, box_id)
        assert box.consecutive_failures == 1 and box.last_sync_at is None
        error = box.last_error or ""
    assert "TLS certificate of 127.0.0.1" in error and "was refused" in error
    assert "INBOX_ROUTER_IMAP_CA_FILE" in error  # says what to do about it
    assert stored(sqlite_factory) == 0
    assert (
        tls_dovecot.log().count("Login: user=<firm>") == 1
    )  # the fixture's only: no password went out


@pytest.mark.slow  # runs `poll` as a process
def test_poll_command_reads_the_ca_file_setting(
    tmp_path: Path, tls_dovecot: Dovecot, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("TEST_IMAP_PASSWORD", tls_dovecot.password)
    assert main(["--db", url, "init"]) == 0
    args = ["--db", url, "mailbox", "add", "firm", "--host", tls_dovecot.host, "--port"]
    args += [str(tls_dovecot.tls_port), "--security", "ssl", "--user", tls_dovecot.user]
    assert main([*args, "--password-env", "TEST_IMAP_PASSWORD"]) == 0
    assert main(["--db", url, "poll", "--once"]) == 1  # the throwaway CA is not trusted
    assert "was refused" in capsys.readouterr().err
    monkeypatch.setenv("INBOX_ROUTER_IMAP_CA_FILE", str(tls_dovecot.ca_file))
    assert main(["--db", url, "poll", "--once"]) == 0
    assert main(["--db", url, "status"]) == 0
    assert tls_logins(tls_dovecot) == 1


@pytest.mark.slow
def test_xoauth2_login_with_a_token_command_ingests_mail(
    tmp_path: Path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    require(dovecot_available() is None, dovecot_available() or "")
    token = "ya29.test-token-4f1c"
    with (
        introspection_server(token, username="firm") as introspection,
        private_dovecot(oauth2_conf=introspection.dovecot_conf(tmp_path)) as server,
    ):
        with server.login() as client:
            for i in range(2):
                client.append("INBOX", client_mail(i))
        url = f"sqlite:///{tmp_path}/oauth.db"
        assert main(["--db", url, "init"]) == 0
        args = ["--db", url, "mailbox", "add", "firm", "--host", server.host, "--port"]
        args += [str(server.port), "--security", "plain", "--user", server.user]
        assert main([*args, "--oauth2-token-command", f"echo {token}"]) == 0
        assert main(["--db", url, "poll", "--once"]) == 0
        assert introspection.asked == [token]
        assert "method=XOAUTH2" in server.log()
        engine = make_engine(Settings(db_url=url))
        try:
            assert stored(session_factory(engine)) == 2
        finally:
            engine.dispose()


@pytest.mark.slow
def test_xoauth2_token_the_server_rejects_is_recorded(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    require(dovecot_available() is None, dovecot_available() or "")
    with (
        introspection_server("the-right-token", username="firm") as introspection,
        private_dovecot(oauth2_conf=introspection.dovecot_conf(tmp_path)) as server,
    ):
        url = f"sqlite:///{tmp_path}/oauth.db"
        assert main(["--db", url, "init"]) == 0
        args = ["--db", url, "mailbox", "add", "firm", "--host", server.host, "--port"]
        args += [str(server.port), "--security", "plain", "--user", server.user]
        assert main([*args, "--oauth2-token-command", "echo an-expired-token"]) == 0
        assert main(["--db", url, "poll", "--once"]) == 1
        assert introspection.asked == ["an-expired-token"]
        engine = make_engine(Settings(db_url=url))
        try:
            with session_factory(engine)() as session:
                box = session.scalars(select(Mailbox)).one()
                assert box.consecutive_failures == 1
                assert "authentication failed" in (box.last_error or "").lower()
        finally:
            engine.dispose()
