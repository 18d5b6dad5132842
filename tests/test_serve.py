"""`users add`, `serve` and `demo` as a newcomer runs them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from inbox.accounts import authenticate
from inbox.cli import main
from inbox.models import OutboxEntry, OutboxState, User
from inbox.outgoing.outbox import new_message_id
from inbox.settings import Settings
from tests.servers.postgres import free_port
from tests.servers.smtp import smtp_sink
from web.demo import DEMO_USERS, create_demo_users
from web.serve import YOUNG_COLLECTION_AFTER, _options, _Sender, _Server, _shared_key


def test_users_add_takes_the_password_from_the_environment(
    db_url: str, factory, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("INBOX_ROUTER_PASSWORD", "a-long-enough-password")
    assert main(["--db", db_url, "users", "add", "Ann@Firm.Example", "--role", "va"]) == 0
    assert "created ann@firm.example (va)" in capsys.readouterr().out
    with factory() as session:
        user = session.scalars(select(User)).one()
        assert user.password_hash.startswith("scrypt:")
        assert "a-long-enough-password" not in user.password_hash
    monkeypatch.setenv("INBOX_ROUTER_PASSWORD", "short")
    assert main(["--db", db_url, "users", "add", "bob@firm.example", "--role", "va"]) == 2
    assert "at least 10 characters" in capsys.readouterr().err


def test_users_add_without_a_password_and_without_a_terminal_says_what_to_do(
    db_url: str, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    import io

    monkeypatch.delenv("INBOX_ROUTER_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["--db", db_url, "users", "add", "c@firm.example", "--role", "admin"]) == 2
    assert "INBOX_ROUTER_PASSWORD" in capsys.readouterr().err


def _wait_for(process: subprocess.Popen[str], pattern: str, seconds: float) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if re.search(pattern, line):
            return lines
    pytest.fail(f"no {pattern!r} in:\n{''.join(lines)}")


def _stop(process: subprocess.Popen[str], how: signal.Signals) -> None:
    process.send_signal(how)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    assert process.stdout is not None
    process.stdout.close()


@pytest.mark.slow
def test_demo_sets_up_everything_and_serves_the_login_page(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("INBOX_ROUTER_DB", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "inbox.cli", "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = _wait_for(process, r"serving http://", 120)
        text = "".join(lines)
        assert "stored 49" in text or "duplicates 49" in text
        assert re.search(r"va\s+dana@harborvale\.law\s+password \S{8,}", text)
        assert (tmp_path / "inbox-router.db").exists()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as response:
            assert response.status == 200
            assert b'name="csrf_token"' in response.read()
    finally:
        _stop(process, signal.SIGINT)


@pytest.mark.slow
def test_serve_with_several_workers_keeps_a_login_valid_in_each(tmp_path: Path) -> None:
    import http.cookiejar

    db = f"sqlite:///{tmp_path / 'serve.db'}"
    env = {**os.environ, "INBOX_ROUTER_PASSWORD": "a-long-enough-password"}
    env.pop("INBOX_ROUTER_SECRET_KEY", None)
    for command in (["init"], ["users", "add", "va@firm.example", "--role", "va"]):
        subprocess.run(
            [sys.executable, "-m", "inbox.cli", "--db", db, *command], env=env, check=True
        )
    port = free_port()
    command = [sys.executable, "-m", "inbox.cli", "--db", db, "serve", "--workers", "2"]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert "2 processes" in "".join(_wait_for(process, r"serving http://", 60))
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        base = f"http://127.0.0.1:{port}"
        form = opener.open(f"{base}/login", timeout=10).read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
        assert token is not None
        data = urllib.parse.urlencode(
            {"email": "va@firm.example", "password": "a-long-enough-password"}
            | {"csrf_token": token.group(1)}
        ).encode()
        assert opener.open(f"{base}/login", data=data, timeout=10).url.endswith("/queue/triage")
        # Each request may land on either worker: all of them know the login.
        for _ in range(20):
            page = opener.open(f"{base}/queue/all", timeout=10)
            assert page.url.endswith("/queue/all"), page.url
    finally:
        _stop(process, signal.SIGTERM)


@pytest.mark.slow
def test_serve_with_send_in_serve_delivers_a_queued_mail_once(db_url: str, factory) -> None:  # type: ignore[no-untyped-def]
    mail_id = new_message_id(Settings(db_url=db_url))
    with factory() as session, session.begin():
        session.add(
            OutboxEntry(
                kind="notice",
                mail_message_id=mail_id,
                from_addr="clients@harborvale.law",
                to_addrs=["jvale@harborvale.law"],
                subject="[Legal question] a lease",
                body_text="A client asked a legal question.",
                auto_submitted=True,
            )
        )
    with smtp_sink() as sink:
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "INBOX_ROUTER_SEND_IN_SERVE": "true",
            "INBOX_ROUTER_SMTP_HOST": sink.host,
            "INBOX_ROUTER_SMTP_PORT": str(sink.port),
            "INBOX_ROUTER_SMTP_SECURITY": "plain",
            "INBOX_ROUTER_SEND_POLL_SECONDS": "0.1",
        }
        command = [sys.executable, "-m", "inbox.cli", "--db", db_url, "serve", "--workers", "2"]
        process = subprocess.Popen(
            [*command, "--port", str(free_port())],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            _wait_for(process, r"serving http://", 60)
            deadline = time.monotonic() + 30
            while not sink.handler.received and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            _stop(process, signal.SIGTERM)
    assert process.returncode == 0
    assert sink.handler.message_ids() == {mail_id: 1}
    with factory() as session:
        assert session.scalars(select(OutboxEntry.state)).one() == OutboxState.SENT


# -- the same pieces in process, for the fast tier -------------------------------------


def test_gunicorn_runs_threaded_workers_and_stops_the_sender_only_when_there_is_one() -> None:
    plain = _options("127.0.0.1", 8000, 2, 8, None)
    assert plain["worker_class"] == "gthread"
    assert (plain["workers"], plain["threads"], plain["bind"]) == (2, 8, ["127.0.0.1:8000"])
    assert plain["control_socket_disable"] is True
    assert "on_exit" not in plain
    sender = _Sender(Settings())
    assert _options("::1", 8000, 1, 4, sender)["on_exit"] == sender.end
    assert _options("::1", 8000, 1, 4, sender)["bind"] == ["[::1]:8000"]


def test_all_workers_get_one_secret_key_made_before_they_start() -> None:
    made = _shared_key(Settings(secret_key=None))
    assert made.secret_key and len(made.secret_key) >= 32
    assert _shared_key(Settings(secret_key="kept-as-given")).secret_key == "kept-as-given"


def test_a_worker_leaves_what_its_app_holds_out_of_garbage_collections(db_url: str) -> None:
    """A full collection walked every object the worker had built (130-570 ms with no
    thread running): a worker freezes them once its app is built."""
    import gc

    before = gc.get_threshold()
    server = _Server(Settings(db_url=db_url), lambda app: app, {"workers": 1})
    app = server.load()
    try:
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == YOUNG_COLLECTION_AFTER
        assert app.test_client().get("/login").status_code == 200
    finally:
        gc.unfreeze()  # this test process is no worker
        gc.set_threshold(*before)
        app.extensions["inbox_router"].engine.dispose()


def test_the_wsgi_entry_point_builds_the_app_from_the_environment(db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("INBOX_ROUTER_DB", db_url)
    monkeypatch.setenv("INBOX_ROUTER_SECRET_KEY", "k" * 32)
    sys.modules.pop("web.wsgi", None)  # it builds its app when imported: here, with this env
    import web.wsgi

    app = web.wsgi.app
    try:
        assert app.test_client().get("/login").status_code == 200
    finally:
        app.extensions["inbox_router"].engine.dispose()


@pytest.mark.slow
def test_demo_logins_get_new_passwords_each_run(db_url: str, factory) -> None:  # type: ignore[no-untyped-def]
    first = create_demo_users(Settings(db_url=db_url))
    second = create_demo_users(Settings(db_url=db_url))
    assert [(e, r) for e, r, _ in first] == [(e, r) for e, r, _ in DEMO_USERS]
    assert all(a[2] != b[2] for a, b in zip(first, second, strict=True))
    with factory() as session:
        assert all(authenticate(session, email, pw) for email, _, pw in second)
        assert not authenticate(session, first[0][0], first[0][2])
