"""`inbox-router demo`: the whole product on one machine, from nothing, in one command.

An SQLite database with the sample firm and mailbox (through the real pipeline), a
local SMTP sink that keeps every mail the outbox sends as a file, demo logins with
fresh passwords, and the UI with the outbox worker running beside it.
"""

from __future__ import annotations

import datetime as dt
import secrets
import socket
from pathlib import Path
from typing import Any

from inbox.accounts import add_user
from inbox.db import make_engine, migrate, reset_database, session_factory
from inbox.sample import load_sample
from inbox.settings import Settings
from web.serve import serve

DEMO_USERS = (
    ("dana@harborvale.law", "va", "Dana Reyes"),
    ("margaret.okafor@harborvale.law", "attorney", ""),
    ("admin@harborvale.law", "admin", "Avery Admin"),
)


class SinkHandler:
    """aiosmtpd handler: every accepted mail becomes a .eml file, and a line on the console."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.folder / f"{stamp}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        print(f"mail sink: to {', '.join(envelope.rcpt_tos)} -> {path}", flush=True)
        return "250 OK kept by the demo sink"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def create_demo_users(settings: Settings) -> list[tuple[str, str, str]]:
    """The demo logins with new random passwords (printed once, never stored in clear)."""
    engine = make_engine(settings)
    logins = []
    try:
        with session_factory(engine)() as session, session.begin():
            for email, role, name in DEMO_USERS:
                password = secrets.token_urlsafe(9)
                add_user(session, email, role, password, name)
                logins.append((email, role, password))
    finally:
        engine.dispose()
    return logins


def run_demo(settings: Settings, host: str, port: int, *, reset: bool = False) -> None:
    from aiosmtpd.controller import Controller

    engine = make_engine(settings)
    try:
        if reset:
            reset_database(engine)
        migrate(engine)
        load_sample(settings, session_factory(engine), as_of=dt.datetime.now(dt.UTC))
    finally:
        engine.dispose()
    logins = create_demo_users(settings)
    sink_folder = Path("demo-sent").resolve()
    sink = Controller(SinkHandler(sink_folder), hostname="127.0.0.1", port=_free_port())
    sink.start()
    demo = settings.with_changes(
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        smtp_security="plain",
        smtp_user=None,
        smtp_password=None,
        send_in_serve=True,
        send_poll_seconds=1.0,
        base_url=f"http://{host}:{port}",
    )
    print(f"\nmail sink: 127.0.0.1:{sink.port}, sent mail kept in {sink_folder}/")
    print(f"open http://{host}:{port}/ and log in as:")
    for email, role, password in logins:
        print(f"  {role:<9} {email:<34} password {password}")
    print()
    try:
        serve(demo, host, port, workers=1)  # the sample mailbox needs no more
    finally:
        sink.stop()
